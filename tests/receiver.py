"""A real HTTP receiver on 127.0.0.1 for notification tests: it verifies Standard Webhooks signatures
with the ``standardwebhooks`` library, answers as scripted, and remembers every request."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from standardwebhooks import Webhook

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None  # None: never answered (the sender was killed while the receiver held it)
    verified: bool | None = None  # signed paths only
    probed: Any = None  # what ``Receiver.probe`` found when the request arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Receiver:
    port: int = 0
    signed: set[str] = field(default_factory=lambda: {"/hook"})  # paths whose requests must carry a valid signature
    script: dict[str, list[int]] = field(
        default_factory=dict
    )  # path → statuses to answer first, then 200 (204 for /hub)
    hold: dict[str, threading.Event] = field(default_factory=dict)  # path → answer only once this is set
    probe: Callable[[], Any] | None = None  # looks at the world as each request arrives
    seen: list[Seen] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self, path: str) -> list[Seen]:
        with self.lock:
            return [seen for seen in self.seen if seen.path == path]

    def delivered(self, path: str) -> list[Seen]:
        """The requests the receiver acknowledged: what it would act on."""
        return [seen for seen in self.requests(path) if seen.acknowledged]


@contextmanager
def receiving(**options: Any) -> Iterator[Receiver]:
    receiver = Receiver(**options)
    verifier = Webhook(SECRET)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen = Seen(self.path, {key.lower(): value for key, value in self.headers.items()}, body)
            if receiver.probe is not None:
                seen.probed = receiver.probe()
            if self.path in receiver.signed:
                try:
                    verifier.verify(body, seen.headers)
                    seen.verified = True
                except Exception:
                    seen.verified = False
            with receiver.lock:
                receiver.seen.append(seen)
                scripted = receiver.script.get(self.path) or []
                status = scripted.pop(0) if scripted else (204 if self.path == "/hub" else 200)
                if seen.verified is False:
                    status = 400
            receiver.arrived.set()
            held = receiver.hold.get(self.path)
            if held is not None:
                held.wait(60)
                if self._sender_gone():
                    return
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                seen.status = status
            except OSError:
                pass  # the sender is gone

        def _sender_gone(self) -> bool:
            try:
                return self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
            except BlockingIOError:
                return False
            except OSError:
                return True

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        for event in receiver.hold.values():
            event.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
