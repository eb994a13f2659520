"""Input that would cost too much (recurrence rules, long or pathological Markdown) is bounded or refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NOW, incident, maintenance, ticket

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 60  # seconds: far above what these take now, far below what they took before
EVERY_MINUTE = ",".join(str(n) for n in range(60))
EVERY_HOUR = ",".join(str(n) for n in range(24))


def cli(*args: str, memory: int | None = None) -> subprocess.CompletedProcess[str]:
    """The command line in its own process, killed after LIMIT seconds, with an address-space cap if given."""
    code = "import sys\nfrom statuspage.cli import main\nsys.argv = ['statuspage', *sys.argv[1:]]\nmain()\n"
    if memory is not None:
        code = f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))\n" + code
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=LIMIT, env=env, check=False
    )


def test_a_rule_with_every_minute_and_second_is_refused_without_a_memory_error(site_factory) -> None:
    rule = f"FREQ=YEARLY;BYHOUR={EVERY_HOUR};BYMINUTE={EVERY_MINUTE};BYSECOND={EVERY_MINUTE}"
    site = site_factory(maintenance=[maintenance("m", end="2026-12-05T22:00:01+01:00", extra=f"rrule: {rule}")])
    result = cli("check", "--site", str(site), memory=1024 * 1024 * 1024)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert f"{site}/content/maintenance/m.md:" in result.stdout + result.stderr
    assert "at most 24 are allowed" in result.stdout + result.stderr


def test_a_per_minute_rule_started_years_ago_is_refused(site_factory) -> None:
    rule = f"FREQ=HOURLY;BYMINUTE={EVERY_MINUTE}"
    item = maintenance("m", start="2016-01-01T00:00:00+01:00", end="2016-01-01T00:00:30+01:00", extra=f"rrule: {rule}")
    result = cli("check", "--site", str(site_factory(maintenance=[item])))
    assert result.returncode == 1
    assert "windows a day" in result.stdout + result.stderr


def test_overlapping_occurrences_are_refused(site_factory) -> None:
    item = maintenance("m", extra="rrule: FREQ=HOURLY;INTERVAL=2")  # each four hours long, every two hours
    result = cli("check", "--site", str(site_factory(maintenance=[item])))
    assert result.returncode == 1
    assert "occurrences overlap" in result.stdout + result.stderr


def test_an_hourly_rule_started_long_ago_builds_with_the_right_window(site_factory, tmp_path: Path) -> None:
    rule = f"FREQ=DAILY;BYHOUR={EVERY_HOUR}"  # every hour for 25 years: 220,000 occurrences before now
    item = maintenance("m", start="2001-01-01T00:00:00+01:00", end="2001-01-01T00:10:00+01:00", extra=f"rrule: {rule}")
    out = tmp_path / "out"
    result = cli("build", "--site", str(site_factory(maintenance=[item])), "--out", str(out), "--now", NOW)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (out / "maintenance" / "m" / "index.html").read_text(encoding="utf-8")
    assert NOW[:10] in page  # the occurrence shown is the one of today


PATHOLOGICAL = ["[](", "![](", "<a ", "[a]("]


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_a_pathological_ticket_description_does_not_stall_check(site_factory, pattern: str) -> None:
    text = (pattern * 64 * 1024)[: 60 * 1024]
    result = cli("check", "--site", str(site_factory(tickets=[ticket(17, description=text)])))
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_a_pathological_incident_builds_with_its_text_escaped(site_factory, tmp_path: Path, pattern: str) -> None:
    body = "Summary.\n\n## 2026-11-20T09:30+01:00 identified\n" + (pattern * 64 * 1024)[: 60 * 1024] + "\n"
    out = tmp_path / "out"
    result = cli("build", "--site", str(site_factory(incidents=[incident(body=body)])), "--out", str(out), "--now", NOW)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (out / "incidents" / "outage" / "index.html").read_text(encoding="utf-8")
    assert "<pre>" + pattern.replace("<", "&lt;") * 10 in page


def test_a_too_long_update_text_is_refused_with_its_line(site_factory) -> None:
    body = "Summary.\n\n## 2026-11-20T09:30+01:00 identified\n" + "Long words. " * 10_000 + "\n"
    site = site_factory(incidents=[incident(body=body)])
    result = cli("check", "--site", str(site))
    assert result.returncode == 1
    assert f"{site}/content/incidents/outage.md:" in result.stdout + result.stderr
    assert "longer than 64 KiB" in result.stdout + result.stderr


@pytest.mark.parametrize("rule", ["FREQ=HOURLY;BYSETPOS=2", "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30;BYMINUTE=5"])
def test_a_rule_that_never_occurs_is_refused_promptly(site_factory, rule: str) -> None:
    result = cli("check", "--site", str(site_factory(maintenance=[maintenance("m", extra=f"rrule: {rule}")])))
    assert result.returncode == 1
    assert "invalid RFC 5545 rrule" in result.stdout + result.stderr
