#!/usr/bin/env bash
# The web app needs Node.js 20+ with npm.
set -euo pipefail
if ! command -v npm >/dev/null 2>&1 || ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  echo "С-122 builds its web app with Node.js 20 or newer and npm; install them first" >&2; exit 2
fi
