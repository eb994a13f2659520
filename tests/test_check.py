"""Bad input: ``check`` (and the validation ``build`` runs first) names every problem as ``path:line: message``.

Expected locations are spelled as the user would read them: the site directory exactly as passed on
the command line, joined with the file's relative path, and the line counted in the file as written
(line 1 is the opening ``---``; the first front-matter key is on line 2).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import DEFAULT_CONFIG, NOW, REPO, incident, maintenance, run, ticket

from statuspage.sources.site import load_site

SiteFactory = Callable[..., Path]
CONFIG = DEFAULT_CONFIG.format(language="sk")
COUNT_LINE = re.compile(r"^\d+ problems? found$")
BAD_STATUS = "unknown status 'open' (expected reported | evaluating | fixing | resolved)"
BAD_SEVERITY = "unknown severity 'catastrophic' (expected none | minor | major | critical)"
BAD_IMPACT = "unknown impact 'total' (expected none | degraded | partial | full)"

# Line layout of the conftest builders, used to name expected lines below.
#   incident():    1 ---, 2 title, 3 date, 4 severity, 5 components, 6 resolved or extra ..., then ---
#   maintenance(): 1 ---, 2 title, 3 start, 4 end, 5 components, 6 impact, 7 extra ..., then ---
# With no resolved/extra, an incident's closing --- is line 6 and its body starts on line 7.


# ---------------------------------------------------------------------------------------- helpers


def check(site: Path | str) -> Result:
    """``statuspage check --site SITE``; a traceback anywhere fails the calling test."""
    result = run("check", "--site", str(site))
    assert "Traceback" not in result.output
    return result


def problem_lines(result: Result) -> list[str]:
    """The ``path:line: message`` lines of a failed run, without the closing count line."""
    lines = result.stderr.splitlines()
    assert lines and COUNT_LINE.match(lines[-1]), result.output
    return lines[:-1]


def assert_problem(result: Result, location: str, phrase: str) -> None:
    """Exit 1, and a line that is exactly at ``location`` (``path`` or ``path:line``) says ``phrase``."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    matching = [line for line in problem_lines(result) if line.startswith(location + ": ")]
    assert matching, f"no problem at {location!r} in:\n{result.stderr}"
    assert any(phrase in line for line in matching), f"{phrase!r} not said at {location!r}:\n{result.stderr}"


def line_of(text: str, needle: str, occurrence: int = 0) -> int:
    """1-based number of the line holding ``needle`` (its ``occurrence``-th appearance)."""
    found = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[occurrence]


def write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its exact bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def raw(*front: str, body: str = "Text.\n") -> str:
    """A content file from literal front-matter lines, for the cases the builders cannot write."""
    return "---\n" + "\n".join(front) + "\n---\n" + body


# ------------------------------------------------------------------------------------------ config


def _config_case(id: str, old: str, new: str, needle: str, phrase: str, occurrence: int = 0) -> Any:
    """A config with ``old`` replaced by ``new``; the problem is on the line holding ``needle``."""
    assert old in CONFIG
    return pytest.param(CONFIG.replace(old, new, 1), needle, occurrence, phrase, id=id)


CONFIG_CASES = [
    _config_case(
        "unknown-key-typo", 'title = "Test Status"', 'titel = "Test Status"', "titel", "unknown key 'titel' in [site]"
    ),
    _config_case("unknown-table", "[sla]", "[slaa]", "[slaa]", "unknown table [slaa]"),
    _config_case(
        "missing-required-key",
        'timezone = "Europe/Bratislava"\n',
        "",
        "[site]",
        "missing required key 'timezone' in [site]",
    ),
    _config_case(
        "bad-language",
        'language = "sk"',
        'language = "de"',
        "language",
        "no catalog for language 'de': statuspage ships sk, en",
    ),
    _config_case(
        "languages-without-catalog",
        'language = "sk"',
        'languages = ["en", "de"]',
        "languages",
        "no catalog for language 'de': statuspage ships sk, en; a new language needs a catalog",
    ),
    _config_case(
        "language-not-first-of-languages",
        'language = "sk"',
        'language = "sk"\nlanguages = ["en", "sk"]',
        'language = "sk"',
        "language 'sk' is not the first of languages ('en', 'sk')",
    ),
    _config_case(
        "languages-twice",
        'language = "sk"',
        'languages = ["sk", "en", "sk"]',
        "languages",
        "languages lists 'sk' twice",
    ),
    _config_case(
        "languages-empty", 'language = "sk"', "languages = []", "languages", "non-empty list of language codes"
    ),
    _config_case("languages-not-a-list", 'language = "sk"', 'languages = "sk"', "languages", "non-empty list"),
    _config_case(
        "no-language", 'language = "sk"\n', "", "[site]", "missing required key 'language' (or 'languages') in [site]"
    ),
    _config_case(
        "title-in-a-language-not-built",
        'title = "Test Status"',
        'title = { sk = "Stav", en = "Status" }',
        "title",
        "title has a text in 'en', which is not one of the site's languages (sk)",
    ),
    _config_case(
        "title-without-the-first-language",
        'title = "Test Status"\nbase_url = "https://status.test/"\nlanguage = "sk"',
        'title = { en = "Status" }\nbase_url = "https://status.test/"\nlanguages = ["sk", "en"]',
        "title",
        "title must have a text in 'sk', the site's first language",
    ),
    _config_case(
        "component-name-empty-in-a-language",
        'name = "CDN"',
        'name = { sk = "" }',
        'name = { sk = "" }',
        "name must be a non-empty string",
    ),
    _config_case(
        "component-name-dotted-key-in-a-language-not-built",
        'name = "CDN"',
        'name.sk = "CDN"\nname.de = "CDN"',
        "name.de",
        "name has a text in 'de', which is not one of the site's languages (sk)",
    ),
    _config_case(
        "unknown-timezone",
        '"Europe/Bratislava"',
        '"Europe/Atlantis"',
        "timezone",
        "unknown time zone 'Europe/Atlantis'",
    ),
    _config_case(
        "base-url-not-absolute",
        '"https://status.test/"',
        '"status.test/"',
        "base_url",
        "base_url must be an absolute http(s) URL",
    ),
    _config_case(
        "base-url-javascript",
        '"https://status.test/"',
        '"javascript:alert(1)"',
        "base_url",
        "base_url must be an absolute http(s) URL",
    ),
    _config_case(
        "duplicate-component-id", 'id = "api"', 'id = "web"', 'id = "web"', "duplicate component id 'web'", occurrence=1
    ),
    _config_case(
        "bad-component-id", 'id = "cdn"', 'id = "CDN_1"', "CDN_1", "component id 'CDN_1' must match [a-z0-9-]+"
    ),
    _config_case(
        "unknown-component-key",
        'name = "CDN"',
        'name = "CDN"\nnmae = "x"',
        "nmae",
        "unknown key 'nmae' in [components]",
    ),
    _config_case(
        "component-without-name",
        'name = "CDN"\n',
        "",
        "[[components]]",
        "missing required key 'name' in [components]",
        occurrence=2,
    ),
    _config_case(
        "fix-max-below-min",
        "fix_hours_max = 72",
        "fix_hours_max = 12",
        "fix_hours_max",
        "fix_hours_max must not be less than fix_hours_min",
    ),
    _config_case(
        "fix-hours-not-whole",
        "fix_hours_min = 24",
        "fix_hours_min = 1.5",
        "fix_hours_min",
        "fix_hours_min must be a whole number of hours",
    ),
    _config_case(
        "chat-url-javascript",
        '"https://example.test/chat"',
        '"javascript:alert(1)"',
        "chat_url",
        "chat_url must be an http(s) address",
    ),
    _config_case("toml-unterminated-string", 'hours = "24/7"', 'hours = "24/7', "hours =", "invalid TOML"),
    _config_case("toml-missing-value", 'title = "Test Status"', "title =", "title =", "invalid TOML"),
    _config_case(
        "toml-duplicate-table", "[sla]", "[sla]\nfix_hours_min = 1\n[sla]", "[sla]", "invalid TOML", occurrence=1
    ),
]


@pytest.mark.parametrize(("config", "needle", "occurrence", "phrase"), CONFIG_CASES)
def test_bad_config(site_factory: SiteFactory, config: str, needle: str, occurrence: int, phrase: str) -> None:
    site = site_factory(config=config)
    result = check(site)
    assert_problem(result, f"{site}/statuspage.toml:{line_of(config, needle, occurrence)}", phrase)


def test_config_without_components_table(site_factory: SiteFactory) -> None:
    config = CONFIG.split("[[components]]", 1)[0] + CONFIG.split('name = "CDN"\n', 1)[1]
    site = site_factory(config=config)
    assert_problem(check(site), f"{site}/statuspage.toml", "at least one [[components]] entry is required")


def test_missing_config_file(site_factory: SiteFactory) -> None:
    site = site_factory()
    (site / "statuspage.toml").unlink()
    assert_problem(check(site), f"{site}/statuspage.toml", "not found")


def test_config_not_utf8(site_factory: SiteFactory) -> None:
    site = site_factory()
    write(site / "statuspage.toml", CONFIG.replace("Test Status", "Stav slu\u017eieb").encode("cp1250"))
    assert_problem(check(site), f"{site}/statuspage.toml", "cannot read")


def test_site_directory_that_does_not_exist(tmp_path: Path) -> None:
    assert_problem(check(tmp_path / "nowhere"), f"{tmp_path / 'nowhere'}/statuspage.toml", "not found")


# --------------------------------------------------------------------------------------- incidents

UPDATE = "Something broke.\n\n{heading}\nText.\n"  # the heading is on line 9 of a plain incident()

INCIDENT_CASES = [
    pytest.param(
        [incident("x", components="[web, mail]")],
        "x.md:5",
        "unknown component 'mail' (known: api, cdn, web)",
        id="unknown-component",
    ),
    pytest.param(
        [("x", raw("title: T", "severity: major", "components: [web]"))],
        "x.md:1",
        "missing required key 'date'",
        id="missing-date",
    ),
    pytest.param(
        [("x", raw("title: T", "date:", "severity: major", "components: [web]"))],
        "x.md:3",
        "missing required key 'date'",
        id="empty-date",
    ),
    pytest.param([incident("x", date="yesterday")], "x.md:3", "date: bad time 'yesterday'", id="bad-time"),
    pytest.param([incident("x", date="2026-02-30")], "x.md:3", "date: bad time '2026-02-30'", id="impossible-date"),
    pytest.param(
        [incident("x", resolved="2026-11-20T08:59:00+01:00")],
        "x.md:6",
        "resolved is before the incident's date",
        id="resolved-before-date",
    ),
    pytest.param(
        [incident("x", severity="catastrophic")],
        "x.md:4",
        "unknown severity 'catastrophic' (expected none | minor | major | critical)",
        id="unknown-severity",
    ),
    pytest.param(
        [incident("x", extra="componets: [api]")],
        "x.md:6",
        "unknown key 'componets'",
        id="unknown-key-typo",
    ),
    pytest.param(
        [incident("x", extra="date: 2026-11-20T10:00:00+01:00")],
        "x.md:6",
        "duplicate key 'date'",
        id="duplicate-key",
    ),
    pytest.param(
        [incident("x", components="[web, api")],
        "x.md:5",
        "malformed YAML front matter",
        id="yaml-unclosed-bracket-last",
    ),
    pytest.param(
        # PyYAML notices the open bracket on the next key's line, and says so.
        [incident("x", components="[web, api", extra="tickets: []")],
        "x.md:6",
        "malformed YAML front matter: expected ',' or ']'",
        id="yaml-unclosed-bracket",
    ),
    pytest.param(
        [incident("x", title="a: b")],
        "x.md:2",
        "malformed YAML front matter: mapping values are not allowed",
        id="yaml-bad-mapping",
    ),
    pytest.param(
        [("x", "---\n- just\n- a list\n---\nText.\n")],
        "x.md:2",
        "front matter must be a mapping",
        id="yaml-not-mapping",
    ),
    pytest.param(
        [("x", "title: T\ndate: 2026-11-20\n\nText.\n")],
        "x.md:1",
        "missing front matter",
        id="no-front-matter",
    ),
    pytest.param(
        [("x", "---\ntitle: T\ndate: 2026-11-20\nseverity: major\ncomponents: [web]\nText.\n")],
        "x.md:1",
        "front matter is not closed",
        id="unclosed-front-matter",
    ),
    pytest.param(
        [incident("x", body=UPDATE.format(heading="## 2026-11-20T25:99 resolved"))],
        "x.md:9",
        "update heading: bad time '2026-11-20T25:99'",
        id="update-bad-time",
    ),
    pytest.param(
        [incident("x", body=UPDATE.format(heading="## 2026-11-20 fixed"))],
        "x.md:9",
        "unknown update status 'fixed' (expected investigating | identified | monitoring | resolved | postmortem)",
        id="update-unknown-status",
    ),
    pytest.param(
        [incident("x", body=UPDATE.format(heading="## 2026-11-20T10:00+01:00 in_progress"))],
        "x.md:9",
        "unknown update status 'in_progress'",
        id="update-maintenance-status",
    ),
    pytest.param(
        [incident("x", body=UPDATE.format(heading="## 2026-11-20T10:00+01:00"))],
        "x.md:9",
        "update heading must be '## <time> <status>', got '## 2026-11-20T10:00+01:00'",
        id="update-without-status",
    ),
    pytest.param(
        [incident("x", body=UPDATE.format(heading="## 2026-11-20T10:00+01:00 resolved and done"))],
        "x.md:9",
        "update heading must be '## <time> <status>'",
        id="update-extra-words",
    ),
    pytest.param(
        [incident("x", body=UPDATE.format(heading="## 2026-11-20T08:30+01:00 investigating"))],
        "x.md:9",
        "update is dated before the incident's date",
        id="update-before-date",
    ),
    pytest.param(
        [incident("x", extra="tickets: [abc]")],
        "x.md:6",
        "tickets must list ticket numbers, not 'abc'",
        id="ticket-not-a-number",
    ),
    pytest.param(
        [incident("x", components="web")],
        "x.md:5",
        "components must be a list like [a, b]",
        id="components-not-a-list",
    ),
    pytest.param(
        [incident("x", components="[]")],
        "x.md:5",
        "components must list at least one entry",
        id="components-empty",
    ),
    pytest.param(
        [incident("x", title="[a, b]")],
        "x.md:2",
        "title must be a single value",
        id="title-is-a-list",
    ),
    pytest.param(
        [incident("x", extra="pin: maybe")],
        "x.md:6",
        "pin must be true or false",
        id="pin-not-bool",
    ),
    pytest.param(
        [incident("x", extra="pin_until: 2026-12-01")],
        "x.md:6",
        "pin_until needs pin: true",
        id="pin-until-without-pin",
    ),
    pytest.param(
        [incident("x", title='!!python/object/apply:os.system ["echo hi"]')],
        "x.md:2",
        "title must be a single value",
        id="yaml-python-tag",
    ),
    pytest.param(
        [("x", incident("x", title="Caf\u00e9 down")[1].encode("latin-1"))],
        "x.md",
        "not UTF-8 text",
        id="not-utf8",
    ),
    pytest.param([("Bad Name", incident()[1])], "Bad Name.md", "file name must be a slug", id="slug-uppercase-space"),
    pytest.param([("-x", incident()[1])], "-x.md", "file name must be a slug", id="slug-leading-dash"),
    pytest.param(
        [incident("x.en", title="English")],
        "x.en.md",
        "translation of x.md, which does not exist",
        id="orphan-translation",
    ),
    pytest.param(
        [incident("x"), incident("x.de", title="Ausfall")],
        "x.de.md",
        "unknown translation language 'de' (expected sk | en)",
        id="translation-unknown-language",
    ),
    pytest.param(
        [incident("x"), incident("x.en", title="Outage", date="2026-11-20T09:05:00+01:00")],
        "x.en.md:3",
        "date differs from",
        id="translation-date-differs",
    ),
    pytest.param(
        [incident("x"), incident("x.en", title="Outage", severity="minor")],
        "x.en.md:4",
        "severity differs from",
        id="translation-severity-differs",
    ),
    pytest.param(
        [incident("x"), ("x.en", raw("title: Outage", "severity: none"))],
        "x.en.md:3",
        "severity differs from",
        id="translation-inherits-and-differs",
    ),
    pytest.param(
        [incident("x"), ("x.en", raw("title: Outage", "colour: red"))],
        "x.en.md:3",
        "unknown key 'colour'",
        id="translation-unknown-key",
    ),
]


@pytest.mark.parametrize(("files", "location", "phrase"), INCIDENT_CASES)
def test_bad_incident(
    site_factory: SiteFactory, files: list[tuple[str, str | bytes]], location: str, phrase: str
) -> None:
    site = site_factory(tickets=[ticket(1), ticket(5, public=0)])
    for slug, content in files:
        write(site / "content" / "incidents" / f"{slug}.md", content)
    assert_problem(check(site), f"{site}/content/incidents/{location}", phrase)


@pytest.mark.parametrize(
    "tag",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        '!!python/object/new:subprocess.check_call [["touch", "{marker}"]]',
        "!!python/name:os.system",
    ],
)
def test_yaml_tags_are_refused_without_running_anything(site_factory: SiteFactory, tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "executed"
    site = site_factory(incidents=[incident("x", title=tag.format(marker=marker))])
    assert_problem(check(site), f"{site}/content/incidents/x.md:2", "title must be a single value")
    assert not marker.exists()


# ------------------------------------------------------------------------------------- maintenance

MAINTENANCE_CASES = [
    pytest.param(
        [maintenance("m", end="2026-12-05T21:00:00+01:00")],
        "maintenance/m.md:4",
        "end must be after start",
        id="end-before-start",
    ),
    pytest.param(
        [maintenance("m", end="2026-12-05T22:00:00+01:00")],
        "maintenance/m.md:4",
        "end must be after start",
        id="end-equals-start",
    ),
    pytest.param(
        # The same instant written in another offset is still "equal".
        [maintenance("m", end="2026-12-05T21:00:00Z")],
        "maintenance/m.md:4",
        "end must be after start",
        id="end-equals-start-other-offset",
    ),
    pytest.param(
        [maintenance("m", impact="total")],
        "maintenance/m.md:6",
        "unknown impact 'total' (expected none | degraded | partial | full)",
        id="unknown-impact",
    ),
    pytest.param(
        [maintenance("m", extra="rrule: FREQ=SOMETIMES")],
        "maintenance/m.md:7",
        "invalid RFC 5545 rrule",
        id="rrule-bad-freq",
    ),
    pytest.param(
        [maintenance("m", extra="rrule: FREQ=WEEKLY;BYDAY=XX")],
        "maintenance/m.md:7",
        "invalid RFC 5545 rrule",
        id="rrule-bad-byday",
    ),
    pytest.param(
        [maintenance("m", extra="rrule: FREQ=DAILY;UNTIL=20261231T000000")],
        "maintenance/m.md:7",
        "invalid RFC 5545 rrule",
        id="rrule-floating-until",
    ),
    pytest.param(
        [maintenance("m", extra="rrule: FREQ=WEEKLY;BYMONTH=13")],
        "maintenance/m.md:7",
        "invalid RFC 5545 rrule",
        id="rrule-month-13",
    ),
    pytest.param(
        [maintenance("m", extra="rrule: FREQ=DAILY;INTERVAL=0")],
        "maintenance/m.md:7",
        "invalid RFC 5545 rrule",
        id="rrule-interval-0",
    ),
    pytest.param(
        [maintenance("m", extra="rrule: FREQ=DAILY;COUNT=2;UNTIL=20270101T000000Z")],
        "maintenance/m.md:7",
        "invalid RFC 5545 rrule",
        id="rrule-count-and-until",
    ),
    pytest.param(
        [maintenance("m", extra='rrule: "FREQ=DAILY;COUNT=2\\nEXDATE:20261206T220000"')],
        "maintenance/m.md:7",
        "rrule",
        id="rrule-with-exdate-line",
    ),
    pytest.param(
        [maintenance("m", extra='rrule: "FREQ=DAILY;COUNT=2\\nRRULE:FREQ=WEEKLY;COUNT=2"')],
        "maintenance/m.md:7",
        "rrule",
        id="rrule-two-rules",
    ),
    pytest.param(
        [maintenance("m", extra='rrule: "DTSTART:20200101T000000Z\\nRRULE:FREQ=DAILY;COUNT=3"')],
        "maintenance/m.md:7",
        "rrule",
        id="rrule-with-own-dtstart",
    ),
    pytest.param(
        [("m", raw("title: T", "end: 2026-12-06T02:00:00+01:00", "components: [cdn]"))],
        "maintenance/m.md:1",
        "missing required key 'start'",
        id="missing-start",
    ),
    pytest.param(
        [maintenance("m", body="Plan.\n\n## 2026-12-05T23:00+01:00 resolved\nDone.\n")],
        "maintenance/m.md:10",
        "unknown update status 'resolved' (expected scheduled | in_progress | verifying | completed | cancelled)",
        id="update-incident-status",
    ),
    pytest.param(
        [maintenance("m", extra="cancelled: nope")],
        "maintenance/m.md:7",
        "cancelled must be true or false",
        id="cancelled-not-bool",
    ),
    pytest.param(
        [maintenance("m", extra="pin: true")],
        "maintenance/m.md:7",
        "unknown key 'pin'",
        id="incident-key",
    ),
    pytest.param(
        [maintenance("m", components="[web, mail]")],
        "maintenance/m.md:5",
        "unknown component 'mail'",
        id="unknown-component",
    ),
]


@pytest.mark.parametrize(("files", "location", "phrase"), MAINTENANCE_CASES)
def test_bad_maintenance(site_factory: SiteFactory, files: list[tuple[str, str]], location: str, phrase: str) -> None:
    site = site_factory(maintenance=files, tickets=[ticket(5, public=0)])
    assert_problem(check(site), f"{site}/content/{location}", phrase)


def test_maintenance_with_the_slug_of_an_incident(site_factory: SiteFactory) -> None:
    site = site_factory(incidents=[incident("upgrade")], maintenance=[maintenance("upgrade")])
    assert_problem(check(site), f"{site}/content/maintenance/upgrade.md:1", "duplicate slug 'upgrade'")


# ----------------------------------------------------------------------------------------- tickets

TICKET_CASES = [
    pytest.param(
        {"status": "open"}, "unknown status 'open' (expected reported | evaluating | fixing | resolved)", id="status"
    ),
    pytest.param({"channel": "fax"}, "unknown channel 'fax' (expected chat | email | phone | letter)", id="channel"),
    pytest.param(
        {"severity": "blocker"}, "unknown severity 'blocker' (expected critical | major | minor)", id="severity"
    ),
    pytest.param({"severity": None}, "severity is required", id="severity-null"),
    pytest.param({"title": "  "}, "title is required", id="title-blank"),
    pytest.param({"title": b"\xff\xfe"}, "title must be text", id="title-blob"),
    pytest.param({"components": '["web"'}, "components is not valid JSON", id="components-bad-json"),
    pytest.param(
        {"components": '{"web": true}'}, "components must be a JSON array of component ids", id="components-object"
    ),
    pytest.param(
        {"components": '["web", 7]'}, "components must be a JSON array of component ids", id="components-not-strings"
    ),
    pytest.param({"components": '"web"'}, "components must be a JSON array of component ids", id="components-string"),
    pytest.param({"components": '["web", "mail"]'}, "unknown component 'mail'", id="components-unknown-id"),
    pytest.param({"maintenance": "no-such-window"}, "maintenance 'no-such-window' not found", id="maintenance-missing"),
    pytest.param({"status": "fixing"}, "status fixing needs evaluated_at", id="fixing-without-evaluated-at"),
    pytest.param(
        {"status": "resolved", "evaluated_at": "2026-11-20T09:00:00+01:00"},
        "status resolved needs resolved_at",
        id="resolved-without-resolved-at",
    ),
    pytest.param({"reported_at": "last tuesday"}, "reported_at: bad time 'last tuesday'", id="bad-time"),
    pytest.param({"reported_at": None}, "reported_at is required", id="reported-at-null"),
    pytest.param(
        {"status": "evaluating", "evaluated_at": "2026-11-20T07:59:00+01:00"},
        "evaluated_at is before reported_at",
        id="evaluated-before-reported",
    ),
    pytest.param(
        {"status": "resolved", "resolved_at": "2026-11-19T08:00:00+01:00"},
        "resolved_at is before reported_at",
        id="resolved-before-reported",
    ),
    pytest.param({"public": 2}, "public must be 0 or 1", id="public-2"),
    pytest.param({"public": -1}, "public must be 0 or 1", id="public-negative"),
    pytest.param({"public": "yes"}, "public must be 0 or 1", id="public-text"),
]


@pytest.mark.parametrize(("overrides", "phrase"), TICKET_CASES)
def test_bad_ticket_row(site_factory: SiteFactory, overrides: dict[str, Any], phrase: str) -> None:
    site = site_factory(tickets=[ticket(1), ticket(17, **overrides)])
    result = check(site)
    assert_problem(result, f"{site}/content/tickets.db: ticket 17", phrase)
    assert not any("ticket 1:" in line for line in problem_lines(result))


def _recreate_tickets(db: Path, create: str) -> None:
    db.unlink()
    connection = sqlite3.connect(db)
    with connection:
        connection.execute(create)
    connection.close()


@pytest.mark.parametrize(
    ("damage", "phrase"),
    [
        pytest.param(
            lambda db: _recreate_tickets(db, "CREATE TABLE issues (id INTEGER)"), "no table 'tickets'", id="no-table"
        ),
        pytest.param(
            lambda db: _recreate_tickets(
                db, "CREATE TABLE tickets (id INTEGER PRIMARY KEY, title TEXT, public INTEGER)"
            ),
            "table 'tickets' lacks column(s): description, severity, channel",
            id="missing-columns",
        ),
        pytest.param(lambda db: db.unlink(), "tickets database not found", id="missing-file"),
        pytest.param(
            lambda db: db.write_bytes(b"not a database, just text\n" * 200),
            "cannot read the tickets database: file is not a database",
            id="not-sqlite",
        ),
        pytest.param(lambda db: (db.unlink(), db.mkdir()), "tickets database not found", id="a-directory"),
    ],
)
def test_bad_tickets_database(site_factory: SiteFactory, damage: Callable[[Path], object], phrase: str) -> None:
    site = site_factory(tickets=[ticket(1)])
    damage(site / "content" / "tickets.db")
    assert_problem(check(site), f"{site}/content/tickets.db", phrase)


def test_deeply_nested_components_json(site_factory: SiteFactory) -> None:
    site = site_factory(tickets=[ticket(17, components="[" * 5000 + "]" * 5000)])
    assert_problem(check(site), f"{site}/content/tickets.db: ticket 17", "components")


@pytest.mark.parametrize("bad_id", ["abc", None, 1.5])
def test_non_integer_ticket_id(site_factory: SiteFactory, bad_id: object) -> None:
    site = site_factory()
    db = site / "content" / "tickets.db"
    row = ticket(1)
    columns = [name for name in row if not name.startswith("reporter_")]
    _recreate_tickets(db, f"CREATE TABLE tickets (id, {', '.join(columns[1:])})")
    connection = sqlite3.connect(db)
    with connection:
        connection.execute(
            f"INSERT INTO tickets ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [bad_id, *(row[name] for name in columns[1:])],
        )
    connection.close()
    result = check(site)
    assert result.exit_code == 1
    assert any(line.startswith(f"{db}: ") for line in problem_lines(result)), result.output


def test_a_missing_column_is_named(site_factory: SiteFactory) -> None:
    site = site_factory(tickets=[ticket(1)])
    db = site / "content" / "tickets.db"
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("ALTER TABLE tickets DROP COLUMN channel")
    connection.close()
    result = check(site)
    assert_problem(result, f"{site}/content/tickets.db", "table 'tickets' lacks column(s): channel")
    assert problem_lines(result) == [f"{site}/content/tickets.db: table 'tickets' lacks column(s): channel"]


# ------------------------------------------------------------------------------ many problems at once


def test_every_problem_is_reported_at_once_and_sorted(site_factory: SiteFactory) -> None:
    site = site_factory(
        incidents=[incident("x", severity="catastrophic")],
        maintenance=[maintenance("m", impact="total")],
        tickets=[ticket(1), ticket(17, status="open")],
    )
    result = check(site)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        f"{site}/content/incidents/x.md:4: {BAD_SEVERITY}",
        f"{site}/content/maintenance/m.md:6: {BAD_IMPACT}",
        f"{site}/content/tickets.db: ticket 17: {BAD_STATUS}",
        "3 problems found",
    ]


def test_problems_in_one_file_are_sorted_by_line(site_factory: SiteFactory) -> None:
    site = site_factory(
        incidents=[
            incident(
                "x", date="soon", severity="bad", components="[nope]", body=UPDATE.format(heading="## 2026-11-20 x")
            )
        ]
    )
    lines = problem_lines(check(site))
    assert [line.split(": ", 1)[0] for line in lines] == [f"{site}/content/incidents/x.md:{n}" for n in (3, 4, 5, 9)]


def test_paths_are_shown_as_the_site_was_named(site_factory: SiteFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    site = site_factory(incidents=[incident("x", severity="bad")])
    monkeypatch.chdir(site.parent)
    result = check(site.name)
    assert_problem(result, f"{site.name}/content/incidents/x.md:4", "unknown severity 'bad'")


def test_config_and_content_problems_are_reported_together(site_factory: SiteFactory) -> None:
    config = CONFIG.replace('hours = "24/7"', 'hours = "24/7"\nhuors = "24/7"')
    site = site_factory(config=config, incidents=[incident("x", severity="catastrophic")])
    result = check(site)
    assert_problem(result, f"{site}/statuspage.toml:{line_of(config, 'huors')}", "unknown key 'huors' in [support]")
    assert_problem(result, f"{site}/content/incidents/x.md:4", "unknown severity 'catastrophic'")


def test_link_to_an_invalid_ticket_reports_only_the_ticket(site_factory: SiteFactory) -> None:
    """The row is the problem; the link a build would drop with it is a warning."""
    site = site_factory(incidents=[incident("x", extra="tickets: [17]")], tickets=[ticket(17, status="open")])
    result = check(site)
    assert_problem(result, f"{site}/content/tickets.db: ticket 17", "unknown status 'open'")
    assert problem_lines(result) == [
        f"{site}/content/tickets.db: ticket 17: {BAD_STATUS}",
        f"warning: {site}/content/incidents/x.md:6: ticket 17 is left out (see its problems); "
        "the link to it is left out",
    ]


@pytest.mark.parametrize(
    ("files", "location", "phrase"),
    [
        pytest.param(
            {"incidents": [incident("x", extra="tickets: [99]")]},
            "incidents/x.md:6",
            "ticket 99 is not in the tickets database",
            id="missing-ticket",
        ),
        pytest.param(
            {"incidents": [incident("x", extra="tickets: [5]")]},
            "incidents/x.md:6",
            "ticket 5 is private",
            id="private-ticket",
        ),
        pytest.param(
            {"maintenance": [maintenance("m", extra="tickets: [5]")]},
            "maintenance/m.md:7",
            "ticket 5 is private",
            id="maintenance-private-ticket",
        ),
    ],
)
def test_a_link_to_a_ticket_that_is_not_published_is_a_warning(
    site_factory: SiteFactory, files: dict[str, Any], location: str, phrase: str
) -> None:
    """SPEC §6: the desk may make a ticket private at any time, so a build drops the link, and check only warns."""
    site = site_factory(tickets=[ticket(5, public=0)], **files)
    result = check(site)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: {site}/content/{location}: {phrase}; the link to it is left out"
    ], result.stderr
    assert result.stdout.startswith("OK: ")


# ------------------------------------------------------------------------------- what is not a problem


def _only_incident(site: Path) -> Any:
    (found,) = load_site(site).incidents
    return found


@pytest.mark.parametrize(
    "fence",
    [
        pytest.param("```", id="backticks"),
        pytest.param("~~~", id="tildes"),
        pytest.param("```text", id="backticks-info-string"),
    ],
)
def test_other_headings_and_fenced_code_are_content(site_factory: SiteFactory, fence: str) -> None:
    closing = fence[:3]
    body = (
        "Something broke.\n\n## Workaround\nUse the API.\n\n"
        f"{fence}\n## 2026-11-20T25:99 nonsense\n## 2026-11-20T10:00+01:00 resolved\n{closing}\n\n"
        "## 2026-11-20T09:30+01:00 identified\nWe found it.\n"
    )
    site = site_factory(incidents=[incident("x", body=body)])
    result = check(site)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: 1 incident,")
    found = _only_incident(site)
    assert [(u.status, u.origin.line) for u in found.updates] == [("identified", 17)]
    assert "Workaround" in found.body and "nonsense" in found.body and found.resolved is None


def test_longer_fence_is_not_closed_by_a_shorter_one(site_factory: SiteFactory) -> None:
    body = "Example:\n\n````\n```\n## 2026-11-20 fixed\n```\n````\n"
    site = site_factory(incidents=[incident("x", body=body)])
    result = check(site)
    assert result.exit_code == 0, result.output


def test_indented_fence_is_not_code_for_the_renderer(site_factory: SiteFactory) -> None:
    body = "Example:\n\n   ```\n## 2026-11-20 fixed\n   ```\n"
    site = site_factory(incidents=[incident("x", body=body)])
    assert_problem(check(site), f"{site}/content/incidents/x.md:10", "unknown update status 'fixed'")


def test_crlf_and_bom_are_accepted(site_factory: SiteFactory) -> None:
    site = site_factory()
    text = incident("x")[1]
    write(site / "content" / "incidents" / "x.md", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    write(site / "content" / "maintenance" / "m.md", b"\xef\xbb\xbf" + maintenance()[1].replace("\n", "\r\n").encode())
    result = check(site)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: 1 incident, 1 maintenance window,")
    found = _only_incident(site)
    assert found.title == "Web outage" and [(u.status, u.origin.line) for u in found.updates] == [("identified", 9)]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_numbers_survive_crlf_and_bom(site_factory: SiteFactory, newline: str) -> None:
    site = site_factory()
    text = incident("x", severity="bad", body=UPDATE.format(heading="## 2026-11-20 fixed"))[1]
    write(site / "content" / "incidents" / "x.md", b"\xef\xbb\xbf" + text.replace("\n", newline).encode())
    result = check(site)
    assert_problem(result, f"{site}/content/incidents/x.md:4", "unknown severity 'bad'")
    assert_problem(result, f"{site}/content/incidents/x.md:9", "unknown update status 'fixed'")


def test_valid_site_passes(site_factory: SiteFactory) -> None:
    site = site_factory(
        incidents=[incident("x", extra="tickets: [1]"), incident("x.en", title="Outage")],
        maintenance=[maintenance("m", extra="tickets: [1]\nrrule: FREQ=WEEKLY;COUNT=3")],
        tickets=[ticket(1, maintenance="m"), ticket(2, public=0)],
        languages=["sk", "en"],  # the translation is built: no warning
    )
    result = check(site)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout == "OK: 1 incident, 1 maintenance window, 1 public ticket\n"


def test_example_site_passes() -> None:
    result = check(REPO)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: ")


# --------------------------------------------------------------------------------- build refuses


def test_build_refuses_bad_input_and_keeps_the_previous_output(site_factory: SiteFactory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident("x")], maintenance=[maintenance("m")], tickets=[ticket(1)])
    out = tmp_path / "public"
    first = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert first.exit_code == 0, first.output
    before = snapshot(out)
    assert "index.html" in before

    write(site / "content" / "incidents" / "x.md", incident("x", severity="catastrophic")[1])
    connection = sqlite3.connect(site / "content" / "tickets.db")
    with connection:
        connection.execute("UPDATE tickets SET status = 'open'")
    connection.close()
    second = run("build", "--site", str(site), "--out", str(out), "--now", NOW)

    assert second.exit_code == 1
    assert "Traceback" not in second.output
    assert second.stderr == check(site).stderr  # the same report as check
    assert second.stderr.splitlines() == [
        f"{site}/content/incidents/x.md:4: {BAD_SEVERITY}",
        f"{site}/content/tickets.db: ticket 1: {BAD_STATUS}",
        "2 problems found",
    ]
    assert "Built" not in second.stdout
    assert snapshot(out) == before
    assert list(tmp_path.glob(".public.tmp-*")) == [] and list(tmp_path.glob(".public.old-*")) == []


def test_build_on_a_broken_config_writes_nothing(site_factory: SiteFactory, tmp_path: Path) -> None:
    site = site_factory(config=CONFIG.replace("[sla]", "[sla"))
    out = tmp_path / "public"
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert_problem(result, f"{site}/statuspage.toml:{line_of(CONFIG, '[sla]')}", "invalid TOML")
    assert not out.exists()
    assert list(tmp_path.glob(".public.tmp-*")) == []


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(lambda site: str(site), id="site"),
        pytest.param(lambda site: f"{site}/.", id="site-dot"),
        pytest.param(lambda site: f"{site}/content/..", id="site-via-content"),
        pytest.param(lambda site: str(site.parent), id="parent-of-site"),
        pytest.param(lambda site: str(site / "content"), id="content"),
        pytest.param(lambda site: str(site / "content" / "incidents"), id="incidents"),
    ],
)
def test_build_refuses_to_replace_the_sources(
    site_factory: SiteFactory, tmp_path: Path, spelling: Callable[[Path], str]
) -> None:
    site = site_factory(incidents=[incident("x")], tickets=[ticket(1)])
    before = snapshot(tmp_path)
    out = spelling(site)
    result = run("build", "--site", str(site), "--out", out, "--now", NOW)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr == f"Error: --out {Path(out)}: refusing to replace a directory that holds the site's sources\n"
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("where", "config"),
    [
        pytest.param(
            "data",
            CONFIG.replace('db = "content/tickets.db"', 'db = "data/tickets.db"'),
            id="folder-of-the-tickets-db",
        ),
        pytest.param(
            "templates",
            CONFIG,
            id="site-templates",
        ),
    ],
)
def test_build_refuses_other_source_folders(site_factory: SiteFactory, where: str, config: str) -> None:
    site = site_factory(config=config, incidents=[incident("x")], tickets=[ticket(1)])
    if where == "data":
        write(site / "data" / "tickets.db", (site / "content" / "tickets.db").read_bytes())
    else:
        write(site / "templates" / "footer.html", (REPO / "statuspage" / "templates" / "footer.html").read_text())
    before = snapshot(site)
    result = run("build", "--site", str(site), "--out", str(site / where), "--now", NOW)
    assert result.exit_code == 1, result.output
    assert "refusing to replace" in result.stderr
    assert snapshot(site) == before


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"incidents": [incident("x", date="0001-01-01T00:00:00+01:00")]}, id="incident-year-1"),
        pytest.param(
            {"incidents": [incident("x", date="9999-12-31T23:00:00-05:00", body="x\n")]}, id="incident-year-9999"
        ),
        pytest.param({"tickets": [ticket(1, reported_at="0001-01-01T00:00:00+01:00")]}, id="ticket-year-1"),
        pytest.param(
            {"incidents": [incident("x", body="x\n\n## 9999-12-31T23:00-05:00 resolved\nDone.\n")]},
            id="update-year-9999",
        ),
        pytest.param(
            {"maintenance": [maintenance("m", end="9999-12-31T23:00:00-05:00")]}, id="maintenance-end-year-9999"
        ),
    ],
)
def test_extreme_years_do_not_crash_the_build(site_factory: SiteFactory, tmp_path: Path, files: dict[str, Any]) -> None:
    site = site_factory(**files)
    result = run("build", "--site", str(site), "--out", str(tmp_path / "public"), "--now", NOW)
    assert "Traceback" not in result.output
    if result.exit_code != 0:  # refusing is fine, as long as it names the file
        assert result.exit_code == 1 and str(site) in result.stderr


# ------------------------------------------------------------------------------- content warnings


def test_a_translated_update_without_an_original_is_a_warning(site_factory: SiteFactory) -> None:
    """A translation's update that matches no update of the original is never shown: check says where it is."""
    translated = (
        "---\ntitle: Web outage (en)\n---\nSomething broke.\n\n"
        "## 2026-11-20T09:30+01:00 identified\nWe found it.\n\n"
        "## 2026-11-20T09:45+01:00 monitoring\nWatching it.\n"
    )
    site = site_factory(
        incidents=[incident("x")], files={"content/incidents/x.en.md": translated}, languages=["sk", "en"]
    )
    result = check(site)
    assert result.exit_code == 0, result.output
    line = line_of(translated, "09:45")
    assert result.stderr.splitlines() == [
        f"warning: {site}/content/incidents/x.en.md:{line}: update 2026-11-20T09:45+01:00 monitoring "
        f"has no update with the same time and status in {site}/content/incidents/x.md, so it is never shown"
    ], result.stderr


def test_a_translated_update_with_another_status_is_a_warning(site_factory: SiteFactory) -> None:
    translated = "---\ntitle: Wartung\n---\nText.\n\n## 2026-12-05T22:30+01:00 in_progress\nLäuft.\n"
    body = "We upgrade.\n\n## 2026-12-05T22:30+01:00 verifying\nChecking.\n"
    site = site_factory(maintenance=[maintenance("m", body=body)], files={"content/maintenance/m.en.md": translated})
    result = check(site)
    assert result.exit_code == 0, result.output
    assert f"warning: {site}/content/maintenance/m.en.md:6: update 2026-12-05T22:30+01:00 in_progress" in result.stderr


def test_an_unedited_scaffold_update_is_a_warning_in_check_and_build(site_factory: SiteFactory, tmp_path: Path) -> None:
    """``new incident`` writes hints as comments; published unedited, visitors see an empty update."""
    site = site_factory()
    made = run("new", "incident", "Slow API", "--site", str(site), "--components", "api", "--now", NOW)
    path = Path(made.output.strip().splitlines()[-1])
    text = path.read_text(encoding="utf-8")
    line = line_of(text, "## 2026-11-25")
    expected = (
        f"warning: {path}:{line}: update 2026-11-25T12:00+01:00 investigating has no text, only the writing hint "
        "that 'statuspage new' wrote: visitors would see an empty update"
    )
    result = check(site)
    assert result.exit_code == 0, result.output
    assert expected in result.stderr.splitlines(), result.stderr
    built = run("build", "--site", str(site), "--out", str(tmp_path / "out"), "--now", NOW)
    assert built.exit_code == 0, built.output
    assert expected in built.stderr.splitlines(), built.stderr
    rebuilt = run("build", "--site", str(site), "--out", str(tmp_path / "out"), "--now", NOW)  # from the parse cache
    assert expected in rebuilt.stderr.splitlines(), rebuilt.stderr
    path.write_text(text.replace("<!-- What is known so far", "Requests time out.\n<!-- "), encoding="utf-8")
    again = check(site)
    assert again.exit_code == 0 and "warning" not in again.stderr, again.stderr


def test_an_update_without_any_text_is_a_warning(site_factory: SiteFactory) -> None:
    body = "Something broke.\n\n## 2026-11-20T09:30+01:00 identified\n\n## 2026-11-20T09:40+01:00 monitoring\nOK.\n"
    site = site_factory(incidents=[incident("x", body=body)])
    result = check(site)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: {site}/content/incidents/x.md:9: update 2026-11-20T09:30+01:00 identified has no text: "
        "visitors would see an empty update"
    ], result.stderr


def test_counts_read_naturally(site_factory: SiteFactory) -> None:
    site = site_factory(incidents=[incident("x"), incident("y")], tickets=[ticket(1), ticket(2), ticket(3)])
    assert check(site).stdout == "OK: 2 incidents, 0 maintenance windows, 3 public tickets\n"
    (site / "content" / "incidents" / "y.md").write_text(incident("y", severity="bad")[1], encoding="utf-8")
    assert check(site).stderr.splitlines()[-1] == "1 problem found"
