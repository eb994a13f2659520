"""Reading statuspage.toml into a typed ``Config``; every key is known, so typos are errors."""

from __future__ import annotations

import re
import subprocess
import tomllib
from dataclasses import replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import Collector, Problem
from .markup import FORBIDDEN_CHARACTERS
from .model import (
    Component,
    Config,
    Localized,
    NotifySettings,
    Origin,
    PublishTarget,
    Sla,
    Support,
    WebhookTarget,
    Wording,
)
from .sources.sitefiles import MAX_CONFIG_BYTES, Refused, check_link, read_capped, site_root
from .wording import SENTENCES, placeholder_problems

CONFIG_NAME = "statuspage.toml"
DEFAULT_RECENT_DAYS = 7  # as Statuspage's and cState's front pages: the last week
MAX_RECENT_DAYS = 90  # the uptime bars' span; a longer list belongs to the history
LANGUAGES = ("sk", "en")
COMPONENT_ID = re.compile(r"^[a-z0-9-]+$")
TARGET_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")  # S3's rules for bucket names, which the others follow

# Every key the file may hold, with its meaning: the docs test checks each one is documented.
SETTINGS: dict[str, dict[str, str]] = {
    "site": {
        "title": "Name of the status page, shown in every page title and feed; text or a table language → text.",
        "base_url": "Absolute URL the site is published at; may have a sub-path.",
        "language": "UI language of the pages at the root: sk or en; optional when languages is given.",
        "languages": (
            'Every language built, like ["sk", "en"]: the first at the root, the others under /<lang>/.  '
            "[default: language alone]"
        ),
        "timezone": "IANA zone for display and for times written without an offset.",
        "recent_days": "Days of the recent past on the front page, today included; 0 leaves them out.  [default: 7]",
    },
    "components": {
        "id": "Stable id, [a-z0-9-]+; used in URLs and in content files.",
        "name": "Display name; text or a table language → text, as every name below.",
        "group": "Optional group heading the component is listed under.",
        "description": "Optional one-line description.",
    },
    "support": {
        "chat_url": "Live chat address (https:).",
        "email": "Support e-mail address.",
        "phone": "Support phone number (the phone channel).",
        "address": "Postal address for written notices.",
        "hours": "When the support desk answers, e.g. 24/7.",
    },
    "sla": {
        "fix_hours_min": "A fix usually lands at least this many hours after evaluation.",
        "fix_hours_max": "After this many hours past evaluation an open fix is overdue.",
    },
    "tickets": {
        "db": "Path of the SQLite known-issue database, relative to the site directory.",
        "snapshot": "Public snapshot a build reads where the database is not (CI, Pages); made by `tickets snapshot`.",
    },
    "notify": {
        "state": "SQLite file of the notification outbox and subscribers, relative to the site; outside git. "
        "Without it nothing is sent.",
        "email_from": "Sender of notification e-mail, e.g. `Status <status@example.sk>`.",
        "smtp_url": "smtp://[user@]host[:port] (STARTTLS) or smtps://[user@]host[:port]; "
        "the password comes from the environment.",
        "smtp_password_env": "Name of the environment variable holding the SMTP password.  "
        "[default: STATUSPAGE_SMTP_PASSWORD]",
        "signup_url": "Absolute https address of the self-service subscribe endpoint, if one is run.",
        "websub_hub": "WebSub hub (an https URL) that every feed names, so readers can be pushed new entries; "
        "pinged for each feed that changed.",
        "webhooks": "Endpoints told of every event: an array of tables, [[notify.webhooks]].",
    },
    "notify.webhooks": {
        "url": "Address the event is POSTed to (http or https).",
        "url_env": "Name of the environment variable holding the address instead "
        "(Slack, Discord and Teams addresses are secrets).",
        "format": "statuspage (Atlassian Statuspage's webhook body, signed), slack, discord or teams.  "
        "[default: statuspage]",
        "secret_env": "Name of the environment variable holding the Standard Webhooks signing secret (whsec_…); "
        "statuspage format only.",
        "components": "Only events that affect one of these component ids.  [default: every event]",
    },
    "publish": {
        "name": "Name of the target in messages, [A-Za-z0-9_-]+, unique.",
        "url": "s3://bucket/prefix/ the output is uploaded to (the prefix may be empty).",
        "endpoint_url": "Address of S3-compatible storage other than AWS (R2, B2, MinIO...).",
        "region": "Region of the bucket.  [default: boto3's, from the environment or profile]",
        "profile": "Profile of ~/.aws/config and ~/.aws/credentials to take the keys from.",
        "access_key_id_env": "Name of the environment variable holding this target's access key id.",
        "secret_access_key_env": "Name of the environment variable holding this target's secret key.",
        "max_deletions": "A publish that would delete more objects than this is refused.  [default: 100]",
        "cors": "Add a CORS rule to the bucket so that scripts anywhere may read the API and feeds.  [default: true]",
    },
    # Each a string for every language, or a table of language → text; docs/authoring.md has the placeholders.
    "wording": {key: sentence.help for key, sentence in SENTENCES.items()},
}
_REQUIRED = {
    "site": ("title", "base_url", "timezone"),  # and language or languages
    "components": ("id", "name"),
    "publish": ("name", "url"),
}
WEBHOOK_FORMATS = ("statuspage", "slack", "discord", "teams")
# Keys people write when they mean to put a secret in the file: refused with a pointer to the *_env key.
_SECRET_KEYS = re.compile(r"(secret|password|passwd|token|api_?key)$", re.IGNORECASE)
# Addresses that carry their own credentials: they belong in the environment (url_env).
_SECRET_URL = re.compile(
    r"hooks\.slack\.com/|discord(app)?\.com/api/webhooks/|[?&](sig|token|key|code|secret)=", re.IGNORECASE
)


class _Lines:
    """Finds the line a TOML key was written on, since tomllib forgets positions."""

    _TABLE = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?")
    _PART = r"(?:[A-Za-z0-9_-]+|\"[^\"]*\")"
    _KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")  # a dotted key (name.en = ...) too

    def __init__(self, text: str) -> None:
        self.keys: list[tuple[str, int, str]] = []  # (table, occurrence, key) per line
        self.tables: dict[tuple[str, int], int] = {}
        counts: dict[str, int] = {}
        table, occurrence = "", 0
        for number, line in enumerate(text.splitlines(), start=1):
            if match := self._TABLE.match(line):
                table = match.group(1)
                occurrence = counts.get(table, 0)
                counts[table] = occurrence + 1
                self.tables[(table, occurrence)] = number
            elif match := self._KEY.match(line):
                dotted = ".".join(part.strip().strip('"') for part in match.group(1).split("."))
                where = f"{table}#{occurrence}"
                self.keys.append((where, number, dotted.split(".")[0]))
                if "." in dotted:  # name.en: found as name, its first line, and as name.en
                    self.keys.append((where, number, dotted))

    def has(self, table: str, key: str | None = None, index: int = 0) -> bool:
        """Whether the table (and the key in it) was written as such: a key of an inline table has no line."""
        if key is None:
            return (table, index) in self.tables
        return any(where == f"{table}#{index}" and name == key for where, _, name in self.keys)

    def of(self, table: str, key: str | None = None, index: int = 0) -> int | None:
        if key is None:
            return self.tables.get((table, index))
        for where, number, name in self.keys:
            if where == f"{table}#{index}" and name == key:
                return number
        return self.tables.get((table, index))


def load_config(root: Path, problems: Collector) -> Config | None:
    """Read and check ``statuspage.toml``; returns None when it is too broken to use."""
    path = root / CONFIG_NAME
    shown = str(root / CONFIG_NAME)
    try:
        check_link(str(path), site_root(root))
        text = read_capped(path, MAX_CONFIG_BYTES).decode("utf-8-sig")
    except FileNotFoundError:
        problems.add(shown, None, f"not found: is {str(root)!r} a site directory?")
        return None
    except Refused as refusal:
        problems.add(shown, None, str(refusal))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(shown, None, f"cannot read: {exc}")
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        problems.add(shown, int(match.group(1)) if match else None, f"invalid TOML: {exc}")
        return None
    return _ConfigReader(root, shown, _Lines(text), problems).read(data)


class _ConfigReader:
    def __init__(self, root: Path, shown: str, lines: _Lines, problems: Collector) -> None:
        self.root, self.shown, self.lines, self.problems = root, shown, lines, problems
        self.built: tuple[str, ...] = ("en",)  # the languages the config's names may be given in, once read

    def error(self, message: str, table: str, key: str | None = None, index: int = 0) -> None:
        self.problems.add(self.shown, self.lines.of(table, key, index), message)

    def read(self, data: dict[str, Any]) -> Config:
        for name in data:
            if name not in SETTINGS:
                self.error(f"unknown table [{name}]", name)
        site = self.table(data, "site")
        support = self.table(data, "support")
        sla = self.table(data, "sla")
        tickets = self.table(data, "tickets")
        notify = self.table(data, "notify")

        languages = self.languages(site)
        title, other_titles = self.words(site, "site", "title")
        base_url = self.base_url(site)
        zone = self.zone(site)
        recent_days = self.recent_days(site)
        components = self.components(data.get("components"))
        fix_min = self.hours(sla, "fix_hours_min", 24)
        fix_max = self.hours(sla, "fix_hours_max", 72)
        if fix_min is not None and fix_max is not None and fix_max < fix_min:
            self.error("fix_hours_max must not be less than fix_hours_min", "sla", "fix_hours_max")
        chat_url = self.text(support, "support", "chat_url", required=False)
        if chat_url is not None and urlsplit(chat_url).scheme not in ("http", "https"):
            self.error("chat_url must be an http(s) address", "support", "chat_url")
        db = self.text(tickets, "tickets", "db", required=False)
        websub_hub = self.text(notify, "notify", "websub_hub", required=False)
        if websub_hub is not None and (
            urlsplit(websub_hub).scheme not in ("http", "https") or not urlsplit(websub_hub).netloc
        ):
            self.error("websub_hub must be an absolute http(s) address", "notify", "websub_hub")
        snapshot = self.text(tickets, "tickets", "snapshot", required=False)
        if snapshot is not None and not snapshot.lower().endswith(".json"):
            self.error(
                "snapshot must name a .json file (statuspage tickets snapshot writes JSON)", "tickets", "snapshot"
            )

        support_channels = Support(
            chat_url=chat_url,
            email=self.text(support, "support", "email", required=False),
            phone=self.text(support, "support", "phone", required=False),
            address=self.text(support, "support", "address", required=False),
            hours=self.text(support, "support", "hours", required=False),
        )
        wording = self.wording(self.table(data, "wording"), support_channels)

        # With problems, carry on with stand-ins so that content is still checked and every
        # problem is reported in one run; the problems already recorded stop any build.
        return Config(
            title=title or "",
            other_titles=other_titles,
            languages=languages,
            base_url=base_url or "https://invalid.invalid/",
            language=languages[0],
            timezone=zone or ZoneInfo("UTC"),
            components=components,
            support=support_channels,
            sla=Sla(24 if fix_min is None else fix_min, 72 if fix_max is None else fix_max),
            tickets_db=(self.root / db) if db else None,
            tickets_snapshot=(self.root / snapshot) if snapshot else None,
            websub_hub=websub_hub,
            path=self.shown,
            publish=self.publish_targets(data.get("publish")),
            notify=self.notify(notify, {component.id for component in components}),
            recent_days=DEFAULT_RECENT_DAYS if recent_days is None else recent_days,
            wording=wording,
        )

    def table(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            self.error(f"[{name}] must be a table", name)
            return {}
        self.unknown_keys(value, name)
        return value

    def unknown_keys(self, value: dict[str, Any], table: str, index: int = 0) -> None:
        for key in value:
            if key not in SETTINGS[table] and _SECRET_KEYS.search(key):
                self.error(
                    f"{key!r}: secrets are not written in {CONFIG_NAME}; put it in an environment variable "
                    "and name the variable (the *_env keys)",
                    table,
                    key,
                    index,
                )
            elif key not in SETTINGS[table]:
                self.error(f"unknown key {key!r} in [{table}]", table, key, index)
        for key in _REQUIRED.get(table, ()):
            if key not in value:
                self.error(f"missing required key {key!r} in [{table}]", table, None, index)

    def text(self, table: dict[str, Any], name: str, key: str, *, required: bool = True, index: int = 0) -> str | None:
        value = table.get(key)
        if value is None:
            return None  # missing required keys are reported by unknown_keys
        if not isinstance(value, str) or (required and not value.strip()):
            self.error(f"{key} must be a non-empty string", name, key, index)
            return None
        if FORBIDDEN_CHARACTERS.search(value):
            self.error(f"{key} must not contain control characters", name, key, index)
            return None
        return value.strip() or None

    def languages(self, site: dict[str, Any]) -> tuple[str, ...]:
        """``languages``, or ``language`` alone; the two must agree on the first (published at the root).

        A language without a shipped catalog is refused rather than shown half in English.  The
        languages as written are what the config's names may be given in (``self.built``), so that
        one refused language is not reported again at every name written in it.
        """
        language = self.text(site, "site", "language", required=False)
        listed = site.get("languages")
        if listed is None:
            self.built = (language,) if language else self.built
            if "language" not in site:
                self.error("missing required key 'language' (or 'languages') in [site]", "site")
            elif language is not None and self.shipped(language, "language"):
                return (language,)
            return ("en",)  # a stand-in: the problem recorded stops any build
        if not isinstance(listed, list) or not listed or not all(isinstance(item, str) for item in listed):
            self.error('languages must be a non-empty list of language codes, like ["sk", "en"]', "site", "languages")
            return ("en",)
        self.built = tuple(dict.fromkeys(listed))
        found: list[str] = []
        for code in listed:
            if code in found:
                self.error(f"languages lists {code!r} twice", "site", "languages")
            elif self.shipped(code, "languages"):
                found.append(code)
        if language is not None and language != listed[0]:
            self.error(
                f"language {language!r} is not the first of languages ({', '.join(map(repr, listed))}), "
                "which is the one published at the root: make them agree, or leave language out",
                "site",
                "language",
            )
        return tuple(found) or ("en",)

    def shipped(self, code: str, key: str) -> bool:
        if code in LANGUAGES:
            return True
        self.error(
            f"no catalog for language {code!r}: statuspage ships {', '.join(LANGUAGES)}; a new language "
            "needs a catalog of the UI's sentences added to statuspage (see docs/authoring.md, Languages)",
            "site",
            key,
        )
        return False

    def words(
        self, table: dict[str, Any], name: str, key: str, *, required: bool = True, index: int = 0
    ) -> tuple[str | None, Localized]:
        """A visitor-facing name: a string, or a table language → text that must give the first language's.

        Returns the first language's text and the others'; a language left out shows the first's.
        """
        value = table.get(key)
        if not isinstance(value, dict):
            return self.text(table, name, key, required=required, index=index), Localized()
        first = self.built[0]
        for language in value:
            if language not in self.built:
                built = ", ".join(self.built)
                dotted = f"{key}.{language}"  # written as name.de = "..."
                self.error(
                    f"{key} has a text in {language!r}, which is not one of the site's languages ({built})",
                    name,
                    dotted if self.lines.has(name, dotted, index) else key,
                    index,
                )
        if first not in value:
            self.error(
                f"{key} must have a text in {first!r}, the site's first language, which stands in for any "
                "language it leaves out",
                name,
                key,
                index,
            )
        texts = {
            language: self.text({key: value[language]}, name, key, index=index)
            for language in self.built
            if language in value
        }
        others = tuple((language, text) for language, text in texts.items() if language != first and text)
        # Without the first language's text, carry on with another so that the rest is still checked.
        return texts.get(first) or next((text for text in texts.values() if text), None), Localized(others)

    def wording(self, table: dict[str, Any], support: Support) -> Wording:
        """``[wording]``: per sentence, one text for every language or a table of language → text."""
        texts: list[tuple[str, str, str]] = []
        for key, value in table.items():
            if key not in SENTENCES:
                continue  # reported by unknown_keys
            line = self.wording_line(key)
            if isinstance(value, str):
                written = [("", value, line)]
            elif isinstance(value, dict):
                written = []
                for language, text in value.items():
                    at = self.wording_line(key, language) or line
                    if language not in LANGUAGES:
                        self.problems.add(
                            self.shown,
                            at,
                            f"[wording] {key}: unknown language {language!r} (expected {' | '.join(LANGUAGES)})",
                        )
                        continue
                    if not isinstance(text, str):
                        self.problems.add(self.shown, at, f"[wording] {key}.{language} must be a string")
                        continue
                    written.append((language, text, at))
            else:
                self.problems.add(self.shown, line, f"[wording] {key} must be a string or a table of language = text")
                continue
            for language, text, at in written:
                where = f"{key}.{language}" if language else key
                if not text.strip() or FORBIDDEN_CHARACTERS.search(text):
                    self.problems.add(self.shown, at, f"[wording] {where} must be text without control characters")
                    continue
                found = placeholder_problems(text, key, support)
                for problem in found:
                    self.problems.add(self.shown, at, f"[wording] {where}: {problem}")
                if not found:
                    texts.append((key, language, " ".join(text.split())))
        return Wording(tuple(texts))

    def wording_line(self, key: str, language: str | None = None) -> int | None:
        """Where a sentence (or its text in a language) was written: ``key = …``, ``key.sk = …``, ``[wording.key]``."""
        dotted = f"{key}.{language}" if language else key
        if self.lines.has("wording", dotted):
            return self.lines.of("wording", dotted)
        if language is not None and self.lines.has(f"wording.{key}", language):
            return self.lines.of(f"wording.{key}", language)
        if language is None:
            for where, number, name in self.lines.keys:
                if where == "wording#0" and name.startswith(f"{key}."):
                    return number
        return self.lines.of(f"wording.{key}") if self.lines.has(f"wording.{key}") else None

    def hours(self, table: dict[str, Any], key: str, default: int) -> int | None:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.error(f"{key} must be a whole number of hours", "sla", key)
            return None
        return value

    def recent_days(self, site: dict[str, Any]) -> int | None:
        value = site.get("recent_days", DEFAULT_RECENT_DAYS)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RECENT_DAYS:
            self.error(f"recent_days must be a whole number of days from 0 to {MAX_RECENT_DAYS}", "site", "recent_days")
            return None
        return value

    def base_url(self, site: dict[str, Any]) -> str | None:
        value = self.text(site, "site", "base_url")
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            self.error("base_url must be an absolute http(s) URL without query", "site", "base_url")
            return None
        return value if value.endswith("/") else value + "/"

    def zone(self, site: dict[str, Any]) -> ZoneInfo | None:
        value = self.text(site, "site", "timezone")
        if value is None:
            return None
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.error(f"unknown time zone {value!r}", "site", "timezone")
            return None

    def components(self, value: Any) -> tuple[Component, ...]:
        if value is None:
            self.error("at least one [[components]] entry is required", "components")
            return ()
        if not isinstance(value, list):
            self.error("components must be an array of tables: [[components]]", "components")
            return ()
        found: list[tuple[int, Component]] = []  # with its place in the file
        seen: set[str] = set()
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                self.error("each component must be a table", "components", None, index)
                continue
            self.unknown_keys(entry, "components", index)
            cid = self.text(entry, "components", "id", index=index)
            name, other_names = self.words(entry, "components", "name", index=index)
            group, other_groups = self.words(entry, "components", "group", required=False, index=index)
            description, other_descriptions = self.words(
                entry, "components", "description", required=False, index=index
            )
            if cid is None or name is None:
                continue
            if not COMPONENT_ID.match(cid):
                self.error(f"component id {cid!r} must match [a-z0-9-]+", "components", "id", index)
                continue
            if cid in seen:
                self.error(f"duplicate component id {cid!r}", "components", "id", index)
                continue
            seen.add(cid)
            line = self.lines.of("components", None, index)
            found.append(
                (
                    index,
                    Component(
                        cid,
                        name,
                        group,
                        description,
                        Origin(self.shown, line),
                        other_names,
                        other_groups,
                        other_descriptions,
                    ),
                )
            )
        return self.one_heading_per_group(found)

    def one_heading_per_group(self, components: list[tuple[int, Component]]) -> tuple[Component, ...]:
        """A group is one heading: its texts in other languages, written on any of its members, serve them all.

        Two members that give one group different texts in one language are an error.
        """
        texts: dict[str, dict[str, tuple[str, str]]] = {}  # group → language → (text, the component giving it)
        for index, component in components:
            if component.group is None:
                continue
            given = texts.setdefault(component.group, {})
            for language, text in component.other_groups.texts:
                earlier = given.setdefault(language, (text, component.id))
                if earlier[0] != text:
                    self.error(
                        f"group {component.group!r} is {earlier[0]!r} in {language!r} on component "
                        f"{earlier[1]!r} but {text!r} here: a group is one heading",
                        "components",
                        "group",
                        index,
                    )
        return tuple(
            replace(
                component,
                other_groups=Localized(
                    tuple((language, text) for language, (text, _) in texts[component.group].items())
                ),
            )
            if component.group is not None
            else component
            for _, component in components
        )

    def publish_targets(self, value: Any) -> tuple[PublishTarget, ...]:
        """The ``[[publish]]`` targets; no secrets here, only where to find them."""
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error("publish must be an array of tables: [[publish]]", "publish")
            return ()
        found: list[PublishTarget | None] = []
        names: set[str] = set()
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                self.error("each publish target must be a table", "publish", None, index)
                continue
            self.unknown_keys(entry, "publish", index)
            found.append(self.publish_target(entry, index, names))
        return tuple(target for target in found if target is not None)

    def publish_target(self, entry: dict[str, Any], index: int, names: set[str]) -> PublishTarget | None:
        def text(key: str, *, required: bool = False) -> str | None:
            return self.text(entry, "publish", key, required=required, index=index)

        name, url = text("name", required=True), text("url", required=True)
        if name is not None and not TARGET_NAME.match(name):
            self.error(f"publish target name {name!r} must match [A-Za-z0-9_-]+", "publish", "name", index)
            name = None
        elif name is not None and name in names:
            self.error(f"duplicate publish target name {name!r}", "publish", "name", index)
            name = None
        if name is not None:
            names.add(name)
        where = self.bucket_url(url, index) if url is not None else None
        endpoint_url = text("endpoint_url")
        if endpoint_url is not None:
            parts = urlsplit(endpoint_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                self.error("endpoint_url must be an absolute http(s) address", "publish", "endpoint_url", index)
        envs = {}
        for key in ("access_key_id_env", "secret_access_key_env"):
            envs[key] = variable = text(key)
            if variable is not None and not ENV_NAME.match(variable):
                self.error(f"{key} must name an environment variable, not hold a key", "publish", key, index)
        if (envs["access_key_id_env"] is None) != (envs["secret_access_key_env"] is None):
            self.error("access_key_id_env and secret_access_key_env go together", "publish", None, index)
        max_deletions = entry.get("max_deletions", 100)
        if isinstance(max_deletions, bool) or not isinstance(max_deletions, int) or max_deletions < 0:
            self.error("max_deletions must be a whole number, 0 or more", "publish", "max_deletions", index)
        cors = entry.get("cors", True)
        if not isinstance(cors, bool):
            self.error("cors must be true or false", "publish", "cors", index)
        if name is None or where is None:
            return None
        return PublishTarget(
            name=name,
            bucket=where[0],
            prefix=where[1],
            endpoint_url=endpoint_url,
            region=text("region"),
            profile=text("profile"),
            access_key_id_env=envs["access_key_id_env"],
            secret_access_key_env=envs["secret_access_key_env"],
            max_deletions=max_deletions if isinstance(max_deletions, int) else 100,
            cors=cors if isinstance(cors, bool) else True,
            origin=Origin(self.shown, self.lines.of("publish", None, index)),
        )

    def notify(self, table: dict[str, Any], component_ids: set[str]) -> NotifySettings:
        """``[notify]`` and its ``[[notify.webhooks]]``; secrets only by the name of their environment variable."""

        def text(key: str) -> str | None:
            return self.text(table, "notify", key, required=False)

        state = text("state")
        email_from = text("email_from")
        if email_from is not None and "@" not in parseaddr(email_from)[1]:
            self.error(
                "email_from must be an e-mail address, optionally with a name: Name <a@b.c>", "notify", "email_from"
            )
        smtp_url = text("smtp_url")
        if smtp_url is not None:
            parts = urlsplit(smtp_url)
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname or parts.path not in ("", "/"):
                self.error("smtp_url must look like smtp://host:587 or smtps://user@host:465", "notify", "smtp_url")
            elif parts.password is not None:
                self.error(
                    "smtp_url must not hold the password: it is read from the environment (smtp_password_env)",
                    "notify",
                    "smtp_url",
                )
        password_env = text("smtp_password_env")
        if password_env is not None and not ENV_NAME.match(password_env):
            self.error(
                "smtp_password_env must name an environment variable, not hold the password",
                "notify",
                "smtp_password_env",
            )
        signup_url = text("signup_url")
        if signup_url is not None:
            parts = urlsplit(signup_url)
            # http only on this machine (trying it out, tests): a link in a mail must not be readable on the way.
            loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
            if (parts.scheme != "https" and not loopback) or not parts.netloc or parts.fragment or parts.query:
                self.error("signup_url must be an absolute https address", "notify", "signup_url")
        # E-mail needs both: a sender and a server. The sign-up endpoint mails its confirmations.
        if (email_from is None) != (smtp_url is None):
            self.error("email_from and smtp_url go together: e-mail needs both", "notify", None)
        elif signup_url is not None and email_from is None:
            self.error(
                "signup_url needs email_from and smtp_url: the endpoint mails confirmations", "notify", "signup_url"
            )
        return NotifySettings(
            state=(self.root / state) if state else None,
            email_from=email_from,
            smtp_url=smtp_url,
            smtp_password_env=password_env or "STATUSPAGE_SMTP_PASSWORD",
            signup_url=signup_url,
            webhooks=self.webhooks(table.get("webhooks"), component_ids),
        )

    def webhooks(self, value: Any, component_ids: set[str]) -> tuple[WebhookTarget, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error("webhooks must be an array of tables: [[notify.webhooks]]", "notify", "webhooks")
            return ()
        found: list[WebhookTarget] = []
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                self.error("each webhook must be a table", "notify.webhooks", None, index)
                continue
            self.unknown_keys(entry, "notify.webhooks", index)
            target = self.webhook(entry, index, component_ids)
            if target is not None:
                found.append(target)
        return tuple(found)

    def webhook(self, entry: dict[str, Any], index: int, component_ids: set[str]) -> WebhookTarget | None:
        table = "notify.webhooks"

        def text(key: str) -> str | None:
            return self.text(entry, table, key, required=False, index=index)

        url, url_env = text("url"), text("url_env")
        ok = True
        if (url is None) == (url_env is None):
            self.error("a webhook needs url or url_env (one of them)", table, None, index)
            ok = False
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                self.error("url must be an absolute http(s) address", table, "url", index)
                ok = False
            elif parts.password is not None or _SECRET_URL.search(url):
                self.error(
                    "this url holds a secret: put it in an environment variable and name it in url_env",
                    table,
                    "url",
                    index,
                )
                ok = False
        for key in ("url_env", "secret_env"):
            variable = text(key)
            if variable is not None and not ENV_NAME.match(variable):
                self.error(f"{key} must name an environment variable, not hold its value", table, key, index)
                ok = False
        format_ = text("format") or "statuspage"
        if format_ not in WEBHOOK_FORMATS:
            self.error(f"format must be one of {', '.join(WEBHOOK_FORMATS)}, not {format_!r}", table, "format", index)
            ok = False
        secret_env = text("secret_env")
        if secret_env is not None and format_ != "statuspage":
            self.error(
                f"secret_env signs the statuspage format only; {format_} does not verify signatures",
                table,
                "secret_env",
                index,
            )
        components = entry.get("components", [])
        if not isinstance(components, list) or not all(isinstance(c, str) for c in components):
            self.error("components must be a list of component ids", table, "components", index)
            components = []
        for component in components:
            if component not in component_ids:
                self.error(f"unknown component {component!r} (not in [[components]])", table, "components", index)
                ok = False
        if not ok:
            return None
        return WebhookTarget(
            url=url,
            url_env=url_env,
            format=format_,
            secret_env=secret_env,
            components=tuple(components),
            origin=Origin(self.shown, self.lines.of(table, None, index)),
        )

    def bucket_url(self, url: str, index: int) -> tuple[str, str] | None:
        """``s3://bucket/prefix/`` as the bucket and the prefix ("" or ending in "/")."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or parts.query or parts.fragment or parts.username or parts.password:
            self.error("url must look like s3://bucket/prefix/", "publish", "url", index)
            return None
        if not BUCKET.match(parts.netloc):
            self.error(f"{parts.netloc!r} is not a valid bucket name", "publish", "url", index)
            return None
        prefix = parts.path.strip("/")
        if any(segment in ("", ".", "..") for segment in prefix.split("/")) and prefix:
            self.error("the prefix in url must not have empty, . or .. segments", "publish", "url", index)
            return None
        return parts.netloc, prefix + "/" if prefix else ""


PLACEHOLDER_BASE_URL = "https://status.example.com/"  # what `statuspage init` writes until told the real address


def config_warnings(config: Config) -> list[Problem]:
    """What is valid but almost surely not meant: init's placeholder address, a notification state git would commit."""
    found: list[Problem] = []
    lines = _Lines(Path(config.path).read_text(encoding="utf-8"))
    if config.base_url == PLACEHOLDER_BASE_URL:
        message = (
            f"base_url is still the placeholder {PLACEHOLDER_BASE_URL} that init wrote: set the address "
            "the site is published at (feeds, calendars, the sitemap and the API link to it)"
        )
        found.append(Problem(config.path, lines.of("site", "base_url"), message))
    state = config.notify.state
    if state is not None and _tracked_by_git(state):
        message = (
            f"state {state} is inside the site's git checkout and not ignored: subscribers' addresses and the "
            "outbox would be committed; add it to .gitignore or keep it outside the checkout"
        )
        found.append(Problem(config.path, lines.of("notify", "state"), message))
    return found


def _tracked_by_git(path: Path) -> bool:
    """Whether ``path`` lies in a git work tree and is not ignored there (no git, or no checkout: False)."""
    folder = path.parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "check-ignore", "-q", "--no-index", str(path.resolve())],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 1  # 0: ignored; 128: not a git work tree
