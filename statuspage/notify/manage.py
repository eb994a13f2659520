"""What ``statuspage subscribers`` does: add, confirm, remove and list subscribers, and serve the sign-up endpoint."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..clock import wall_clock
from ..config import load_config
from ..errors import Collector, StatuspageError, ValidationError
from ..model import Config
from .channel import DeliveryFailed
from .email import send_confirmation
from .signup import Limits, create_signup_app
from .smtp import smtp_server
from .subscribers import (
    Subscriber,
    SubscriberError,
    all_subscribers,
    check_components,
    check_language,
    confirm,
    connect,
    normalise_email,
    remove,
    subscribe,
)


def site_config(site_dir: Path) -> tuple[Config, Path]:
    """The site's configuration and its ``[notify] state`` file, where the subscribers are kept."""
    problems = Collector()
    config = load_config(site_dir, problems)
    if config is None or problems.problems:
        raise ValidationError(problems.problems)
    if config.notify.state is None:
        raise StatuspageError(f"{config.path}: [notify] state is not set: it names the file subscribers are kept in")
    return config, config.notify.state


@contextmanager
def _database(path: Path) -> Iterator[sqlite3.Connection]:
    db = connect(path)
    try:
        yield db
    finally:
        db.close()


def add_subscriber(site_dir: Path, email: str, language: str | None, components: Sequence[str]) -> tuple[str, bool]:
    """Add an address and mail it the confirmation link; the address as stored and whether a mail went.

    A confirmed address is left as it is and gets no mail. The settings are checked before
    anything is stored, so a site that cannot send mail gets no half-made subscriber.
    """
    config, state = site_config(site_dir)
    address = normalise_email(email)
    chosen_language = check_language(config, language)
    chosen = check_components(config, components)
    smtp_server(config.notify)  # raises when mail cannot be sent at all
    now = wall_clock()
    with _database(state) as db:
        subscriber, ask = subscribe(db, address, chosen_language, chosen, now)
    if ask:
        try:
            send_confirmation(config, subscriber, now)
        except DeliveryFailed as failure:
            raise StatuspageError(
                f"the confirmation mail to {address} was not sent: {failure}; `subscribers add` again resends it"
            ) from failure
    return address, ask


def confirm_subscriber(site_dir: Path, email_or_token: str) -> Subscriber:
    _, state = site_config(site_dir)
    with _database(state) as db:
        subscriber = confirm(db, email_or_token, wall_clock())
    if subscriber is None:
        raise SubscriberError("no subscriber has that address or confirmation token")
    return subscriber


def remove_subscriber(site_dir: Path, email_or_token: str) -> None:
    """Delete by address, or by the unsubscribe token of a mail's ``unsubscribe TOKEN`` subject."""
    _, state = site_config(site_dir)
    key = email_or_token.strip()
    with _database(state) as db:
        removed = remove(db, email=key) if "@" in key else remove(db, unsubscribe_token=key)
    if not removed:
        raise SubscriberError("no subscriber has that address or unsubscribe token")


def list_subscribers(site_dir: Path) -> list[Subscriber]:
    _, state = site_config(site_dir)
    with _database(state) as db:
        return all_subscribers(db)


def subscriber_line(subscriber: Subscriber) -> str:
    """One subscriber for ``list``: address, language, components and state; never a token."""
    if subscriber.bounced_at is not None:
        state = f"bounced {subscriber.bounced_at}"
    elif subscriber.confirmed_at is not None:
        state = f"confirmed {subscriber.confirmed_at}"
    else:
        state = f"unconfirmed since {subscriber.created_at}"
    components = ",".join(subscriber.components) or "all"
    return f"{subscriber.email}\t{subscriber.language}\t{components}\t{state}"


def serve_signup(site_dir: Path, host: str, port: int, limits: Limits, proxy_hops: int, threads: int) -> None:
    """Serve the sign-up endpoint with waitress until interrupted.

    Behind a reverse proxy, ``proxy_hops`` proxies are trusted for the client's address (for the
    per-client limit) and the scheme; without, the address is the connection's.
    """
    import waitress  # type: ignore[import-untyped]
    from werkzeug.middleware.proxy_fix import ProxyFix

    config, state = site_config(site_dir)
    smtp_server(config.notify)  # refuse to start when confirmations could not be sent
    with _database(state):
        pass  # the file and its tables exist before the first request
    app = create_signup_app(config, state, limits=limits)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    application = ProxyFix(app.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops) if proxy_hops else app.wsgi_app
    waitress.serve(application, host=host, port=port, threads=threads, ident="statuspage")
