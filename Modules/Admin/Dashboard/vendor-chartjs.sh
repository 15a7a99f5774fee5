#!/usr/bin/env bash
# Refreshes the vendored Chart.js in wwwroot/assets/vendor from the npm registry.
# Usage: Modules/Admin/Dashboard/vendor-chartjs.sh [version]   (default: latest 4.x)
# Commit the changed files; the dashboard then ships the new version inside the binary.
set -euo pipefail
version="${1:-4}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund "chart.js@${version}" >/dev/null
vendor="$here/wwwroot/assets/vendor"
cp node_modules/chart.js/dist/chart.umd.min.js "$vendor/chart.umd.min.js"
cp node_modules/chart.js/LICENSE.md "$vendor/chart.js.LICENSE.md"
cp node_modules/@kurkle/color/LICENSE.md "$vendor/kurkle-color.LICENSE.md"
echo "Vendored chart.js $(node -p "require('./node_modules/chart.js/package.json').version")"
