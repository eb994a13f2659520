"""Git provenance: first published and last edited, from a real repository with fixed commit dates."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import NOW, incident, maintenance, run

from statuspage.sources.provenance import read_provenance

T1 = "2026-11-01T10:00:00+01:00"
T2 = "2026-11-10T10:00:00+01:00"
T3 = "2026-11-30T10:00:00+01:00"  # after NOW


def commit_at(site: Path, when: str, message: str = "edit") -> None:
    """Commit everything in ``site`` with both git dates fixed."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Admin",
        "GIT_AUTHOR_EMAIL": "admin@example.test",
        "GIT_COMMITTER_NAME": "Admin",
        "GIT_COMMITTER_EMAIL": "admin@example.test",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    if not (site / ".git").exists():
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=site, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=site, check=True, env=env)
    subprocess.run(["git", "-c", "commit.gpgsign=false", "commit", "-q", "-m", message], cwd=site, check=True, env=env)


def build(site: Path, out: Path, *options: str, now: str = NOW) -> Path:
    result = run("build", "--site", str(site), "--out", str(out), "--now", now, "--git-provenance", *options)
    assert result.exit_code == 0, result.output
    return out


def publication(out: Path, kind: str, slug: str) -> str | None:
    page = BeautifulSoup((out / kind / slug / "index.html").read_text(encoding="utf-8"), "html.parser")
    found = page.select_one(".publication")
    return None if found is None else " ".join(found.get_text().split())


def times(out: Path, kind: str, slug: str) -> list[str]:
    page = BeautifulSoup((out / kind / slug / "index.html").read_text(encoding="utf-8"), "html.parser")
    return [tag["datetime"] for tag in page.select(".publication time")]


def feed_entry(out: Path, slug: str) -> feedparser.FeedParserDict:
    feed = feedparser.parse((out / "feeds" / "all.atom").read_bytes())
    return next(entry for entry in feed.entries if entry.id.rstrip("/").endswith(slug))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def repo_site(site_factory) -> Callable[..., Path]:
    """A site committed at T1, then its incident edited at T2."""

    def make(**kwargs: object) -> Path:
        site = site_factory(
            incidents=[incident("edited", title="Edited later", resolved="2026-11-20T11:00:00+01:00")],
            maintenance=[maintenance("announced")],
            language="en",
            **kwargs,
        )
        commit_at(site, T1, "first")
        path = site / "content" / "incidents" / "edited.md"
        path.write_text(path.read_text(encoding="utf-8") + "\nA typo fixed.\n", encoding="utf-8")
        commit_at(site, T2, "typo")
        return site

    return make


def test_pages_show_first_published_and_last_edited(repo_site, tmp_path: Path) -> None:
    out = build(repo_site(), tmp_path / "out")
    assert publication(out, "incidents", "edited").startswith("Published ")
    assert " · last edited " in publication(out, "incidents", "edited")
    assert times(out, "incidents", "edited") == ["2026-11-01T10:00:00+01:00", "2026-11-10T10:00:00+01:00"]
    assert times(out, "maintenance", "announced") == ["2026-11-01T10:00:00+01:00"]
    assert "last edited" not in publication(out, "maintenance", "announced")


def test_slovak_pages_say_it_in_slovak(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    commit_at(site, T1)
    path = site / "content" / "incidents" / "outage.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    commit_at(site, T2)
    text = publication(build(site, tmp_path / "out"), "incidents", "outage")
    assert text.startswith("Zverejnené 1. 11. 2026 10:00") and "naposledy upravené 10. 11. 2026 10:00" in text


def test_feeds_use_git_times_where_the_content_has_none(repo_site, tmp_path: Path) -> None:
    out = build(repo_site(), tmp_path / "out")
    announced = feed_entry(out, "announced")  # upcoming: nothing has happened to it yet
    assert utc(announced.published) == utc(T1) and utc(announced.updated) == utc(T1)
    edited = feed_entry(out, "edited")
    assert utc(edited.published) == utc("2026-11-20T09:00:00+01:00")  # the incident's own date is better
    assert utc(edited.updated) == utc("2026-11-20T11:00:00+01:00")  # resolved after the typo fix

    # Outside git, a window without an update is announced by the build itself: never a later date.
    plain = build(repo_site(), tmp_path / "plain", "--no-git-provenance")
    assert utc(feed_entry(plain, "announced").published) == utc(NOW)


def test_an_edit_after_the_last_state_change_updates_the_feed_entry(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident(resolved="2026-11-20T11:00:00+01:00")], language="en")
    commit_at(site, T1)
    path = site / "content" / "incidents" / "outage.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nPostmortem link.\n", encoding="utf-8")
    commit_at(site, "2026-11-22T08:00:00+01:00")
    assert utc(feed_entry(build(site, tmp_path / "out"), "outage").updated) == utc("2026-11-22T08:00:00+01:00")


def test_a_reformatting_commit_updates_nothing(site_factory, tmp_path: Path) -> None:
    """A commit that changes only how the files are written (wrapping, spaces, quoting, key order,
    line endings) is not an edit: old items keep their ``updated`` and "last edited"; a real edit moves them."""
    body = "Something broke\nin the night.\n\n## 2026-10-20T09:30+02:00 identified\nWe found it.\n"
    old = incident("old", date="2026-10-20T09:00:00+02:00", resolved="2026-10-20T11:00:00+02:00", body=body)
    site = site_factory(
        incidents=[old],
        maintenance=[maintenance("window")],
        language="en",
    )
    commit_at(site, T1)
    for path in (site / "content").rglob("*.md"):
        head, _, text = path.read_text(encoding="utf-8").partition("\n---\n")
        keys = head.removeprefix("---\n").splitlines()
        quoted = [
            f'{key}: "{value}"' if key == "title" else line for line in keys for key, _, value in [line.partition(": ")]
        ]
        text = text.replace("broke\nin", "broke in").replace("\n\n", "\n  \n\n")
        path.write_bytes(("---\n" + "\n".join(reversed(quoted)) + "\n---\n" + text).replace("\n", "\r\n").encode())
    commit_at(site, T2, "reformat everything")
    out = build(site, tmp_path / "out")
    assert utc(feed_entry(out, "old").updated) == utc(T1)  # published after it was resolved; not T2
    assert utc(feed_entry(out, "window").updated) == utc(T1)
    assert times(out, "incidents", "old") == ["2026-11-01T10:00:00+01:00"]  # no "last edited"

    path = site / "content" / "incidents" / "old.md"
    path.write_text(path.read_text(encoding="utf-8").replace("in the night", "at night"), encoding="utf-8")
    commit_at(site, "2026-11-22T08:00:00+01:00", "a real edit")
    edited = build(site, tmp_path / "edited")
    assert utc(feed_entry(edited, "old").updated) == utc("2026-11-22T08:00:00+01:00")
    assert times(edited, "incidents", "old") == ["2026-11-01T10:00:00+01:00", "2026-11-22T08:00:00+01:00"]


def test_commits_after_now_do_not_count(repo_site, tmp_path: Path) -> None:
    site = repo_site()
    between = build(site, tmp_path / "between", now="2026-11-05T00:00:00+01:00")
    assert times(between, "incidents", "edited") == ["2026-11-01T10:00:00+01:00"]
    before = build(site, tmp_path / "before", now="2026-10-01T00:00:00+01:00")
    assert publication(before, "incidents", "edited") is None


def test_uncommitted_and_untracked_files(repo_site, tmp_path: Path) -> None:
    site = repo_site()
    path = site / "content" / "maintenance" / "announced.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nNot committed yet.\n", encoding="utf-8")
    slug, text = incident("draft", title="Draft")
    (site / "content" / "incidents" / f"{slug}.md").write_text(text, encoding="utf-8")
    edited = site / "content" / "incidents" / "edited.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nUncommitted.\n", encoding="utf-8")
    out = build(site, tmp_path / "out")
    assert publication(out, "incidents", "draft") is None  # never committed: no provenance
    assert times(out, "incidents", "edited") == ["2026-11-01T10:00:00+01:00"]  # last commit is not this text
    assert times(out, "maintenance", "announced") == ["2026-11-01T10:00:00+01:00"]


def test_renamed_file_keeps_its_history(repo_site, tmp_path: Path) -> None:
    site = repo_site()
    subprocess.run(["git", "mv", "content/incidents/edited.md", "content/incidents/renamed.md"], cwd=site, check=True)
    commit_at(site, "2026-11-12T10:00:00+01:00", "rename")
    history = read_provenance(site)
    renamed = history[(site / "content" / "incidents" / "renamed.md").resolve()]
    assert [moment.isoformat() for moment in renamed.commits] == [
        utc(T1).isoformat(),
        utc(T2).isoformat(),
        utc("2026-11-12T10:00:00+01:00").isoformat(),
    ]


def test_a_file_deleted_and_written_again_starts_afresh(site_factory) -> None:
    site = site_factory(incidents=[incident("again")])
    commit_at(site, T1)
    (site / "content" / "incidents" / "again.md").unlink()
    commit_at(site, T2, "delete")
    slug, text = incident("again", title="New one")
    (site / "content" / "incidents" / f"{slug}.md").write_text(text, encoding="utf-8")
    commit_at(site, "2026-11-12T10:00:00+01:00", "again")
    again = (site / "content" / "incidents" / "again.md").resolve()
    history = read_provenance(site)
    assert list(history) == [again]  # Markdown only: not the tickets database
    assert history[again].commits == (utc("2026-11-12T10:00:00+01:00"),)


def test_site_in_a_subdirectory_of_the_repository(site_factory, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    site = site_factory(incidents=[incident()], language="en")
    repo.mkdir()
    site.rename(repo / "status")
    commit_at(repo, T1)
    out = build(repo / "status", tmp_path / "out")
    assert times(out, "incidents", "outage") == ["2026-11-01T10:00:00+01:00"]


def test_byte_identical_with_provenance(repo_site, tmp_path: Path) -> None:
    site = repo_site()
    first, second = build(site, tmp_path / "a"), build(site, tmp_path / "b")
    files = sorted(path.relative_to(first) for path in first.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(second) for path in second.rglob("*") if path.is_file())
    assert all((first / name).read_bytes() == (second / name).read_bytes() for name in files)


def test_no_provenance_outside_git_or_without_git(site_factory, tmp_path: Path, monkeypatch) -> None:
    outside = site_factory(incidents=[incident()])
    assert publication(build(outside, tmp_path / "outside"), "incidents", "outage") is None
    inside = site_factory(incidents=[incident()])
    commit_at(inside, T1)
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # git is not installed
    assert read_provenance(inside) == {}
    assert publication(build(inside, tmp_path / "nogit"), "incidents", "outage") is None


def test_shallow_clone_has_no_provenance(repo_site, tmp_path: Path) -> None:
    """A shallow clone's only commit would claim every file was published then."""
    site = repo_site()
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", site.as_uri(), str(clone)], check=True)
    assert read_provenance(clone) == {}


def test_environment_variable_and_option_turn_it_off(repo_site, tmp_path: Path, monkeypatch) -> None:
    site = repo_site()
    assert publication(build(site, tmp_path / "off", "--no-git-provenance"), "incidents", "edited") is None
    monkeypatch.setenv("STATUSPAGE_GIT_PROVENANCE", "0")
    result = run("build", "--site", str(site), "--out", str(tmp_path / "env"), "--now", NOW)
    assert result.exit_code == 0
    assert publication(tmp_path / "env", "incidents", "edited") is None
    monkeypatch.setenv("STATUSPAGE_GIT_PROVENANCE", "1")
    assert run("build", "--site", str(site), "--out", str(tmp_path / "on"), "--now", NOW).exit_code == 0
    assert publication(tmp_path / "on", "incidents", "edited") is not None
