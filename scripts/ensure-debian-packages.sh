#!/usr/bin/env bash
# Installs the real peers the test suite talks to, when they are missing:
# SIPp, baresip and Kamailio as SIP peers, Chromium for the browser tests,
# espeak-ng and sox for audio, tshark for captures, Kannel for SMS, Redis for several nodes.
set -euo pipefail
declare -A need=(
  [sipp]=sip-tester [baresip]=baresip-core [kamailio]=kamailio [chromium]=chromium
  [espeak-ng]=espeak-ng [sox]=sox
)
missing=()
for cmd in "${!need[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}"); done
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core)
# pdftotext reads exported PDF journals back in the tests.
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
# Kannel (bearerbox, smsbox) is the SMS gateway of the SMS tests; fakesmsc, its test SMSC, is in extras.
[ -x /usr/sbin/bearerbox ] || missing+=(kannel)
[ -x /usr/lib/kannel/test/fakesmsc ] || missing+=(kannel-extras)
# Redis carries events between nodes; the several-nodes tests start their own redis-server.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# rtpengine (userspace forwarding) is the baseline of the media workers benchmark.
[ -x /usr/bin/rtpengine ] || missing+=(rtpengine-daemon)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  "$(dirname "$0")/apt-install.sh" "${missing[@]}"
fi
