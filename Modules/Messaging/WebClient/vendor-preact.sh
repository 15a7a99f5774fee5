#!/usr/bin/env bash
# Refreshes the vendored Preact, Preact hooks and htm in wwwroot/assets/vendor from the npm registry.
# Usage: Modules/Messaging/WebClient/vendor-preact.sh [preact-version] [htm-version]   (default: latest 11.x and 3.x)
# The files are plain ES modules; the hooks module's bare import of "preact" is rewritten to the
# vendored file, so the browser needs no import map and the page no build step.
# Commit the changed files; the web client then ships the new versions inside the binary.
set -euo pipefail
preact="${1:-11}"
htm="${2:-3}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund "preact@${preact}" "htm@${htm}" >/dev/null
vendor="$here/wwwroot/assets/vendor"
mkdir -p "$vendor"
cp node_modules/preact/dist/preact.mjs "$vendor/preact.mjs"
sed -e 's|from *"preact"|from"./preact.mjs"|g' node_modules/preact/hooks/dist/hooks.mjs > "$vendor/preact-hooks.mjs"
cp node_modules/htm/dist/htm.mjs "$vendor/htm.mjs"
cp node_modules/preact/LICENSE "$vendor/preact.LICENSE"
cp node_modules/htm/LICENSE "$vendor/htm.LICENSE"
grep -q 'from"preact"' "$vendor/preact-hooks.mjs" && { echo "hooks still import bare 'preact'" >&2; exit 1; }
echo "Vendored preact $(node -p "require('./node_modules/preact/package.json').version"), htm $(node -p "require('./node_modules/htm/package.json').version")"
