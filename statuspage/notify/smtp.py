"""Handing a message to the mail server named by ``[notify] smtp_url``, with the standard library.

``smtp://host:port`` speaks plain SMTP and upgrades with STARTTLS whenever the server offers it;
``smtps://host:port`` speaks TLS from the first byte. A user in the URL logs in, with the
password from the environment variable ``[notify]`` names (never from the file). A refusal of
the recipient for good (a 5xx answer to RCPT) is a permanent failure; everything else (the
server away, a 4xx, a login refused) is retried later by the outbox.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
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
    """Send one message; ``DeliveryFailed`` (permanent when the recipient is refused for good) if not."""
    try:
        with _connect(server) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        raise DeliveryFailed(
            f"the mail server refused the recipient ({', '.join(map(str, codes))})", permanent=permanent
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(f"the mail server answered {exc.smtp_code}: {_said(exc.smtp_error)}") from exc
    except (smtplib.SMTPException, OSError) as exc:
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
