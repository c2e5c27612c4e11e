"""Real Kannel for the SMS tests: bearerbox and smsbox from the Debian package, configured in a
temporary folder on free loopback ports, with Kannel's own test SMSC `fakesmsc` (kannel-extras) on the
fake SMSC link. fakesmsc runs interactively: a line written to its input is an SMS from a phone (MO);
the SMS the gateway sends (MT) appear in its log as `Got message N: <from to [udh U] data|text …>`."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlencode

from tests.support.fuzz import free_port
from tests.support.polling import until

FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
USERNAME, PASSWORD = "c122", "kannel-test-password"
_GOT = re.compile(r"Got message \d+: <(?P<line>.*)>$")


@dataclass(frozen=True)
class SmsOnTheAir:
    """One part as the SMSC got it: the UDH (concatenation header) and the payload bytes."""

    sender: str
    receiver: str
    udh: bytes
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-16-be")


def _parsed(line: str) -> SmsOnTheAir:
    sender, receiver, kind, *rest = line.split(" ")
    if kind == "udh":
        udh, _, payload = rest[0], rest[1], rest[2]
        return SmsOnTheAir(
            sender, receiver, unquote_to_bytes(udh), unquote_to_bytes(payload.replace("+", " "))
        )
    if kind in {"data", "ucs-2"}:
        return SmsOnTheAir(sender, receiver, b"", unquote_to_bytes(rest[0].replace("+", " ")))
    return SmsOnTheAir(sender, receiver, b"", " ".join(rest).encode())


class Kannel:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.admin_port, self.box_port, self.smsc_port, self.sendsms_port = (free_port() for _ in range(4))
        self.sendsms_url = f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"
        self._config = folder / "kannel.conf"
        self._boxes: list[subprocess.Popen[bytes]] = []
        self._smsc: subprocess.Popen[bytes] | None = None
        self._smsc_log = folder / "fakesmsc.log"

    def _configuration(self, incoming_url: str) -> str:
        store = self.folder / "store"
        return f"""
group = core
admin-port = {self.admin_port}
admin-password = admin
admin-interface = 127.0.0.1
smsbox-port = {self.box_port}
box-allow-ip = 127.0.0.1
log-file = "{self.folder / "bearerbox.log"}"
log-level = 1
store-type = file
store-location = "{store}"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = {self.smsc_port}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.box_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{self.folder / "smsbox.log"}"
log-level = 1

group = sendsms-user
username = {USERNAME}
password = {PASSWORD}
concatenation = true
max-messages = 10

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{incoming_url}&from=%p&to=%P&coding=%c&charset=%C&text=%b"
"""

    def product_settings(self, base_url: str, secret: str) -> dict[str, object]:
        """The product's settings that send through this gateway and take its calls back at `base_url`."""
        return {
            "sms_gateway_url": self.sendsms_url,
            "sms_gateway_username": USERNAME,
            "sms_gateway_password": PASSWORD,
            "sms_callback_url": base_url,
            "sms_callback_secret": secret,
        }

    def start_for(self, base_url: str, secret: str) -> None:
        """Starts the gateway delivering incoming SMS to the product at `base_url`."""
        self.start(f"{base_url}/api/v1/sms/gateway/incoming?{urlencode({'secret': secret})}")

    def start(self, incoming_url: str) -> None:
        """bearerbox, then smsbox, then the SMSC; returns once smsbox's sendsms port listens.
        `incoming_url` (with its query begun) is where smsbox delivers SMS from phones."""
        self._config.write_text(self._configuration(incoming_url))
        self._boxes = [self._spawn("/usr/sbin/bearerbox")]
        _wait_listening(self.box_port)
        self._boxes.append(self._spawn("/usr/sbin/smsbox"))
        _wait_listening(self.sendsms_port)
        self._smsc = subprocess.Popen(
            [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(self.smsc_port), "-v", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._smsc_log.open("ab"),
        )

    def _spawn(self, program: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{Path(program).name}.out").open("ab")
        return subprocess.Popen([program, str(self._config)], stdout=log, stderr=log)

    def stop(self) -> None:
        for process in [p for p in (self._smsc, *reversed(self._boxes)) if p is not None]:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._smsc, self._boxes = None, []

    def phone_sends(self, sender: str, text: str) -> None:
        """An SMS from a phone through the SMSC (UCS-2 unless the text is plain ASCII)."""
        assert self._smsc is not None
        assert self._smsc.stdin is not None
        if text.isascii():
            line = f"{sender} 122 text {text}\n"
        else:
            payload = "".join(f"%{b:02X}" for b in text.encode("utf-16-be"))
            line = f"{sender} 122 ucs2 {payload}\n"  # url-encoded UTF-16BE, sent with the UCS-2 coding
        self._smsc.stdin.write(line.encode())
        self._smsc.stdin.flush()

    def sent(self) -> list[SmsOnTheAir]:
        """Every part the SMSC has received so far."""
        if not self._smsc_log.exists():
            return []
        found = []
        for row in self._smsc_log.read_text(errors="replace").splitlines():
            match = _GOT.search(row)
            if match:
                found.append(_parsed(match["line"]))
        return found

    async def wait_sent(self, count: int, timeout: float = 20.0) -> list[SmsOnTheAir]:
        async def parts() -> list[SmsOnTheAir]:
            return self.sent()

        return await until(parts, lambda found: len(found) >= count, timeout)


def _wait_listening(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"Kannel did not listen on port {port} within {timeout} s")
