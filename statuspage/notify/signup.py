"""The optional self-service sign-up endpoint: subscribe, confirm, one-click unsubscribe.

The static subscribe page posts its form here (``[notify] signup_url``); the confirmation mail
links to ``confirm``, and every mail's List-Unsubscribe header to ``unsubscribe`` (RFC 8058: a
mail program POSTs ``List-Unsubscribe=One-Click`` to it; a person opening the link gets a page
with a button, since link scanners open links too).

The form lives on a static page that cannot hold a secret per visitor, so cross-site requests
are refused by their Origin (or, without one, Referer) header: a POST must come from the status
site or from this endpoint, and one that names neither is refused. Requests are counted per
client address and per e-mail address (answering 429). The answer to a subscription is the same
whether the address was subscribed or not, and the log says only method, path and status: no
address, no token, no client address.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, redirect, render_template, request

from ..explain import _t
from ..i18n import language_prefix, site_languages
from ..model import Config
from .channel import DeliveryFailed
from .email import send_confirmation
from .ratelimit import RateLimit
from .subscribers import (
    Subscriber,
    SubscriberError,
    by_unsubscribe_token,
    check_components,
    check_language,
    confirm,
    connect,
    normalise_email,
    remove,
    subscribe,
)

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
log = logging.getLogger("statuspage.signup")
MAX_REQUEST_BYTES = 16 * 1024  # a subscription is an address and a few ids; anything bigger is refused (413)


@dataclass(frozen=True)
class Limits:
    """How many requests the endpoint takes before it answers 429."""

    per_client: int = 20  # subscriptions per client address per window
    per_address: int = 3  # confirmation mails per e-mail address per window
    links_per_client: int = 60  # confirm and unsubscribe requests per client address per window
    window: float = 3600.0  # seconds


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def create_signup_app(
    config: Config, state: Path, *, limits: Limits = Limits(), clock: Callable[[], datetime] = _utc_now
) -> Flask:
    """The endpoint for one site, keeping subscribers in the ``state`` SQLite file."""
    app = Flask(__name__, static_folder=None, template_folder=str(PACKAGE_TEMPLATES))
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    allowed_origins = {_origin(config.base_url)}
    if config.notify.signup_url:
        allowed_origins.add(_origin(config.notify.signup_url))
    languages = site_languages(config)
    per_client = RateLimit(limits.per_client, limits.window)
    per_address = RateLimit(limits.per_address, limits.window)
    links_per_client = RateLimit(limits.links_per_client, limits.window)

    mailer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="confirmation-mail")

    def confirm_by_mail(subscriber: Subscriber) -> None:
        try:
            send_confirmation(config, subscriber, clock())
        except DeliveryFailed as failure:  # the visitor may ask again; the log says why, not to whom
            log.warning("a confirmation mail was not sent: %s", failure)

    @contextmanager
    def database() -> Iterator[sqlite3.Connection]:
        db = connect(state)
        try:
            yield db
        finally:
            db.close()

    def chosen_language(given: str | None = None) -> str:
        if given in languages:
            assert given is not None
            return given
        return request.accept_languages.best_match(languages) or config.language

    def page(language: str, status: int, heading: str, *paragraphs: str, **extra: Any) -> Response:
        home = config.base_url + language_prefix(config, language)
        html = render_template(
            "signup.html",
            language=language,
            site=config.title_in(language),
            heading=heading,
            paragraphs=paragraphs,
            home=home,
            home_label=_t(language, "Back to the status page"),
            stylesheet=config.base_url + "static/style.css",
            **extra,
        )
        response = Response(html, status=status, mimetype="text/html")
        style = _origin(config.base_url)
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; style-src {style}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        )
        return response

    def too_many(language: str) -> Response:
        log.info("rate limit reached")
        response = page(
            language,
            429,
            _t(language, "Too many requests"),
            _t(language, "Please try again later."),
        )
        response.headers["Retry-After"] = str(int(limits.window))
        return response

    def client() -> str:
        return request.remote_addr or "unknown"

    def same_site() -> bool:
        """Whether the request says it comes from the status site or this endpoint (the CSRF check)."""
        origin = request.headers.get("Origin")
        if origin is None or origin == "null":
            referer = request.headers.get("Referer")
            if origin == "null" or not referer:
                return False
            origin = _origin(referer)
        return origin.lower() in allowed_origins

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Referrer-Policy"] = "no-referrer"  # the page's address may hold a token
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/")
    def home() -> Any:
        language = chosen_language(request.args.get("lang"))
        return redirect(config.base_url + language_prefix(config, language) + "subscribe/", code=303)

    @app.post("/subscribe")
    def subscribe_form() -> Response:
        language = chosen_language(request.form.get("language"))
        if not same_site():
            log.info("subscription refused: not sent from the status site")
            return page(
                language,
                403,
                _t(language, "Not sent from the status page"),
                _t(language, "Please subscribe with the form on the status page."),
            )
        if not per_client.allow(client()):
            return too_many(language)
        try:
            email = normalise_email(request.form.get("email", ""))
            language = check_language(config, request.form.get("language") or language)
            components = check_components(config, request.form.getlist("component"))
        except SubscriberError:
            return page(
                language,
                400,
                _t(language, "The subscription was not saved"),
                _t(language, "Please give an e-mail address we can send to, and choose from the listed components."),
            )
        if not per_address.allow(email):
            return too_many(language)
        with database() as db:
            subscriber, ask = subscribe(db, email, language, components, clock())
        if ask:  # sent after answering, so that the answer takes as long whether a mail goes or not
            mailer.submit(confirm_by_mail, subscriber)
        # The same answer for a new, a waiting and a confirmed address: nobody learns who is subscribed.
        return page(
            language,
            200,
            _t(language, "Check your mailbox"),
            _t(language, "If the address can receive our mail, a message with a confirmation link is on its way."),
            _t(language, "You will hear from us only after you confirm."),
        )

    # Links count towards the limit only when their token leads nowhere: guesses. Mail providers post
    # one-click unsubscribes (and scanners open links) for many subscribers from one address.
    @app.get("/confirm")
    def confirm_link() -> Response:
        language = chosen_language(request.args.get("lang"))
        if links_per_client.exceeded(client()):
            return too_many(language)
        token = request.args.get("token", "")
        with database() as db:
            subscriber = confirm(db, token, clock()) if token and "@" not in token else None
        if subscriber is None:
            links_per_client.allow(client())
            return page(
                language,
                404,
                _t(language, "This link is not valid"),
                _t(language, "It may have been mistyped, or the subscription was removed. Please subscribe again."),
            )
        language = subscriber.language
        return page(
            language,
            200,
            _t(language, "Subscription confirmed"),
            _t(language, "You will receive an e-mail when something changes. Each mail has a link to unsubscribe."),
        )

    @app.route("/unsubscribe", methods=["GET", "POST"])
    def unsubscribe() -> Response:
        language = chosen_language(request.args.get("lang"))
        if links_per_client.exceeded(client()):
            return too_many(language)
        token = request.args.get("token", "")
        with database() as db:
            subscriber = by_unsubscribe_token(db, token) if token else None
            if subscriber is not None:
                language = subscriber.language
            else:
                links_per_client.allow(client())
            if request.method == "POST":
                if request.form.get("List-Unsubscribe") != "One-Click":
                    return page(language, 400, _t(language, "Not unsubscribed"), _t(language, "Please use the button."))
                if subscriber is not None:
                    remove(db, unsubscribe_token=token)
                return page(
                    language,
                    200,
                    _t(language, "Unsubscribed"),
                    _t(language, "You will receive no more e-mail from this status page."),
                )
        if subscriber is None:
            return page(
                language,
                404,
                _t(language, "This link is not valid"),
                _t(language, "The address may already be unsubscribed."),
            )
        return page(
            language,
            200,
            _t(language, "Unsubscribe"),
            _t(language, "Stop the e-mail from this status page with the button below."),
            button=_t(language, "Unsubscribe"),
        )

    app.wsgi_app = AccessLog(app.wsgi_app)  # type: ignore[method-assign]
    return app


class AccessLog:
    """WSGI middleware writing one access line per request: method, path, status, time; never the query."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.monotonic()
        seen: list[str] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.append(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        result = self.app(environ, start)
        log.info(
            "%s %r %s %.0fms",
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO"),
            seen[0] if seen else "-",
            1000 * (time.monotonic() - started),
        )
        return result
