#!/usr/bin/env bash
# Builds the server and the load generator in Release, then runs one scenario (or all of them).
#   bench/run.sh fanout --members 100 --senders 4 --seconds 20
#   bench/run.sh all            # every scenario with its full default sizes (takes a while)
#   bench/run.sh send --baseline main~3 --members 4 --window 64   # this build against another commit, same run
# Figures are printed and written as JSON under bench-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

dotnet build -c Release ZiyadMessenger.Host -v quiet -nologo >/dev/null
dotnet build -c Release ZiyadMessenger.Bench -v quiet -nologo >/dev/null
bench() { dotnet ZiyadMessenger.Bench/bin/Release/net10.0/ZiyadMessenger.Bench.dll "$@"; }

# send --baseline REF: the server of REF is built in Release in a temporary git worktree (removed after
# the run) and passed to the send scenario as --baseline-dll; the rest of the options go to the scenario.
baseline_build() {
  local ref="$1" dir commit
  commit="$(git rev-parse --verify "${ref}^{commit}")"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/ziyad-baseline.XXXXXX")"
  git worktree add --detach "$dir/src" "$commit" >/dev/null 2>&1
  echo "building the baseline ${ref} (${commit:0:12}) in Release ..." >&2
  dotnet build -c Release "$dir/src/ZiyadMessenger.Host" -v quiet -nologo -o "$dir/out" >/dev/null
  BASELINE_DIR="$dir"
  BASELINE_DLL="$dir/out/ZiyadMessenger.Host.dll"
  BASELINE_LABEL="${ref} (${commit:0:12})"
}

baseline_cleanup() {
  if [[ -n "${BASELINE_DIR:-}" ]]; then
    git worktree remove --force "$BASELINE_DIR/src" >/dev/null 2>&1 || true
    rm -rf "$BASELINE_DIR"
  fi
}

if [[ "${1:-}" == "all" ]]; then
  shift
  for scenario in startup fanout latency connections files history; do
    bench "$scenario" "$@" || echo "(${scenario} exited with $?)"
  done
elif [[ "${1:-}" == "send" ]]; then
  shift
  args=() ref=""
  while [[ $# -gt 0 ]]; do
    if [[ "$1" == "--baseline" ]]; then
      ref="${2:?--baseline needs a git ref}"
      shift 2
    else
      args+=("$1")
      shift
    fi
  done
  [[ -n "$ref" ]] || { echo "send: give --baseline GIT-REF (the build to compare this one with)" >&2; exit 1; }
  trap baseline_cleanup EXIT
  baseline_build "$ref"
  candidate="$(git rev-parse --short=12 HEAD)$(git diff --quiet HEAD -- . || echo ' + uncommitted changes')"
  bench send --baseline-dll "$BASELINE_DLL" --baseline-label "$BASELINE_LABEL" --candidate-label "this build, ${candidate}" "${args[@]}"
else
  bench "$@"
fi
