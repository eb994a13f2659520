"""Handing a message to the mail server named by ``[notify] smtp_url``, with the standard library.

``smtp://host:port`` speaks plain SMTP and upgrades with STARTTLS whenever the server offers it;
``smtps://host:port`` speaks TLS from the first byte. A user in the URL logs in, with the
password from the environment variable ``[notify]`` names (never from the file), and only over
TLS: a server that offers no STARTTLS is not sent the password. A refusal of
the recipient for good (a 5xx answer to RCPT) is a permanent failure; everything else (the
server away, a 4xx, a login refused) is retried later by the outbox.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from ..errors import StatuspageError
from ..model import NotifySettings
from .channel import DeliveryFailed

TIMEOUT = 30.0  # seconds a connection may wait on the server; the outbox retries later
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None


def smtp_server(settings: NotifySettings) -> SmtpServer:
    """Where and how to send, from ``smtp_url`` and the password's environment variable."""
    if not settings.smtp_url:
        raise StatuspageError("[notify] smtp_url is not set: e-mail cannot be sent")
    if not settings.email_from:
        raise StatuspageError("[notify] email_from is not set: e-mail cannot be sent")
    parts = urlsplit(settings.smtp_url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise StatuspageError("[notify] smtp_url must look like smtp://host:port or smtps://host:port")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:
        raise StatuspageError(f"[notify] smtp_url has a bad port: {exc}") from exc
    user = unquote(parts.username) if parts.username else None
    password = os.environ.get(settings.smtp_password_env) if user else None
    if user and not password:
        raise StatuspageError(f"${settings.smtp_password_env} is not set: the SMTP user {user!r} needs a password")
    return SmtpServer(parts.scheme, parts.hostname, port, user, password)


def send_message(server: SmtpServer, message: EmailMessage) -> None:
    """Send one message over a connection of its own; ``DeliveryFailed`` if it did not go."""
    with _failures(server):
        with _connect(server) as smtp:
            smtp.send_message(message)


class Sender:
    """Sends message after message over one connection, closed (with QUIT) once it has been idle a while.

    The outbox sends an event's mails one after another: one connection, one TLS handshake and
    one login for all of them, rather than one per subscriber (which mail providers also limit).
    A connection the server dropped is replaced once; after any other failure it is closed.
    """

    IDLE = 10.0  # seconds a connection is kept open after a message, for the next one

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self._smtp: smtplib.SMTP | None = None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def send(self, message: EmailMessage) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            try:
                with _failures(self.server):
                    self._send(message)
            except DeliveryFailed as failure:
                if not failure.permanent:  # a refused recipient leaves the connection usable
                    self._close()
                raise
            finally:
                if self._smtp is not None:
                    self._timer = threading.Timer(self.IDLE, self.close)
                    self._timer.daemon = True  # a program ending does not wait for it
                    self._timer.start()

    def _send(self, message: EmailMessage) -> None:
        if self._smtp is not None:
            try:
                self._smtp.send_message(message)
                return
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPSenderRefused) as exc:
                if isinstance(exc, smtplib.SMTPSenderRefused) and exc.smtp_code != 421:
                    raise
                self._close()  # it timed out on its side (421: closing): once more, over a new connection
        self._smtp = _connect(self.server)
        self._smtp.send_message(message)

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()


@contextmanager
def _failures(server: SmtpServer) -> Iterator[None]:
    """smtplib's exceptions as ``DeliveryFailed``: permanent when the recipient is refused for good."""
    try:
        yield
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        raise DeliveryFailed(
            f"the mail server refused the recipient ({', '.join(map(str, codes))})", permanent=permanent
        ) from exc
    except smtplib.SMTPResponseException as exc:
        # Refusing the greeting, the HELO or the login refuses every message, not this one.
        whole = isinstance(exc, (smtplib.SMTPConnectError, smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError))
        raise DeliveryFailed(
            f"the mail server answered {exc.smtp_code}: {_said(exc.smtp_error)}", whole_channel=whole
        ) from exc
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPNotSupportedError, OSError) as exc:  # away, silent, no TLS
        raise DeliveryFailed(f"cannot send through {server.host}:{server.port}: {exc}", whole_channel=True) from exc
    except smtplib.SMTPException as exc:
        raise DeliveryFailed(f"cannot send through {server.host}:{server.port}: {exc}") from exc


def _connect(server: SmtpServer) -> smtplib.SMTP:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if server.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
    try:
        smtp.ehlo()
        if server.scheme == "smtp" and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        elif server.scheme == "smtp" and server.user is not None:
            # A server that offers no STARTTLS, or someone on the way who struck it out: never the password in clear.
            raise smtplib.SMTPNotSupportedError(
                "the server offers no STARTTLS, and the password is not sent unencrypted"
                " (use smtps:// or a server with TLS)"
            )
        if server.user is not None and server.password is not None:
            smtp.login(server.user, server.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>]+>?")


def _said(answer: bytes | str) -> str:
    """The server's words for the log, without any address it quoted (failures are logged and stored)."""
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return _ADDRESS.sub("<address>", " ".join(text.split()))[:200]
