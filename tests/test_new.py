"""``statuspage new``: scaffolded files are correctly named and dated, and ``check`` accepts them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from conftest import NOW, run

from statuspage.sources.scaffold import slugify
from statuspage.sources.site import load_site

MAX_CUT = "velmi-dlhy-nazov-incidentu-ktory-by-v-adrese-stranky-zaberal"  # cut at a word, <= 60 characters

ONE_COMPONENT = """\
[site]
title = "Solo"
base_url = "https://status.test/"
language = "en"
timezone = "Europe/Bratislava"

[[components]]
id = "web"
name = "Web"
"""


def created(result_output: str) -> Path:
    return Path(result_output.strip().splitlines()[-1])


def test_new_incident_is_valid_dated_and_named_from_the_title(site_factory) -> None:
    site = site_factory()
    result = run(
        "new", "incident", "Prihlásenie zlyháva: kód 500", "--site", str(site),
        "--severity", "major", "--components", "web,api", "--now", NOW,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    path = created(result.output)
    assert path == site / "content" / "incidents" / "2026-11-25-prihlasenie-zlyhava-kod-500.md"
    assert run("check", "--site", str(site)).exit_code == 0
    (found,) = load_site(site).incidents
    assert found.title == "Prihlásenie zlyháva: kód 500"
    assert found.start == datetime.fromisoformat(NOW)
    assert found.severity.value == "major" and found.components == ("web", "api")
    assert [(u.time, u.status) for u in found.updates] == [(datetime.fromisoformat(NOW), "investigating")]
    assert found.resolved is None


def test_new_maintenance_is_valid_and_named_by_its_start(site_factory) -> None:
    site = site_factory()
    result = run(
        "new", "maintenance", "Inovácia publikačnej siete", "--site", str(site),
        "--start", "2026-12-05 22:00", "--end", "2026-12-06T02:00:00+01:00",
        "--components", "cdn", "--impact", "partial", "--now", NOW,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    path = created(result.output)
    assert path == site / "content" / "maintenance" / "2026-12-05-inovacia-publikacnej-siete.md"
    assert run("check", "--site", str(site)).exit_code == 0
    (found,) = load_site(site).maintenance
    assert found.start == datetime.fromisoformat("2026-12-05T22:00:00+01:00")  # site time zone
    assert found.end == datetime.fromisoformat("2026-12-06T02:00:00+01:00")
    assert found.impact.value == "partial" and found.components == ("cdn",)
    assert [(u.time, u.status) for u in found.updates] == [(datetime.fromisoformat(NOW), "scheduled")]


def test_built_page_of_a_new_incident(site_factory, tmp_path: Path) -> None:
    site = site_factory()
    run("new", "incident", "Pomalé API", "--site", str(site), "--components", "api", "--now", NOW)
    out = tmp_path / "out"
    assert run("build", "--site", str(site), "--out", str(out), "--now", NOW).exit_code == 0
    page = (out / "incidents" / "2026-11-25-pomale-api" / "index.html").read_text(encoding="utf-8")
    assert "Pomalé API" in page and "<!--" not in page  # the writing hints never reach visitors


def test_new_refuses_to_overwrite(site_factory) -> None:
    site = site_factory()
    args = ("new", "incident", "Výpadok", "--site", str(site), "--components", "web", "--now", NOW)
    first = run(*args)
    path = created(first.output)
    path.write_text(path.read_text(encoding="utf-8") + "\nEdited by hand.\n", encoding="utf-8")
    second = run(*args)
    assert second.exit_code == 1
    assert "already exists" in second.output and "Traceback" not in second.output
    assert path.read_text(encoding="utf-8").endswith("Edited by hand.\n")


def test_new_refuses_a_slug_the_other_kind_has(site_factory) -> None:
    site = site_factory()
    run("new", "incident", "Sieť", "--site", str(site), "--components", "web", "--now", "2026-12-05T10:00")
    result = run(
        "new", "maintenance", "Sieť", "--site", str(site), "--components", "web",
        "--start", "2026-12-05T22:00", "--end", "2026-12-05T23:00",
    )  # fmt: skip
    assert result.exit_code == 1 and "already has the slug" in result.output


def test_components_default_only_when_the_site_has_one(site_factory) -> None:
    solo = site_factory(config=ONE_COMPONENT)
    assert run("new", "incident", "Down", "--site", str(solo), "--now", NOW).exit_code == 0
    many = site_factory()
    result = run("new", "incident", "Down", "--site", str(many), "--now", NOW)
    assert result.exit_code == 1 and "--components is required" in result.output and "web, api, cdn" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("incident", "X", "--components", "web,nope"), "unknown nope"),
        (("incident", "X", "--components", " , "), "at least one"),
        (("incident", "   ", "--components", "web"), "must not be empty"),
        (("incident", "X", "--components", "web", "--severity", "huge"), "Invalid value for '--severity'"),
        (("incident", "X", "--components", "web", "--now", "yesterday"), "--now: bad time"),
        (("maintenance", "X", "--components", "web", "--start", "tomorrow", "--end", "2026-12-01"), "--start: bad"),
        (("maintenance", "X", "--components", "web", "--start", "2026-12-02", "--end", "2026-12-01"), "after --start"),
        (("maintenance", "X", "--components", "web", "--start", "2026-12-02"), "Missing option '--end'"),
    ],
)
def test_bad_options_are_clean_errors(site_factory, args: tuple[str, ...], message: str) -> None:
    site = site_factory()
    result = run("new", *args, "--site", str(site))
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    written = [*(site / "content" / "incidents").iterdir(), *(site / "content" / "maintenance").iterdir()]
    assert written == []


def test_new_in_a_directory_that_is_not_a_site(tmp_path: Path) -> None:
    result = run("new", "incident", "X", "--site", str(tmp_path))
    assert result.exit_code == 1 and "statuspage.toml" in result.output


@pytest.mark.parametrize(
    "title",
    ['Quote " and colon: here', "# not a comment", "yes", "2026-11-20", "[web]", "- dash", "{brace}", "@at", "'single"],
)
def test_any_one_line_title_survives_the_front_matter(site_factory, title: str) -> None:
    site = site_factory()
    # "--" ends the options, so a title may even start with a dash
    result = run("new", "incident", "--site", str(site), "--components", "web", "--now", NOW, "--", title)
    assert result.exit_code == 0, result.output
    (found,) = load_site(site).incidents
    assert found.title == title


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Prihlásenie zlyháva", "prihlasenie-zlyhava"),
        ("Ťažký výpadok: ďalší účet, ľad, ôsmy, äno, ŕba, ĺn, ňa", "tazky-vypadok-dalsi-ucet-lad-osmy-ano-rba-ln-na"),
        ("Veľmi dlhý názov incidentu, ktorý by v adrese stránky zaberal príliš veľa miesta", MAX_CUT),
        ("  API --- 500!!  ", "api-500"),
        ("Straße Łódź", "strasse-lodz"),
        ("!!!", "incident"),
        ("数据库", "incident"),
    ],
)
def test_slugs_are_ascii(title: str, slug: str) -> None:
    assert slugify(title, "incident") == slug
