"""A local stand-in for the Telegram Bot API: the real one cannot be reached from here. It listens on a
free loopback port and answers the methods the product calls (getMe, sendMessage, sendPhoto, getFile,
the file download) with recorded response JSON shaped as the Bot API documents it
(tests/fixtures/telegram/), and keeps every call for the test to look at. Updates (also recorded JSON)
are posted by the test to the product's webhook, as Telegram would."""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.fuzz import free_port

FIXTURES = Path(__file__).parent.parent / "fixtures" / "telegram"


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


@dataclass
class ApiCall:
    method: str
    body: dict[str, Any]
    raw: bytes = b""
    files: dict[str, bytes] = field(default_factory=dict)
    """A multipart upload's files by field name (sendPhoto's `photo`), as the bytes arrived."""


@dataclass
class StoredFile:
    path: str
    content: bytes
    announced_size: int | None = None


@dataclass
class TelegramStandIn:
    token: str
    port: int = field(default_factory=free_port)
    calls: list[ApiCall] = field(default_factory=list)
    files: dict[str, StoredFile] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    """Methods answered with the recorded «chat not found» error."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [call.body for call in self.calls if call.method == method]

    def start(self) -> None:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                prefix = f"/file/bot{stand_in.token}/"
                found = next((f for f in stand_in.files.values() if prefix + f.path == self.path), None)
                if not self.path.startswith(prefix) or found is None:
                    self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(found.content)))
                self.end_headers()
                self.wfile.write(found.content)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                prefix = f"/bot{stand_in.token}/"
                if not self.path.startswith(prefix):
                    self._json(401, fixture("error_unauthorized"))
                    return
                method = self.path[len(prefix) :]
                body = _body(raw, self.headers.get("Content-Type", ""))
                content_type = self.headers.get("Content-Type", "")
                stand_in.calls.append(ApiCall(method, body, raw, _uploads(raw, content_type)))
                if method in stand_in.failing:
                    self._json(400, fixture("error_chat_not_found"))
                    return
                status, answer = stand_in.answer(method, body)
                self._json(status, answer)

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method in ("getMe", "sendMessage", "sendPhoto"):
            return 200, fixture(method)
        if method == "getFile":
            stored = self.files.get(str(body.get("file_id")))
            if stored is None:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
            if len(stored.content) > 20 * 1024 * 1024:
                return 400, fixture("error_file_too_big")
            answer = copy.deepcopy(fixture("getFile"))
            size = stored.announced_size if stored.announced_size is not None else len(stored.content)
            answer["result"].update(file_id=body["file_id"], file_size=size, file_path=stored.path)
            return 200, answer
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _parts(raw: bytes, content_type: str) -> list[tuple[bytes, bytes]]:
    """A multipart body's parts as (headers, value)."""
    boundary = content_type.split("boundary=")[-1].strip('"').encode()
    parts = []
    for part in raw.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break  # the closing delimiter
        head, _, value = part.partition(b"\r\n\r\n")
        parts.append((head, value[:-2] if value.endswith(b"\r\n") else value))
    return parts


def _uploads(raw: bytes, content_type: str) -> dict[str, bytes]:
    if not content_type.startswith("multipart/form-data"):
        return {}
    return {
        head.split(b'name="')[1].split(b'"')[0].decode(): value
        for head, value in _parts(raw, content_type)
        if b"filename=" in head
    }


def _body(raw: bytes, content_type: str) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        loaded: dict[str, Any] = json.loads(raw or b"{}")
        return loaded
    if content_type.startswith("multipart/form-data"):
        # Only the plain fields are read back (chat_id, caption); the photo's bytes stay in `raw`.
        fields: dict[str, Any] = {}
        boundary = content_type.split("boundary=")[-1].encode()
        for part in raw.split(b"--" + boundary):
            head, _, value = part.partition(b"\r\n\r\n")
            if b'name="' in head and b"filename=" not in head:
                name = head.split(b'name="')[1].split(b'"')[0].decode()
                fields[name] = value.rstrip(b"\r\n").decode()
        return fields
    return {}
