"""The site as typed, immutable objects, each remembering the file and line it came from."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self
from zoneinfo import ZoneInfo

from markupsafe import Markup

from .errors import Problem, StatuspageError


class Severity(Enum):
    """Incident severity as authored; ``none`` is an informational notice."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class IncidentStatus(Enum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"


class MaintenanceStatus(Enum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Impact(Enum):
    """Expected impact of a maintenance window."""

    NONE = "none"
    DEGRADED = "degraded"
    PARTIAL = "partial"
    FULL = "full"


class TicketStatus(Enum):
    REPORTED = "reported"
    EVALUATING = "evaluating"
    FIXING = "fixing"
    RESOLVED = "resolved"


class TicketSeverity(Enum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


class Channel(Enum):
    CHAT = "chat"
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"


@dataclass(frozen=True)
class Origin:
    """Where an object was written: a file and line, or a ticket row of the database."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Localized:
    """A name from statuspage.toml in the site's other languages, where the config gives it in them.

    The first language's text is the owner's own field (``Config.title``, ``Component.name``...):
    code and themes that know of one language keep reading it, and any language the config
    leaves out falls back to it.
    """

    texts: tuple[tuple[str, str], ...] = ()  # (language, text)

    def get(self, language: str, fallback: str) -> str:
        for code, text in self.texts:
            if code == language:
                return text
        return fallback


@dataclass(frozen=True)
class Component:
    id: str
    name: str  # name, group and description in the site's first language
    group: str | None
    description: str | None
    origin: Origin
    other_names: Localized = Localized()
    other_groups: Localized = Localized()
    other_descriptions: Localized = Localized()

    def name_in(self, language: str) -> str:
        return self.other_names.get(language, self.name)

    def group_in(self, language: str) -> str | None:
        """The group heading in ``language``; None when the component has no group."""
        return None if self.group is None else self.other_groups.get(language, self.group)

    def description_in(self, language: str) -> str | None:
        return None if self.description is None else self.other_descriptions.get(language, self.description)


@dataclass(frozen=True)
class Support:
    chat_url: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    hours: str | None = None


@dataclass(frozen=True)
class Sla:
    fix_hours_min: int = 24
    fix_hours_max: int = 72


@dataclass(frozen=True)
class WebhookTarget:
    """One ``[[notify.webhooks]]`` endpoint; its signing secret is read from the environment variable named here."""

    url: str | None  # None: read from ``url_env`` when sending (Slack, Discord and Teams URLs hold a secret)
    format: str = "statuspage"  # statuspage | slack | discord | teams
    secret_env: str | None = None  # Standard Webhooks secret (statuspage format)
    components: tuple[str, ...] = ()  # only events that affect one of these; () = all
    origin: Origin | None = None
    url_env: str | None = None  # the environment variable holding the URL, instead of ``url``


@dataclass(frozen=True)
class NotifySettings:
    """``[notify]``: where the outbox and subscribers live and how messages leave (SPEC §12)."""

    state: Path | None = None  # the outbox's SQLite file (outside git); None: notifications are off
    email_from: str | None = None
    smtp_url: str | None = None  # smtp://host:port or smtps://; user in the URL, password from the environment
    smtp_password_env: str = "STATUSPAGE_SMTP_PASSWORD"
    signup_url: str | None = None  # where the self-service subscribe endpoint is served, if anywhere
    webhooks: tuple[WebhookTarget, ...] = ()


@dataclass(frozen=True)
class PublishTarget:
    """One ``[[publish]]`` place the output is uploaded to: a bucket (and prefix) of S3-compatible storage.

    Credentials are never here: boto3 reads them from the environment (or the named profile, or
    the environment variables named here).
    """

    name: str
    bucket: str
    prefix: str  # "" or ending in "/"
    endpoint_url: str | None = None  # None: AWS S3
    region: str | None = None
    profile: str | None = None  # a profile of ~/.aws/config and ~/.aws/credentials
    access_key_id_env: str | None = None  # names of environment variables holding this target's keys
    secret_access_key_env: str | None = None
    max_deletions: int = 100  # a publish that would delete more objects is refused
    cors: bool = True  # add a CORS rule to the bucket so other sites' scripts can read the API and feeds
    origin: Origin | None = None

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@dataclass(frozen=True)
class Wording:
    """``[wording]``: the site's own words for sentences of ours (statuspage/wording.py), checked."""

    texts: tuple[tuple[str, str, str], ...] = ()  # (sentence key, language or "" for every language, text)

    def get(self, key: str, language: str) -> str | None:
        """The site's text of a sentence in ``language``: written for it, else for every language, else None."""
        found = None
        for sentence, written_for, text in self.texts:
            if sentence == key and written_for == language:
                return text
            if sentence == key and not written_for:
                found = text
        return found


@dataclass(frozen=True)
class Config:
    """statuspage.toml, checked and typed."""

    title: str  # in the site's first language; ``title_in`` gives it in any language built
    base_url: str
    language: str  # the first of ``languages``: published at the root
    timezone: ZoneInfo
    components: tuple[Component, ...]
    support: Support
    sla: Sla
    tickets_db: Path | None
    path: str
    tickets_snapshot: Path | None = None  # read where tickets_db is missing (sources/tickets.tickets_source)
    websub_hub: str | None = None  # [notify] websub_hub: named in every feed
    publish: tuple[PublishTarget, ...] = ()  # where ``statuspage publish`` uploads the output
    notify: NotifySettings = NotifySettings()  # [notify]: outbox, e-mail and webhooks (SPEC §12)
    languages: tuple[str, ...] = ()  # every language built, ``language`` first; () = ``language`` alone
    other_titles: Localized = Localized()

    @property
    def built_languages(self) -> tuple[str, ...]:
        """The languages the site is built in, the one published at the root first."""
        return self.languages or (self.language,)

    def title_in(self, language: str) -> str:
        return self.other_titles.get(language, self.title)

    recent_days: int = 7  # [site] recent_days: the days of the recent past on the front page
    wording: Wording = Wording()  # [wording]: the site's own words for our sentences


@dataclass(frozen=True)
class Provenance:
    """A content file's git history: when each commit that touched it landed, oldest first.

    ``uncommitted`` says the work tree differs from the last commit, so that commit is not the
    text being shown and cannot stand for "last edited".
    """

    commits: tuple[datetime, ...]
    uncommitted: bool = False


@dataclass(frozen=True)
class Update:
    """One ``## <time> <status>`` entry of an incident's or a maintenance's timeline."""

    time: datetime
    status: str
    body: Markup
    origin: Origin


@dataclass(frozen=True)
class Translation:
    """A ``<slug>.<lang>.md`` file: the same item's text in another language."""

    language: str
    title: str
    body: Markup
    updates: tuple[Update, ...]
    origin: Origin


@dataclass(frozen=True)
class Text:
    """An item's words in one language: what pages and feeds of that language show."""

    title: str
    body: Markup
    updates: tuple[Update, ...]  # newest first


class Translatable:
    """Items written in the site language, optionally translated beside them (``<slug>.<lang>.md``).

    An item may be *packed*: read from the parse cache with its words (``PACKED``) left as one
    pickle, unpickled on first use.  A rebuild of a big site derives its state, digests it and
    decides what to render from the other fields alone, and shows the words of a few items only;
    unpickling every item's words took a good part of the rebuild (see sources/cache.py).
    """

    title: str
    body: Markup
    updates: tuple[Update, ...]
    translations: dict[str, Translation]

    PACKED: ClassVar[tuple[str, ...]] = ("title", "body", "updates", "translations")

    @cached_property
    def timeline(self) -> tuple[tuple[datetime, str], ...]:
        """Each update's time and status, newest first: all the state is derived from, so a packed item keeps it."""
        return tuple((update.time, update.status) for update in self.updates)

    if not TYPE_CHECKING:  # so that the type checker still knows every attribute

        def __getattr__(self, name: str) -> Any:
            """A packed field, unpacked on first use (called only for attributes the object lacks)."""
            if name not in self.PACKED:
                raise AttributeError(name)
            fields = self.__dict__
            packed = fields.get("_packed")
            if packed is not None:
                try:
                    words = pickle.loads(packed)  # noqa: S301 - packed by our own cache
                except Exception as exc:
                    origin = fields.get("origin")
                    where = origin.path if origin is not None else "an item"
                    raise StatuspageError(
                        f"{where}: its text in the parse cache cannot be read ({exc}); "
                        "delete the cache folder beside the output (.<out>-cache/) and build again"
                    ) from None
                for field_name, value in words.items():  # another thread may have unpacked it meanwhile
                    fields.setdefault(field_name, value)
                fields.pop("_packed", None)
            try:
                return fields[name]
            except KeyError:
                raise AttributeError(name) from None

    def __setstate__(self, state: dict[str, Any]) -> None:
        """What pickle does anyway, said outright: else unpickling asks ``__getattr__`` for this first."""
        self.__dict__.update(state)

    def packed_state(self) -> dict[str, Any]:
        """The item's fields for pickling, with the ``PACKED`` ones as one pickle (already so when never unpacked)."""
        state = dict(self.__dict__)
        if "_packed" not in state:
            words = {name: state.pop(name) for name in self.PACKED}
            state["timeline"] = self.timeline
            state["_packed"] = pickle.dumps(words, protocol=pickle.HIGHEST_PROTOCOL)
        return state

    def with_provenance(self, provenance: Provenance | None) -> Self:
        """``replace(item, provenance=...)``, leaving packed fields packed."""
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.__dict__["provenance"] = provenance
        return copy

    def with_tickets(self, tickets: tuple[int, ...]) -> Self:
        """The item linking only ``tickets`` (the published ones), leaving packed fields packed.

        Its ``source_key`` says so too, as equal keys must make equal items (see build/digest.py).
        """
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.__dict__["tickets"] = tickets
        if copy.__dict__.get("source_key"):
            copy.__dict__["source_key"] += ":tickets=" + ",".join(str(ticket_id) for ticket_id in tickets)
        return copy

    def text(self, language: str) -> Text:
        """The translation where there is one, falling back to the original piece by piece.

        An update keeps its original text unless the translation has an update with the same
        time and status, so a translation that lags behind never hides an update.
        """
        translation = self.translations.get(language)
        if translation is None:
            return Text(self.title, self.body, self.updates)
        translated = {(update.time, update.status): update for update in translation.updates}
        updates = tuple(translated.get((update.time, update.status), update) for update in self.updates)
        return Text(translation.title, translation.body or self.body, updates)


@dataclass(frozen=True)
class Incident(Translatable):
    slug: str
    title: str
    start: datetime
    resolved: datetime | None
    severity: Severity
    components: tuple[str, ...]
    tickets: tuple[int, ...]
    pin: bool
    pin_until: datetime | None
    body: Markup
    updates: tuple[Update, ...]  # newest first
    origin: Origin
    translations: dict[str, Translation] = field(default_factory=dict, compare=False)
    provenance: Provenance | None = field(default=None, compare=False)  # None outside git
    # What the item was read from, as a digest (file bytes and zone): equal keys, equal items.  It lets
    # the renderer tell whether a page must be rendered again without looking at the item's text.
    source_key: str = field(default="", compare=False, repr=False)
    tickets_line: int = field(default=1, compare=False, repr=False)  # of ``tickets:``, where a dropped link is named
    notes: tuple[Problem, ...] = field(default=(), compare=False, repr=False)  # warnings from reading it (check, build)


@dataclass(frozen=True)
class Maintenance(Translatable):
    slug: str
    title: str
    start: datetime
    end: datetime
    components: tuple[str, ...]
    impact: Impact
    tickets: tuple[int, ...]
    cancelled: bool
    rrule: str | None
    body: Markup
    updates: tuple[Update, ...]  # newest first
    origin: Origin
    translations: dict[str, Translation] = field(default_factory=dict, compare=False)
    provenance: Provenance | None = field(default=None, compare=False)  # None outside git
    # What the item was read from, as a digest (file bytes and zone): equal keys, equal items.  It lets
    # the renderer tell whether a page must be rendered again without looking at the item's text.
    source_key: str = field(default="", compare=False, repr=False)
    tickets_line: int = field(default=1, compare=False, repr=False)  # of ``tickets:``, where a dropped link is named
    notes: tuple[Problem, ...] = field(default=(), compare=False, repr=False)  # warnings from reading it (check, build)

    PACKED: ClassVar[tuple[str, ...]] = ()  # not worth it: a thousand windows, derived from their updates

    @property
    def duration(self):  # noqa: ANN201 - timedelta
        return self.end - self.start


@dataclass(frozen=True)
class Ticket:
    """A public known-issue ticket; private columns are never read into this object."""

    id: int
    title: str
    description: Markup
    severity: TicketSeverity
    channel: Channel
    status: TicketStatus
    components: tuple[str, ...]
    reported_at: datetime
    evaluated_at: datetime | None
    resolved_at: datetime | None
    maintenance: str | None
    origin: Origin
    source_key: str = field(default="", compare=False, repr=False)  # digest of the row's public values and the zone


@dataclass(frozen=True)
class PageText:
    """A site page's words in one language."""

    title: str
    nav: str | None  # its label in the navigation; None: the title
    description: str | None
    body: Markup
    after: Markup = Markup()  # the support page's text below the channels (after ``<!-- channels -->``)


@dataclass(frozen=True)
class SitePage:
    """``content/pages/<name>.md``: the site's own prose, published at ``<name>/`` in every language.

    ``support`` is the support page; without a file of the site's, ours (neutral, shipped with
    statuspage) stands in for it, and ``bundled`` says so.
    """

    name: str
    original: PageText
    in_nav: bool  # ``nav: false`` keeps a page out of the navigation (it is still published)
    order: int | None  # its place among the site's pages in the navigation; None: after those that have one
    origin: Origin
    translations: tuple[tuple[str, PageText], ...] = ()  # (language, text), by language
    bundled: bool = False

    def text(self, language: str) -> PageText:
        """The translation where there is one; what it leaves out is the original's."""
        for written_in, translated in self.translations:
            if written_in == language:
                return translated
        return self.original

    def written_in(self, language: str, site_language: str) -> str:
        """The language of ``text(language)``: a translation's, else the original's (ours is written in English)."""
        if any(written_in == language for written_in, _ in self.translations):
            return language
        return "en" if self.bundled else site_language

    @property
    def sort_key(self) -> tuple[bool, int, str]:
        return (self.order is None, self.order or 0, self.name)


@dataclass(frozen=True)
class Site:
    """Everything read from a site directory, validated and cross-checked."""

    root: Path
    config: Config
    incidents: tuple[Incident, ...]  # newest first
    maintenance: tuple[Maintenance, ...]  # by start, newest first
    tickets: tuple[Ticket, ...]  # public tickets, by id
    pages: tuple[SitePage, ...] = ()  # content/pages, by name; the support page always among them
    # Untrusted rows never stop a build (SPEC §6): what was left out of it, and why.
    left_out: tuple[Problem, ...] = ()  # public ticket rows that failed their checks (``check`` fails on them)
    dropped_links: tuple[Problem, ...] = ()  # links from content to tickets that are not published
    content_notes: tuple[Problem, ...] = ()  # content that is valid but almost surely not meant (empty updates...)

    def page(self, name: str) -> SitePage | None:
        """The site page published at ``<name>/``, if there is one."""
        return next((page for page in self.pages if page.name == name), None)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """What ``build`` and ``watch`` report and publish anyway: rows left out, links dropped, then content notes."""
        left_out = sorted(set(self.left_out))
        rows = (Problem(row.path, row.line, f"{row.message}; the ticket is left out") for row in left_out)
        return (*rows, *sorted(set(self.dropped_links)), *sorted(set(self.content_notes)))
