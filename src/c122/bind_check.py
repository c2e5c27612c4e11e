"""Before serving: every port the service listens on must be free, or start-up stops with one line that
names the setting to change (another c122, a PBX on 5060, an old process still running)."""

from __future__ import annotations

import errno
import socket

from c122.config import Settings


class PortTaken(Exception):
    """A port the service needs is in use; the message names its setting."""


def check_ports_free(settings: Settings, *, telephony: bool) -> None:
    wanted: list[tuple[str, str, int, tuple[socket.SocketKind, ...]]] = [
        ("C122_HTTP_PORT", settings.http_host, settings.http_port, (socket.SOCK_STREAM,))
    ]
    if telephony:
        both = (socket.SOCK_DGRAM, socket.SOCK_STREAM)
        wanted.append(("C122_SIP_PORT", settings.sip_host, settings.sip_port, both))
        wanted.append(("C122_SIP_WS_PORT", settings.sip_host, settings.sip_ws_port, (socket.SOCK_STREAM,)))
        if settings.sip_tls_cert and settings.sip_tls_key:
            wanted.append(
                ("C122_SIP_TLS_PORT", settings.sip_host, settings.sip_tls_port, (socket.SOCK_STREAM,))
            )
    for name, host, port, kinds in wanted:
        if port == 0:  # any free port
            continue
        for kind in kinds:
            if _in_use(host, port, kind):
                protocol = "UDP" if kind == socket.SOCK_DGRAM else "TCP"
                raise PortTaken(
                    f"{name}: {protocol} port {port} on {host} is already in use — stop what holds it "
                    f"or set {name} to a free port"
                )


def _in_use(host: str, port: int, kind: socket.SocketKind) -> bool:
    try:
        family, *_rest, address = socket.getaddrinfo(host or None, port, type=kind)[0]
    except socket.gaierror:
        return False  # an unresolvable host is the server's own error to report
    with socket.socket(family, kind) as probe:
        if kind == socket.SOCK_STREAM:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            probe.bind(address)
        except OSError as error:
            return error.errno == errno.EADDRINUSE
    return False
