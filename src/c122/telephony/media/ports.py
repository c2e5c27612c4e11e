"""RTP/RTCP port pairs from a configured range (RTP on an even port, RTCP on the next one)."""

from __future__ import annotations

import logging
import random
import resource
import socket

log = logging.getLogger(__name__)
SOCKETS_PER_PAIR = 3  # RTP bound, RTP connected to the latched address, RTCP


class PortRangeExhausted(RuntimeError):
    pass


class PortAllocator:
    def __init__(
        self, host: str, port_min: int, port_max: int, any_ports: tuple[int, int] | None = None
    ) -> None:
        first = port_min + (port_min % 2)
        if first + 1 > port_max:
            raise ValueError(f"RTP port range {port_min}-{port_max} holds no even/odd pair")
        self.host = host
        self._pairs = list(range(first, port_max, 2))
        # `take` binds an exact pair anywhere in this wider range (a media worker's range is a slice
        # of the configured one, and a leg moved from another worker keeps its port).
        low, high = any_ports or (port_min, port_max)
        self._takeable = range(low + (low % 2), high, 2)
        self._cursor = random.randrange(len(self._pairs))  # spread reuse across restarts
        self._in_use: set[int] = set()

    @property
    def capacity(self) -> int:
        return len(self._pairs)

    @property
    def in_use(self) -> int:
        return len(self._in_use)

    def allocate(self) -> tuple[socket.socket, socket.socket]:
        """Binds the next free pair; ports taken by other programs are skipped."""
        for _ in range(len(self._pairs)):
            port = self._pairs[self._cursor]
            self._cursor = (self._cursor + 1) % len(self._pairs)
            if port in self._in_use:
                continue
            pair = self._bind_pair(port)
            if pair is not None:
                self._in_use.add(port)
                return pair
        raise PortRangeExhausted(f"no free RTP port pair in {self._pairs[0]}-{self._pairs[-1] + 1}")

    def take(self, port: int) -> tuple[socket.socket, socket.socket]:
        """Binds exactly the pair of `port` (a leg kept across a restart keeps its address)."""
        if port not in self._takeable:
            raise ValueError(f"RTP port {port} is not an even port of the range")
        if port in self._in_use:
            raise ValueError(f"RTP port {port} is already in use")
        pair = self._bind_pair(port)
        if pair is None:
            raise ValueError(f"RTP port {port} or {port + 1} is taken by another program")
        self._in_use.add(port)
        return pair

    def ensure_descriptors(self, spare: int = 256) -> None:
        """Raises the soft limit of open files so that the whole range can be in use (the usual
        default, 1,024, is about 300 legs), as far as the hard limit allows."""
        needed = self.capacity * SOCKETS_PER_PAIR + spare
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < needed:
            raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            if raised < needed:
                legs = raised // SOCKETS_PER_PAIR
                log.warning("open files limited to %d: about %d media legs fit", raised, legs)

    def release(self, port: int) -> None:
        self._in_use.discard(port)

    def _bind_pair(self, port: int) -> tuple[socket.socket, socket.socket] | None:
        sockets: list[socket.socket] = []
        try:
            for offset in (0, 1):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(sock)
                sock.setblocking(False)
                sock.bind((self.host, port + offset))
        except OSError:
            for sock in sockets:
                sock.close()
            return None
        return sockets[0], sockets[1]
