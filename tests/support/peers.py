"""Real SIP peers the tests talk to: baresip as a phone that answers by itself, sends a sine and records
what it hears. `make test` installs it (scripts/ensure-debian-packages.sh)."""

from __future__ import annotations

import asyncio
import random
import shutil
import socket
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import numpy as np
import pytest

SAMPLE_RATE = 8000

BARESIP_CONFIG = """\
poll_method epoll
sip_listen 127.0.0.1:{sip_port}
sip_transports udp
audio_player aubridge,x
audio_alert aubridge,x
audio_source ausine,{frequency}
ausrc_srate 48000
ausrc_channels 2
auplay_srate 48000
auplay_channels 2
rtp_ports {rtp_min}-{rtp_max}
snd_path {folder}
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aubridge.so
module sndfile.so
module_app account.so
"""
UNREGISTERED_PHONE = "<sip:phone@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tcp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
        try:
            tcp.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_sip_port() -> int:
    """A port free for UDP and TCP, with the next one free for TCP: baresip binds its SIP port on UDP
    and TCP and its TLS transport on the port after it, whatever its configured transports."""
    while True:
        port = free_udp_port()
        if port < 65535 and _tcp_free(port) and _tcp_free(port + 1):
            return port


def installed(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.fail(f"{binary} is missing: make test installs it (scripts/ensure-debian-packages.sh)")
    return path


class Baresip:
    """Auto-answers, sends a sine (ausine), records what it hears (sndfile), keeps what it printed.

    `account` is a baresip accounts line; the default is an unregistered phone."""

    def __init__(
        self, folder: Path, frequency: int, account: str = UNREGISTERED_PHONE, dial: str | None = None
    ) -> None:
        self.folder = folder
        self.frequency = frequency
        self.account = account
        self.dial = dial  # a SIP URI the phone calls as soon as it is up (a caller that hears)
        self.sip_port = free_sip_port()
        self.process: asyncio.subprocess.Process | None = None
        self.output: list[str] = []
        self._line = asyncio.Event()
        self._drain: asyncio.Task[None] | None = None

    @property
    def uri(self) -> str:
        return f"sip:phone@127.0.0.1:{self.sip_port}"

    async def start(self) -> None:
        rtp_min = random.randrange(45000, 49900, 20)
        (self.folder / "config").write_text(BARESIP_CONFIG.format(
            sip_port=self.sip_port, frequency=self.frequency, rtp_min=rtp_min, rtp_max=rtp_min + 19,
            folder=self.folder))  # fmt: skip
        dialling: list[str] = []
        if self.dial is not None:
            with (self.folder / "config").open("a") as config:
                config.write("module_app menu.so\n")  # runs the -e command
            dialling = ["-e", f"/dial {self.dial}"]
        (self.folder / "accounts").write_text(self.account + "\n")
        self.process = await asyncio.create_subprocess_exec(
            installed("baresip"), "-f", str(self.folder), *dialling, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        self._drain = asyncio.create_task(self._read_output())
        await self.wait_output(lambda line: "baresip is ready" in line, timeout=30)  # slow on a busy box

    async def _read_output(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.output.append(line.decode(errors="replace"))
            self._line.set()

    async def wait_output(self, predicate: Callable[[str], bool], timeout: float = 10.0) -> str:
        try:
            return await asyncio.wait_for(self._wait_output(predicate), timeout)
        except TimeoutError:
            printed = "".join(self.output[-30:])
            raise AssertionError(f"baresip did not print it in {timeout} s:\n{printed}") from None

    async def _wait_output(self, predicate: Callable[[str], bool]) -> str:
        seen = 0
        while True:
            for line in self.output[seen:]:
                if predicate(line):
                    return line
            seen = len(self.output)
            if self._drain is not None and self._drain.done():
                raise RuntimeError("baresip exited:\n" + "".join(self.output[-30:]))
            self._line.clear()
            await self._line.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), 10)
        if self._drain is not None:
            await self._drain

    def heard_so_far(self) -> int:
        """How many samples the current call's recording holds now (read while it grows)."""
        files = sorted(self.folder.glob("dump-*-dec.wav"))
        if not files:
            return 0
        data = files[-1].read_bytes()
        channels = int.from_bytes(data[22:24], "little") or 1
        return max(0, (len(data) - 44) // (2 * channels))

    def heard(self, call: int = -1) -> np.ndarray:
        """What the phone decoded from us, as 8 kHz samples (sndfile's *-dec.wav; the last call's, or
        the `call`-th)."""
        files = sorted(self.folder.glob("dump-*-dec.wav"))
        assert files, "baresip recorded nothing"
        with wave.open(str(files[call]), "rb") as reader:
            data = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
            channels, rate = reader.getnchannels(), reader.getframerate()
        assert rate == SAMPLE_RATE
        return data.reshape(-1, channels)[:, 0]


async def baresip_phones(tmp_path: Path) -> AsyncIterator[Callable[[int], Awaitable[Baresip]]]:
    """The body of a `baresip` fixture: make(frequency) starts a phone; all stop at the end."""
    phones: list[Baresip] = []

    async def make(frequency: int) -> Baresip:
        folder = tmp_path / f"baresip{len(phones)}"
        folder.mkdir()
        phone = Baresip(folder, frequency)
        phones.append(phone)
        await phone.start()
        return phone

    yield make
    for phone in phones:
        await phone.stop()
