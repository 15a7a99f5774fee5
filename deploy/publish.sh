#!/usr/bin/env bash
# Builds the one-file, self-contained program for each platform named (default: linux-x64 win-x64)
# into artifacts/publish/<platform>/: the program plus appsettings.json, nothing else to install.
set -euo pipefail
cd "$(dirname "$0")/.."

platforms=("$@")
if [ ${#platforms[@]} -eq 0 ]; then
  platforms=(linux-x64 win-x64)
fi

for rid in "${platforms[@]}"; do
  echo "Publishing $rid ..."
  dotnet publish ZiyadMessenger.Host -p:PublishProfile="$rid" -nologo -v quiet
done

for rid in "${platforms[@]}"; do
  ls -l "artifacts/publish/$rid/"
done
