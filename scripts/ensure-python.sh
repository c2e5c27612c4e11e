#!/usr/bin/env bash
# Makes sure the Python given as $1 (>= 3.11) can create virtual environments.
set -euo pipefail
py=${1:-python3}
if ! "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "С-122 needs Python 3.11 or newer as '$py'" >&2; exit 2
fi
if ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
  ver=$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  ./scripts/apt-install.sh "python${ver}-venv"
fi
