#!/usr/bin/env bash
# Builds the server and the load generator in Release, then runs one scenario (or all of them).
#   bench/run.sh fanout --members 100 --senders 4 --seconds 20
#   bench/run.sh all            # every scenario with its full default sizes (takes a while)
# Figures are printed and written as JSON under bench-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

dotnet build -c Release ZiyadMessenger.Host -v quiet -nologo >/dev/null
dotnet build -c Release ZiyadMessenger.Bench -v quiet -nologo >/dev/null
bench() { dotnet ZiyadMessenger.Bench/bin/Release/net10.0/ZiyadMessenger.Bench.dll "$@"; }

if [[ "${1:-}" == "all" ]]; then
  shift
  for scenario in startup fanout latency connections files history; do
    bench "$scenario" "$@" || echo "(${scenario} exited with $?)"
  done
else
  bench "$@"
fi
