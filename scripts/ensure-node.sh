#!/usr/bin/env bash
# The web app is built with Vite 7, which needs Node.js 20.19+ (or 22.12+) and npm.
set -euo pipefail
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "С-122 builds its web app with Node.js 20.19+ and npm: install them first" >&2; exit 2
fi
if ! node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  process.exit((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22 ? 0 : 1);
'; then
  echo "С-122 needs Node.js 20.19+ or 22.12+ to build its web app; this is $(node --version)" >&2; exit 2
fi
