"""The RTP port range: pairs bound exclusively, and enough open files for the whole range."""

from __future__ import annotations

import resource
import socket
from collections.abc import Iterator

import pytest

from c122.telephony.media.ports import SOCKETS_PER_PAIR, PortAllocator, PortRangeExhausted


@pytest.fixture
def lowered_open_files() -> Iterator[int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = 256
    resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard))
    yield hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_the_open_files_limit_is_raised_to_hold_the_whole_range(lowered_open_files: int) -> None:
    hard = lowered_open_files
    allocator = PortAllocator("127.0.0.1", 40000, 41999)  # 1,000 pairs
    allocator.ensure_descriptors(spare=100)
    wanted = 1000 * SOCKETS_PER_PAIR + 100
    expected = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (expected, hard)


def test_a_port_taken_by_another_program_is_skipped_and_an_exhausted_range_says_so() -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    taken = probe.getsockname()[1] & ~1  # the even port of its pair
    probe.close()
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        blocker.bind(("127.0.0.1", taken))
    except OSError:
        pytest.skip("the probed port was taken again at once")
    allocator = PortAllocator("127.0.0.1", taken, taken + 3)  # two pairs, the first one taken
    try:
        rtp, rtcp = allocator.allocate()
        assert (rtp.getsockname()[1], rtcp.getsockname()[1]) == (taken + 2, taken + 3)
        with pytest.raises(PortRangeExhausted, match=f"{taken}-{taken + 3}"):
            allocator.allocate()
        rtp.close()
        rtcp.close()
    finally:
        blocker.close()


def test_a_kept_port_is_bound_exactly_and_refused_when_it_cannot_be() -> None:
    """A leg taken over after a restart keeps its port; a port it cannot have is a clear refusal."""
    allocator = PortAllocator("127.0.0.1", 43000, 43099)
    rtp, rtcp = allocator.take(43010)
    try:
        assert (rtp.getsockname()[1], rtcp.getsockname()[1]) == (43010, 43011)
        assert allocator.in_use == 1
        with pytest.raises(ValueError, match="already in use"):
            allocator.take(43010)
        with pytest.raises(ValueError, match="not an even port of the range"):
            allocator.take(43011)
        with pytest.raises(ValueError, match="not an even port of the range"):
            allocator.take(44000)
        blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        blocker.bind(("127.0.0.1", 43021))  # another program holds the RTCP port of the pair
        try:
            with pytest.raises(ValueError, match="taken by another program"):
                allocator.take(43020)
        finally:
            blocker.close()
        assert allocator.in_use == 1
    finally:
        rtp.close()
        rtcp.close()
