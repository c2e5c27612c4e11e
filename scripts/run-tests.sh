#!/usr/bin/env bash
# The pytest suite in two phases, so that `make test` stays well inside CI's time on two cores:
#   1. every test not marked `serial`, spread over C122_TEST_WORKERS processes (pytest-xdist): most
#      tests wait on SIP timers, browsers and sockets rather than on the CPU;
#   2. the `serial` tests (floods, faults, loss counts: they measure the machine) alone, one by one.
# A test that fails in phase 1 is run once more alone: if it passes then, it failed only because it
# shared the machine, and it is named in the summary so that it can be made robust; if it fails
# again, the suite fails.
# Arguments (test paths, -k ...) are passed to both phases.
set -uo pipefail
cd "$(dirname "$0")/.."

python=.venv/bin/python
workers=${C122_TEST_WORKERS:-3}
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
pytest=("$python" -m pytest -q -o "cache_dir=$cache" "$@")

"${pytest[@]}" -n "$workers" --dist load -m "not serial"
parallel=$?
retried=0
if [ "$parallel" -eq 1 ]; then
    echo "== the tests that failed in parallel, once more alone =="
    "${pytest[@]}" -m "not serial" -rA --last-failed --last-failed-no-failures none
    retried=$?
elif [ "$parallel" -ne 0 ] && [ "$parallel" -ne 5 ]; then  # 5: no test selected
    exit "$parallel"
fi

echo "== the serial tests =="
"${pytest[@]}" -m serial
serial=$?
[ "$serial" -eq 5 ] && serial=0

if [ "$parallel" -eq 1 ] && [ "$retried" -eq 0 ]; then
    echo "NOTE: the tests above failed while sharing the machine and passed alone: make them robust."
fi
[ "$retried" -eq 0 ] && [ "$serial" -eq 0 ]
