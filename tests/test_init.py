"""``statuspage init``: a new site that check and build accept as it is, and refusals that are one clean line."""

from __future__ import annotations

import sqlite3
import tomllib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import NOW, REPO, run

EPOCH_OF_NOW = "1795604400"  # NOW as seconds since 1970: init dates its examples around it


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_OF_NOW)


@pytest.mark.parametrize("language", ["sk", "en"])
def test_init_writes_a_site_that_checks_and_builds(tmp_path: Path, language: str) -> None:
    site = tmp_path / "site"
    result = run("init", str(site), "--language", language)
    assert result.exit_code == 0, result.output

    files = sorted(str(path.relative_to(site)) for path in site.rglob("*") if path.is_file())
    assert "statuspage.toml" in files
    assert ".gitignore" in files
    assert ".github/workflows/status-page.yml" in files
    assert "tickets.db" in files and "tickets.public.json" in files  # the database beside its public snapshot
    assert [f for f in files if f.startswith("content/incidents/")] and [
        f for f in files if f.startswith("content/maintenance/")
    ]
    config = tomllib.loads((site / "statuspage.toml").read_text(encoding="utf-8"))
    assert config["site"]["language"] == language
    assert "# " in (site / "statuspage.toml").read_text(encoding="utf-8")  # commented for the operator

    check = run("check", "--site", str(site))
    assert check.exit_code == 0, check.output
    assert "1 incident, 1 maintenance window, 0 public tickets" in check.output

    build = run("build", "--site", str(site), "--now", NOW)
    assert build.exit_code == 0, build.output
    index = BeautifulSoup((site / "build" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert index.html is not None and index.html["lang"] == language
    assert len(list((site / "build" / "incidents").iterdir())) == 1
    assert len(list((site / "build" / "maintenance").iterdir())) == 1


def test_title_base_url_and_timezone_options(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = run(
        "init", str(site), "--title", 'Acme "Cloud" status', "--base-url", "https://acme.example/status",
        "--timezone", "America/New_York",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = tomllib.loads((site / "statuspage.toml").read_text(encoding="utf-8"))["site"]
    assert config == {
        "title": 'Acme "Cloud" status',
        "base_url": "https://acme.example/status/",
        "language": "en",
        "timezone": "America/New_York",
    }
    assert run("build", "--site", str(site), "--now", NOW).exit_code == 0
    page = BeautifulSoup((site / "build" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.title is not None and 'Acme "Cloud" status' in page.title.get_text()


def test_the_tickets_database_is_made_by_tickets_init(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert run("init", str(site)).exit_code == 0
    connection = sqlite3.connect(site / "tickets.db")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    count = connection.execute("SELECT count(*) FROM tickets").fetchone()[0]
    connection.close()
    assert "tickets" in tables and count == 0
    again = run("tickets", "init", "--site", str(site))  # the desk sees a database it made itself
    assert again.exit_code == 0, again.output


def test_the_workflow_is_the_one_in_the_deploy_docs(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert run("init", str(site)).exit_code == 0
    shipped = (site / ".github" / "workflows" / "status-page.yml").read_text(encoding="utf-8")
    assert shipped == (REPO / "docs" / "examples" / "github-pages.yml").read_text(encoding="utf-8"), (
        "statuspage/site_template/status-page.yml must be a copy of docs/examples/github-pages.yml"
    )
    ignored = (site / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/build/" in ignored


def test_init_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("init", str(site))
    assert result.exit_code == 1
    assert "not empty" in result.output and "Traceback" not in result.output
    assert sorted(path.name for path in site.iterdir()) == ["notes.txt"]


def test_init_accepts_an_existing_empty_directory(tmp_path: Path) -> None:
    site = tmp_path / "empty"
    site.mkdir()
    assert run("init", str(site)).exit_code == 0
    assert (site / "statuspage.toml").is_file()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--timezone", "Mars/Olympus", "unknown time zone"),
        ("--base-url", "status.example.com", "not an absolute http(s) URL"),
        ("--title", "  ", "must not be empty"),
        ("--language", "de", "Invalid value"),
    ],
)
def test_bad_options_are_one_clean_line(tmp_path: Path, option: str, value: str, message: str) -> None:
    site = tmp_path / "site"
    result = run("init", str(site), option, value)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert not site.exists()


def test_check_warns_while_base_url_is_the_placeholder_init_wrote(tmp_path: Path) -> None:
    placeholder, real = tmp_path / "placeholder", tmp_path / "real"
    assert run("init", str(placeholder)).exit_code == 0
    assert run("init", str(real), "--base-url", "https://status.acme.example/").exit_code == 0

    warned = run("check", "--site", str(placeholder))
    assert warned.exit_code == 0, warned.output  # a warning, not an error: a new site still builds
    config = placeholder / "statuspage.toml"
    line = next(
        n for n, text in enumerate(config.read_text(encoding="utf-8").splitlines(), 1) if text.startswith("base_url")
    )
    assert f"warning: {config}:{line}: base_url is still the placeholder https://status.example.com/" in warned.stderr
    assert "warning" not in run("check", "--site", str(real)).output


def test_a_new_site_keeps_the_tickets_database_out_of_git_and_commits_its_public_snapshot(tmp_path: Path) -> None:
    """Real git: what `git add -A` in a new site takes, and what a clean clone of it builds from."""
    import json

    from conftest import git

    site = tmp_path / "site"
    assert run("init", str(site)).exit_code == 0
    git(site, "init", "-q")
    git(site, "add", "-A")
    tracked = git(site, "ls-files").splitlines()
    assert "tickets.public.json" in tracked
    assert not [name for name in tracked if name.endswith((".db", ".db-wal", ".db-shm"))], tracked
    assert json.loads((site / "tickets.public.json").read_text(encoding="utf-8"))["tickets"] == []
    git(site, "commit", "-q", "-m", "A new status page")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(site), str(clone))
    assert not (clone / "tickets.db").exists()
    assert run("check", "--site", str(clone)).exit_code == 0
    built = run("build", "--site", str(clone), "--now", NOW)
    assert built.exit_code == 0, built.output
