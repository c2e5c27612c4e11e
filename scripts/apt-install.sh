#!/usr/bin/env bash
# Installs the named Debian packages (as root, or through sudo when available).
set -euo pipefail
[ $# -gt 0 ] || exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "missing Debian packages: $* — install them with apt-get as root" >&2; exit 2
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt run (unattended upgrades, a second make) may hold the dpkg and list locks: wait for it
# instead of failing. The timeout covers both the lists (update) and dpkg (install).
wait_lock=(-o DPkg::Lock::Timeout=600)
# Older apt does not wait for the lists lock on update: retry while the failure is that lock.
for attempt in $(seq 60); do
  if output=$($sudo apt-get "${wait_lock[@]}" update -qq 2>&1); then break; fi
  if ! grep -q "Could not get lock" <<<"$output" || [ "$attempt" -eq 60 ]; then echo "$output" >&2; exit 1; fi
  echo "waiting for another apt run to finish..." >&2
  sleep 10
done
$sudo apt-get "${wait_lock[@]}" install -y -qq --no-install-recommends "$@" >/dev/null
