"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it accepts, for the e-mail tests."""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage
    peer: tuple[str, int]  # the client's address and port: one per connection


@dataclass
class Sink:
    """The handler: accepts mail for any address but those in ``refuse`` (answered 550)."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(list(envelope.rcpt_tos), parsed, tuple(session.peer)))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [item.message for item in self.received if address in item.recipients]

    def wait_for(self, address: str, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages to ``address`` once there are ``count`` of them (or what there is at the timeout)."""
        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.to(address)


def start_sink() -> tuple[Controller, Sink]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    return controller, sink


def start_tls_sink(
    server_context: ssl.SSLContext, *, implicit: bool = False, password: str | None = None
) -> tuple[Controller, Sink]:
    """A sink speaking TLS: STARTTLS required (``smtp://``) or from the first byte (``smtps://``).

    With ``password``, the user ``status`` must log in with it (after TLS) before sending.
    """
    sink = Sink()
    options: dict[str, Any] = {}
    if password is not None:

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            good = isinstance(data, LoginPassword) and data.login == b"status" and data.password == password.encode()
            return AuthResult(success=good, handled=False)

        options.update(authenticator=authenticate, auth_required=True)
    if implicit:  # aiosmtpd offers AUTH only after STARTTLS unless told that this TLS will do
        controller = Controller(
            sink,
            hostname="127.0.0.1",
            port=free_port(),
            ssl_context=server_context,
            auth_require_tls=False,
            ready_timeout=10,
            **options,
        )
    else:
        controller = Controller(
            sink,
            hostname="127.0.0.1",
            port=free_port(),
            tls_context=server_context,
            require_starttls=True,
            ready_timeout=10,
            **options,
        )
    controller.start()
    return controller, sink
