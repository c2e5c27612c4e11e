"""`c122 serve` raises the open files limit: every app long poll and desktop stream is a descriptor."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from c122.cli import raise_open_files_limit


def test_the_soft_limit_is_raised_to_the_hard_one() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard <= 256:
        pytest.skip(f"the hard limit here ({hard}) leaves nothing to raise")
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        assert raise_open_files_limit() == hard
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_low_hard_limit_is_named_in_the_log() -> None:
    # In a child process: a lowered hard limit cannot be raised again.
    code = (
        "import logging, resource; logging.basicConfig();"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, 512));"
        "from c122.cli import raise_open_files_limit; print(raise_open_files_limit())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "512"
    assert "open files limited to 512 (ulimit -n)" in done.stderr
