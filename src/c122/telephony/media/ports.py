"""RTP/RTCP port pairs from a configured range (RTP on an even port, RTCP on the next one)."""

from __future__ import annotations

import random
import socket


class PortRangeExhausted(RuntimeError):
    pass


class PortAllocator:
    def __init__(self, host: str, port_min: int, port_max: int) -> None:
        first = port_min + (port_min % 2)
        if first + 1 > port_max:
            raise ValueError(f"RTP port range {port_min}-{port_max} holds no even/odd pair")
        self.host = host
        self._pairs = list(range(first, port_max, 2))
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
