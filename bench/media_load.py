"""RTP load generator for the media benchmarks: batched sendmmsg/recvmmsg through ctypes.

A Python loop with one sendto/recv per packet saturates its own core long before the engine
under test does; batching ~hundreds of packets per system call and stamping them with numpy
keeps the generator's cost per packet well below the engine's.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import select
import socket
import struct
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

PACKET = 12 + 160  # RTP header + one 20 ms G.711 frame
STAMP_OFFSET = 12 + 4  # after the RTP header and the 4-byte leg number
MSG_DONTWAIT = 0x40
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


class _Iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class _Msghdr(ctypes.Structure):
    _fields_ = [
        ("msg_name", ctypes.c_void_p),
        ("msg_namelen", ctypes.c_uint32),
        ("msg_iov", ctypes.POINTER(_Iovec)),
        ("msg_iovlen", ctypes.c_size_t),
        ("msg_control", ctypes.c_void_p),
        ("msg_controllen", ctypes.c_size_t),
        ("msg_flags", ctypes.c_int),
    ]


class _Mmsghdr(ctypes.Structure):
    _fields_ = [("msg_hdr", _Msghdr), ("msg_len", ctypes.c_uint)]


_libc.sendmmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int]
_libc.recvmmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_void_p]


def _sockaddr(host: str, port: int) -> bytes:
    return struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) + socket.inet_aton(host) + bytes(8)


class BatchSender:
    """Sends row i of `packets` to `addresses[i]`; rows are stamped in place before each batch."""

    def __init__(self, sock: socket.socket, addresses: list[tuple[str, int]], first_leg: int) -> None:
        self.sock = sock
        count = len(addresses)
        self.packets = np.zeros((count, PACKET), dtype=np.uint8)
        self.packets[:, 0] = 0x80
        self.packets[:, 12 + 16 :] = 0xFF  # µ-law silence after the stamp
        legs = np.arange(first_leg, first_leg + count, dtype=">u4")
        self.packets[:, 8:12] = legs.view(np.uint8).reshape(count, 4)  # SSRC
        self.packets[:, 12:16] = legs.view(np.uint8).reshape(count, 4)  # leg number in the payload
        self._names = ctypes.create_string_buffer(b"".join(_sockaddr(*a) for a in addresses), 16 * count)
        self._iov = (_Iovec * count)()
        self._msgs = (_Mmsghdr * count)()
        base = self.packets.ctypes.data
        names = ctypes.addressof(self._names)
        for i in range(count):
            self._iov[i].iov_base = base + i * PACKET
            self._iov[i].iov_len = PACKET
            header = self._msgs[i].msg_hdr
            header.msg_name = names + 16 * i
            header.msg_namelen = 16
            header.msg_iov = ctypes.pointer(self._iov[i])
            header.msg_iovlen = 1
        self._sequence = np.zeros(count, dtype=np.uint16)

    def send(self, start: int, stop: int, tick: int) -> tuple[int, int]:
        """Stamps and sends rows start..stop; returns (packets sent, send time in ns)."""
        if stop <= start:
            return 0, time.monotonic_ns()
        rows = self.packets[start:stop]
        self._sequence[start:stop] += 1
        rows[:, 2:4] = self._sequence[start:stop].astype(">u2").view(np.uint8).reshape(-1, 2)
        rows[:, 4:8] = np.full(stop - start, tick * 160, dtype=">u4").view(np.uint8).reshape(-1, 4)
        now = time.monotonic_ns()
        rows[:, STAMP_OFFSET : STAMP_OFFSET + 8] = (
            np.full(stop - start, now, dtype=">u8").view(np.uint8).reshape(-1, 8)
        )
        sent = 0
        while start + sent < stop:
            result = _libc.sendmmsg(
                self.sock.fileno(), ctypes.addressof(self._msgs[start + sent]), stop - start - sent, 0
            )
            if result <= 0:
                break  # our socket buffer is full: what was not sent counts as loss
            sent += result
        return sent, now


@dataclass
class Receiver:
    """Drains sockets with recvmmsg and keeps (latency, send time) of every packet."""

    sockets: list[socket.socket]
    batch: int = 1024
    latencies_ns: list[npt.NDArray[np.int64]] = field(default_factory=list)
    sent_at_ns: list[npt.NDArray[np.int64]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._buffer = np.zeros((self.batch, 2048), dtype=np.uint8)
        self._iov = (_Iovec * self.batch)()
        self._msgs = (_Mmsghdr * self.batch)()
        base = self._buffer.ctypes.data
        for i in range(self.batch):
            self._iov[i].iov_base = base + i * 2048
            self._iov[i].iov_len = 2048
            self._msgs[i].msg_hdr.msg_iov = ctypes.pointer(self._iov[i])
            self._msgs[i].msg_hdr.msg_iovlen = 1

    def drain_until(self, deadline_ns: int) -> None:
        while True:
            now = time.monotonic_ns()
            if now >= deadline_ns:
                return
            readable, _, _ = select.select(self.sockets, [], [], (deadline_ns - now) / 1e9)
            for sock in readable:
                self._drain(sock)

    def _drain(self, sock: socket.socket) -> None:
        while True:
            count = _libc.recvmmsg(
                sock.fileno(), ctypes.addressof(self._msgs), self.batch, MSG_DONTWAIT, None
            )
            if count <= 0:
                return
            now = time.monotonic_ns()
            stamps = (
                self._buffer[:count, STAMP_OFFSET : STAMP_OFFSET + 8]
                .copy()
                .view(">u8")
                .ravel()
                .astype(np.int64)
            )
            self.sent_at_ns.append(stamps)
            self.latencies_ns.append(now - stamps)
            if count < self.batch:
                return

    def collected(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        if not self.sent_at_ns:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        return np.concatenate(self.sent_at_ns), np.concatenate(self.latencies_ns)
