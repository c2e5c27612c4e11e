#!/usr/bin/env bash
# Installs the Debian packages the running service uses, when they are missing: espeak-ng speaks the
# Russian voice prompts and queue announcements. Without it the service still runs (prompts can be
# uploaded as files; announcements are skipped), so a failed install is a warning, not an error.
set -euo pipefail
# command -> package (the Russian voice comes with espeak-ng-data, a dependency of espeak-ng)
declare -A need=([espeak-ng]=espeak-ng)
missing=()
for cmd in "${!need[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}"); done
[ ${#missing[@]} -gt 0 ] || exit 0
echo "installing Debian packages: ${missing[*]}"
if ! "$(dirname "$0")/apt-install.sh" "${missing[@]}"; then
  echo "warning: could not install ${missing[*]}: the demo's voice prompts will be silent" >&2
fi
