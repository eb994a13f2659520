"""``statuspage import cstate|statusfy``: other tools' sites become complete statuspage sites.

The fixtures under tests/fixtures/ are small sites written in each tool's documented formats.
Each import must pass ``check`` and build, with the incidents, their resolution times,
severities and affected components carried over, and must list what it could not map.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from conftest import NOW, REPO, run, ticket, write_tickets

from statuspage.importers.jsobject import JsLiteralError, Unsupported, read_exported_object

FIXTURES = REPO / "tests" / "fixtures"


def imported(tmp_path: Path, kind: str, *extra: str, source: Path | None = None) -> tuple[Path, str]:
    """Import a fixture (or ``source``) into a fresh site; returns the site and the command's output."""
    site = tmp_path / f"{kind}-site"
    result = run("import", kind, str(source or FIXTURES / kind), "--site", str(site), *extra)
    assert result.exit_code == 0, result.output
    return site, result.output


def built(site: Path, tmp_path: Path) -> Path:
    out = tmp_path / f"{site.name}-build"
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    return out


def api(out: Path, name: str) -> Any:
    return json.loads((out / "api" / "v2" / name).read_text(encoding="utf-8"))


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


def copy_fixture(tmp_path: Path, kind: str) -> Path:
    source = tmp_path / f"{kind}-source"
    shutil.copytree(FIXTURES / kind, source)
    return source


# --------------------------------------------------------------------------- cState


def test_cstate_site_imports_checks_and_builds(tmp_path: Path) -> None:
    site, output = imported(tmp_path, "cstate")
    assert "Imported 6 incidents, 0 maintenance windows and 5 components from cState" in output
    assert "OK: statuspage check passes" in output
    assert run("check", "--site", str(site)).exit_code == 0

    config = tomllib.loads((site / "statuspage.toml").read_text(encoding="utf-8"))
    assert config["site"] == {
        "title": "Example Cloud Status",
        "base_url": "https://status.example-cloud.test/",
        "language": "en",
        "languages": ["en", "sk"],  # the source translates an incident into Slovak: built too
        "timezone": "UTC",
    }
    components = {c["id"]: (c["name"], c.get("group"), c.get("description")) for c in config["components"]}
    assert components == {
        "web-app": ("Web App", "Core", "The dashboard customers sign in to."),
        "public-api": ("Public API", "Core", None),
        "media-cdn": ("Media CDN", "Edge", "Serves images, audio and video."),
        "notification-emails": ("Notification Emails", None, None),  # an untitled category: no heading
        "legacy-mailer": ("Legacy Mailer", None, None),  # used by an issue, missing from config.yml
    }

    out = built(site, tmp_path)
    incidents = by_name(api(out, "incidents.json")["incidents"])
    assert set(incidents) == {
        "Slow responses from the API",
        "Dashboard and media unavailable",
        "New data centre in Frankfurt",
        "Stale images after updates",
        "Delayed notification emails",
        "Backups paused",
    }  # the draft is left out
    latency = incidents["Slow responses from the API"]
    assert (latency["impact"], latency["created_at"], latency["resolved_at"]) == (
        "major",  # disrupted
        "2024-03-02T09:15:00.000+00:00",
        "2024-03-02T11:02:00.000+00:00",  # resolvedWhen
    )
    assert [c["id"] for c in latency["components"]] == ["public-api"]
    assert [u["status"] for u in latency["incident_updates"]] == [
        "resolved",
        "monitoring",
        "identified",
        "investigating",
    ]
    assert latency["incident_updates"][-1]["body"].startswith("Some API requests take several seconds")

    down = incidents["Dashboard and media unavailable"]
    assert down["impact"] == "critical"  # down
    assert down["resolved_at"] == "2024-05-11T22:10:00.000+00:00"  # written with +02:00 in the source
    assert sorted(c["id"] for c in down["components"]) == ["media-cdn", "web-app"]

    notice = incidents["New data centre in Frankfurt"]
    assert notice["impact"] == "none" and notice["resolved_at"] is not None  # informational
    ongoing = incidents["Stale images after updates"]
    assert ongoing["resolved_at"] is None and ongoing["impact"] == "none"  # resolved: false, severity notice
    bundle = incidents["Backups paused"]  # TOML front matter with capitalised keys, in a page bundle
    assert (bundle["impact"], bundle["resolved_at"]) == ("none", "2024-09-02T03:30:00.000+00:00")
    fixed = incidents["Delayed notification emails"]
    assert fixed["resolved_at"] == "2024-08-20T09:10:00.000+00:00"  # from the newest update: no resolvedWhen

    pinned = (site / "content" / "incidents" / "2024-06-01-maintenance-notice.md").read_text(encoding="utf-8")
    assert "pin: true" in pinned
    translation = site / "content" / "incidents" / "2024-03-02-api-latency.sk.md"
    assert 'title: "Pomalé odpovede API"' in translation.read_text(encoding="utf-8")


def test_cstate_notes_say_what_could_not_be_mapped(tmp_path: Path) -> None:
    _, output = imported(tmp_path, "cstate")
    for expected in (
        "category 'Edge': closed has no statuspage equivalent",
        "system 'Media CDN': link has no statuspage equivalent",
        "'Legacy Mailer' is not a system in config.yml: added as component 'legacy-mailer'",
        "2024-07-15-cdn-cache.md: a status paragraph has no {{< track >}} time",
        "2024-07-15-cdn-cache.md: resolvedWhen is set but resolved is not true",
        "2024-08-20-email-delays.md: front matter key 'tags'",
        "Hugo shortcodes other than track are not supported",
        "2024-10-05-draft.md: draft: not imported",
        "2024-06-01-maintenance-notice.md: no affected systems: listed under every component",
    ):
        assert expected in output, expected


def test_cstate_components_without_a_category_never_sit_under_a_heading(tmp_path: Path) -> None:
    """cState shows systems by category; on our page a component after a group would read as part of it."""
    site, output = imported(tmp_path, "cstate", source=FIXTURES / "cstate-quirks")
    config = tomllib.loads((site / "statuspage.toml").read_text(encoding="utf-8"))
    order = [(c["id"], c.get("group")) for c in config["components"]]
    assert order == [("mailer", None), ("search", None), ("website", "Core"), ("api", "Core")]
    assert "components without a category are listed first" in output
    page = BeautifulSoup((built(site, tmp_path) / "index.html").read_text(encoding="utf-8"), "html.parser")
    section = page.select_one("section[aria-labelledby=components-h]")
    assert section is not None
    heading_of = {}
    for item in section.select("ul.components > li"):
        heading = item.find_parent("ul").find_previous_sibling("h3")
        heading_of[item.select_one("a").get_text()] = heading.get_text() if heading else None
    assert heading_of == {"Mailer": None, "Search": None, "Website": "Core", "API": "Core"}
    assert [h3.get_text() for h3 in section.select("h3")] == ["Core"]


def test_cstate_incident_starts_at_its_date(tmp_path: Path) -> None:
    """A three-minute outage stays three minutes long when a track time was copied from an older issue."""
    site, output = imported(tmp_path, "cstate", source=FIXTURES / "cstate-quirks")
    incidents = by_name(api(built(site, tmp_path), "incidents.json")["incidents"])
    blip = incidents["Sign-in failed for three minutes"]
    assert (blip["created_at"], blip["resolved_at"]) == (
        "2024-10-05T14:00:00.000+00:00",
        "2024-10-05T14:03:00.000+00:00",
    )
    assert [(u["status"], u["created_at"]) for u in blip["incident_updates"]] == [
        ("resolved", "2024-10-05T14:03:00.000+00:00"),
        ("investigating", "2024-10-05T14:00:00.000+00:00"),
    ]
    assert (
        "2024-10-05-login-blip.md: the update of 2024-05-05T14:01:00+00:00 is older than date "
        "(2024-10-05T14:00:00+00:00): dated at date" in output
    )


def test_cstate_separators_are_neither_summary_nor_headings(tmp_path: Path) -> None:
    """``---`` between cState's updates separates them; kept, it became the summary or underlined an update."""
    site, _ = imported(tmp_path, "cstate", source=FIXTURES / "cstate-quirks")
    written = (site / "content" / "incidents" / "2024-10-06-slow-search.md").read_text(encoding="utf-8")
    body = written.split("---\n", 2)[2]
    assert body.startswith("\n## 2024-10-06T09:00:00+00:00 resolved\nSearch answers quickly again.\n"), body
    for line in body.splitlines():
        assert line.strip() not in ("---", "***", "- - -"), body
    page = (built(site, tmp_path) / "incidents" / "2024-10-06-slow-search" / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one("main hr") is None
    assert "Search answers quickly again." in [p.get_text() for p in soup.select("main p")]


def test_import_counts_read_naturally(tmp_path: Path) -> None:
    source = copy_fixture(tmp_path, "cstate-quirks")
    (source / "content" / "issues" / "2024-10-06-slow-search.md").unlink()
    _, output = imported(tmp_path, "cstate", source=source)
    assert "Imported 1 incident, 0 maintenance windows and 4 components from cState" in output


def test_cstate_every_skipped_file_is_in_the_notes(tmp_path: Path) -> None:
    _, output = imported(tmp_path, "cstate", source=FIXTURES / "cstate-quirks")
    content = FIXTURES / "cstate-quirks" / "content"
    for path, why in (
        (content / "_index.md", "not an issue (only content/issues/ holds issues): not imported"),
        (content / "about.md", "not an issue (only content/issues/ holds issues): not imported"),
        (content / "issues" / "_index.md", "Hugo's list page of the issues: not imported"),
        (content / "issues" / "notes.txt", "not a Markdown issue: not imported"),
        (content / "issues" / "2024-04-01-old-bundle" / "cover.txt", "a folder without index.md: not imported"),
        (
            content / "issues" / "2024-10-09-orphan.sk.md",
            "a translation of 2024-10-09-orphan, which is missing or left out: not imported",
        ),
    ):
        assert f"{path}: {why}" in output, f"{path}: {why}"


def test_cstate_page_bundle_translation_and_resources(tmp_path: Path) -> None:
    source = copy_fixture(tmp_path, "cstate-quirks")
    bundle = source / "content" / "issues" / "2024-10-07-bundle"
    bundle.mkdir()
    front = "date: 2024-10-07 10:00:00\nresolved: true\nresolvedWhen: 2024-10-07 10:30:00\nseverity: notice\n"
    (bundle / "index.md").write_text(f"---\ntitle: Bundled\n{front}---\nText.\n", encoding="utf-8")
    (bundle / "index.sk.md").write_text("---\ntitle: Zväzok\n---\nText po slovensky.\n", encoding="utf-8")
    (bundle / "chart.png").write_bytes(b"\x89PNG")
    site, output = imported(tmp_path, "cstate", source=source)
    translated = site / "content" / "incidents" / "2024-10-07-bundle.sk.md"
    assert 'title: "Zväzok"' in translated.read_text(encoding="utf-8")
    assert f"{bundle / 'chart.png'}: a resource of the page bundle 2024-10-07-bundle: not imported" in output


# --------------------------------------------------------------------------- Statusfy


def test_statusfy_site_imports_checks_and_builds(tmp_path: Path) -> None:
    site, output = imported(tmp_path, "statusfy")
    assert "Imported 3 incidents, 2 maintenance windows and 4 components from Statusfy" in output
    assert run("check", "--site", str(site)).exit_code == 0

    config = tomllib.loads((site / "statuspage.toml").read_text(encoding="utf-8"))
    assert config["site"]["title"] == "Example Cloud"
    assert config["site"]["base_url"] == "https://status.example-cloud.test/"
    assert [(c["id"], c["name"]) for c in config["components"]] == [
        ("api", "API"),
        ("cdn", "CDN"),
        ("site-delivery", "Site delivery"),
        ("conversions", "conversions"),
    ]
    assert config["components"][0]["description"] == "Endpoints for developers"

    out = built(site, tmp_path)
    incidents = by_name(api(out, "incidents.json")["incidents"])
    assert set(incidents) == {"File conversions failing", "API unavailable", "Slow CDN in Asia"}
    conversions = incidents["File conversions failing"]  # YAML front matter
    assert (conversions["impact"], conversions["resolved_at"]) == ("minor", "2024-02-10T10:15:00.000+00:00")
    assert [u["status"] for u in conversions["incident_updates"]] == ["resolved", "monitoring", "investigating"]
    outage = incidents["API unavailable"]  # JSON front matter, resolved without a Resolved update: modified
    assert (outage["impact"], outage["resolved_at"]) == ("critical", "2024-03-05T18:05:00.000+00:00")
    assert sorted(c["id"] for c in outage["components"]) == ["api", "site-delivery"]
    partial = incidents["Slow CDN in Asia"]  # TOML front matter, still open
    assert (partial["impact"], partial["resolved_at"], partial["status"]) == ("major", None, "identified")

    windows = by_name(api(out, "scheduled-maintenances.json")["scheduled_maintenances"])
    upgrade = windows["Database upgrade"]
    assert (upgrade["scheduled_for"], upgrade["scheduled_until"]) == (
        "2024-06-15T22:00:00.000+00:00",
        "2024-06-16T00:00:00.000+00:00",  # scheduled + 120 minutes
    )
    assert upgrade["status"] == "completed"
    assert sorted(c["id"] for c in upgrade["components"]) == ["api", "conversions"]
    upcoming = by_name(api(out, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"])
    assert upcoming["Network maintenance"]["scheduled_until"] == "2026-12-10T22:30:00.000+00:00"

    translation = (site / "content" / "incidents" / "2024-02-10-conversion-errors.sk.md").read_text(encoding="utf-8")
    assert "Zlyhávajúce konverzie súborov" in translation and "language code" not in translation
    assert tomllib.loads((site / "statuspage.toml").read_text(encoding="utf-8"))["site"]["languages"] == ["en", "sk"]
    slovak = (out / "sk" / "incidents" / "2024-02-10-conversion-errors" / "index.html").read_text(encoding="utf-8")
    assert "Zlyhávajúce konverzie súborov" in slovak  # the translation is published


def test_statusfy_notes_say_what_could_not_be_mapped(tmp_path: Path) -> None:
    _, output = imported(tmp_path, "statusfy")
    for expected in (
        "system 'conversions' has no title in the locale file",
        "id 3f9a21c7: the address changes",
        "container '::: tip' is not supported",
        "locale 'es': statuspage translates only into sk or en; 1 translated file not imported",
    ):
        assert expected in output, expected


def test_statusfy_yaml_config_and_language_options(tmp_path: Path) -> None:
    source = copy_fixture(tmp_path, "statusfy")
    (source / "config.js").unlink()
    (source / "config.yml").write_text(
        "title: Example Cloud\nbaseUrl: /\ndefaultLocale: sk\nlocales:\n  - code: sk\n"
        "content:\n  systems: [api, cdn, site-delivery, conversions]\n",
        encoding="utf-8",
    )
    site, output = imported(tmp_path, "statusfy", "--timezone", "Europe/Bratislava", source=source)
    config = tomllib.loads((site / "statuspage.toml").read_text(encoding="utf-8"))["site"]
    assert (config["language"], config["timezone"]) == ("sk", "Europe/Bratislava")
    assert config["base_url"] == "https://status.example.com/"
    assert "baseUrl '/' is not an absolute URL" in output
    text = (site / "content" / "incidents" / "2024-02-10-conversion-errors.md").read_text(encoding="utf-8")
    assert "date: 2024-02-10T09:05:00+01:00" in text  # shown in the chosen zone, same instant


# --------------------------------------------------------------------------- safety and bad input


def test_import_never_replaces_files_without_force(tmp_path: Path) -> None:
    site, _ = imported(tmp_path, "cstate")
    config = site / "statuspage.toml"
    config.write_text(config.read_text(encoding="utf-8") + "# my edit\n", encoding="utf-8")
    again = run("import", "cstate", str(FIXTURES / "cstate"), "--site", str(site))
    assert again.exit_code == 1
    assert "already exist; use --force" in again.output and "Traceback" not in again.output
    assert config.read_text(encoding="utf-8").endswith("# my edit\n")
    forced = run("import", "cstate", str(FIXTURES / "cstate"), "--site", str(site), "--force")
    assert forced.exit_code == 0, forced.output
    assert not config.read_text(encoding="utf-8").endswith("# my edit\n")


def test_a_tickets_database_already_in_the_site_is_kept(tmp_path: Path) -> None:
    site = tmp_path / "site"
    database = site / "tickets.db"  # where init and import put it: out of git
    write_tickets(database, [ticket(7, components='["api"]')])
    before = database.read_bytes()
    result = run("import", "statusfy", str(FIXTURES / "statusfy"), "--site", str(site))
    assert result.exit_code == 0, result.output
    assert database.read_bytes() == before
    assert "1 public ticket" in run("check", "--site", str(site)).output


CSTATE_ISSUE = "---\ntitle: X\ndate: 2024-01-01\nseverity: down\n---\n"
STATUSFY_INCIDENT = "---\ntitle: X\ndate: 2024-01-01T00:00:00Z\nseverity: major-outage\n---\n"
BROKEN_SOURCES = [
    ("cstate", "config.yml", "title: [unclosed\n", "config.yml:2: malformed YAML"),
    ("cstate", "content/issues/2024-03-02-api-latency.md", "---\ntitle: x\n", "front matter is not closed"),
    (
        "cstate",
        "content/issues/bad-severity.md",
        CSTATE_ISSUE.replace("down", "meh"),
        "bad-severity.md:4: unknown severity 'meh' (expected down | disrupted | notice)",
    ),
    ("cstate", "content/issues/no-date.md", "---\ntitle: X\nseverity: down\n---\n", "no-date.md:1: date is required"),
    (
        "cstate",
        "content/issues/bad-track.md",
        CSTATE_ISSUE + '*Investigating* - x {{< track "yesterday" >}}\n',
        "bad-track.md: track shortcode: bad time 'yesterday'",
    ),
    ("statusfy", "config.js", "module.exports = { systems: [1, 2 }\n", "config.js:1: cannot read the configuration"),
    ("statusfy", "content/bad.md", '---json\n{ "title": "x",, }\n---\n', "bad.md:2: malformed JSON"),
    ("statusfy", "content/bad.md", "---toml\ntitle = \n---\n", "bad.md:2: malformed TOML"),
    ("statusfy", "content/bad.md", STATUSFY_INCIDENT.replace("major-outage", "on-fire"), "bad.md:4: unknown severity"),
    (
        "statusfy",
        "content/bad.md",
        STATUSFY_INCIDENT + "\n::: update Resolved | soon\nok\n:::\n",
        "bad.md:7: update: bad time 'soon'",
    ),
    (
        "statusfy",
        "content/bad.md",
        STATUSFY_INCIDENT.replace("major-outage", "under-maintenance\nduration: long"),
        "bad.md:5: duration must be a number of minutes",
    ),
    ("statusfy", "content/bad.md", "\xff\xfe not text", "bad.md: not UTF-8 text"),
]


@pytest.mark.parametrize(("kind", "path", "text", "expected"), BROKEN_SOURCES)
def test_a_broken_source_is_reported_and_nothing_is_written(
    tmp_path: Path, kind: str, path: str, text: str, expected: str
) -> None:
    source = copy_fixture(tmp_path, kind)
    target = source / path
    if text.startswith("\xff"):
        target.write_bytes(text.encode("latin-1"))
    else:
        target.write_text(text, encoding="utf-8")
    site = tmp_path / "site"
    result = run("import", kind, str(source), "--site", str(site))
    assert result.exit_code == 1, result.output
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert not site.exists()


@pytest.mark.parametrize("kind", ["cstate", "statusfy"])
def test_a_directory_that_is_no_such_site(tmp_path: Path, kind: str) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("import", kind, str(empty), "--site", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert f"is this a {'cState' if kind == 'cstate' else 'Statusfy'} site?" in result.output


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    result = run("import", "cstate", str(FIXTURES / "cstate"), "--site", str(tmp_path / "s"), "--timezone", "Mars/Base")
    assert result.exit_code == 1 and "--timezone: unknown time zone 'Mars/Base'" in result.output
    assert not (tmp_path / "s").exists()


def test_a_missing_source_is_a_usage_error(tmp_path: Path) -> None:
    result = run("import", "cstate", str(tmp_path / "nowhere"), "--site", str(tmp_path / "site"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_foreign_text_cannot_forge_our_updates(tmp_path: Path) -> None:
    """A source heading that starts with a date would open an update in our format: it is demoted."""
    source = copy_fixture(tmp_path, "statusfy")
    (source / "content" / "dated.md").write_text(
        "---\ntitle: Dated heading\ndate: 2024-01-01T00:00:00Z\nseverity: major-outage\naffectedsystems: [api]\n"
        "resolved: true\n---\n## 2024-01-01 timeline\nText.\n\n::: update Resolved | 2024-01-01T02:00:00Z\n"
        "## 2024-01-01 inside an update\nDone.\n:::\n",
        encoding="utf-8",
    )
    site, _ = imported(tmp_path, "statusfy", source=source)
    text = (site / "content" / "incidents" / "2024-01-01-dated.md").read_text(encoding="utf-8")
    assert "### 2024-01-01 timeline" in text and "### 2024-01-01 inside an update" in text
    assert run("check", "--site", str(site)).exit_code == 0


# --------------------------------------------------------------------------- reading config.js without JavaScript


def test_js_object_literals_are_read_as_data() -> None:
    value = read_exported_object(
        """
        // comment with 'quotes' and { braces }
        const path = require('path')
        module.exports = {
          title: 'It\\'s "fine"',  /* block
          comment */
          "quoted-key": `template`,
          numbers: [1, -2, 3.5, 0x10, 1e3,],
          nested: { yes: true, no: false, nothing: null, undef: undefined },
          dir: path.join(__dirname, 'content'),
          env: process.env.BASE_URL || '/',
          shorthand,
          ...spread,
          method() { return { a: 1 } },
          arrow: () => ({ b: 2 }),
          unicode: 'Espa\\u00f1ol',
        }
        """
    )
    assert value["title"] == 'It\'s "fine"'
    assert value["quoted-key"] == "template"
    assert value["numbers"] == [1, -2, 3.5, 16, 1000.0]
    assert value["nested"] == {"yes": True, "no": False, "nothing": None, "undef": None}
    assert value["unicode"] == "Español"
    for key in ("dir", "env", "shorthand", "arrow"):
        assert isinstance(value[key], Unsupported), key
    assert value["dir"].source == "path.join(__dirname, 'content')" and value["dir"].line == 10


def test_js_exports_by_name_and_es_modules() -> None:
    assert read_exported_object("const config = {\n  title: 'A'\n}\nmodule.exports = config\n") == {"title": "A"}
    assert read_exported_object("export default { title: 'B' };") == {"title": "B"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("module.exports = { title: 'x", "unterminated string"),
        ("module.exports = { a: [1, 2 }", "expected ',' or ']'"),
        ("module.exports = {", "ends in the middle"),
        ("var config = { a: 1 }", "no 'module.exports"),
        ("/* never closed", "unterminated comment"),
    ],
)
def test_js_that_cannot_be_read_says_where(text: str, message: str) -> None:
    with pytest.raises(JsLiteralError, match=message):
        read_exported_object(text)
