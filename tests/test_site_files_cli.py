"""Content, templates and static files are regular files inside the site (SPEC §10).

A symlink out of the site, a device, a FIFO or a symlink loop is refused by ``check`` and
``build`` with ``path: message``; neither ever hangs on one, reads one without end, or publishes
what it points at.  Every case runs the real CLI in a subprocess with a timeout, so a hang fails
the test instead of stopping the suite.  Each bad file is also added after a good build, so the
build must refuse it rather than report "Nothing changed" (test_special_files.py covers the rest).
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import NOW, REPO, incident, maintenance, tree

CANARY = "statuspage-canary-7f3e9a1c"
TIMEOUT = 60  # a small site builds in seconds; a hang must fail, not stall the suite
MEMORY = 3 * 1024**3  # a file read without end fails the test with MemoryError, not the machine


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI, with a secret in its environment, as a CI job has."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "STATUSPAGE_TEST_SECRET": CANARY}
    return subprocess.run(
        [sys.executable, "-m", "statuspage", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        preexec_fn=_limit_memory,  # noqa: PLW1509 - no threads in the test process at this point
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str], path: Path, words: str) -> None:
    """Exit non-zero, one ``path: message`` line naming the file, no traceback."""
    assert result.returncode != 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.startswith(f"{path}:")]
    assert lines, output
    assert any(words in line for line in lines), output


def built(site: Path) -> tuple[Path, dict[str, str]]:
    """A first good build of the site, and its files, to show a refused build leaves them untouched."""
    out = site.parent / f"{site.name}-out"
    result = cli("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.returncode == 0, result.stdout + result.stderr
    return out, tree(out)


Breaker = Callable[[Path], Path]  # makes the site bad; returns the path the message must name


def content_to_dev_zero(site: Path) -> Path:
    path = site / "content" / "incidents" / "zero.md"
    path.symlink_to("/dev/zero")
    return path


def content_fifo(site: Path) -> Path:
    path = site / "content" / "incidents" / "pipe.md"
    os.mkfifo(path)
    return path


def maintenance_fifo(site: Path) -> Path:
    path = site / "content" / "maintenance" / "pipe.md"
    os.mkfifo(path)
    return path


def content_outside(site: Path) -> Path:
    outside = site.parent / "elsewhere.md"
    outside.write_text(incident("elsewhere")[1], encoding="utf-8")
    path = site / "content" / "incidents" / "elsewhere.md"
    path.symlink_to(outside)
    return path


def content_link_loop(site: Path) -> Path:
    path = site / "content" / "incidents" / "loop.md"
    path.symlink_to("loop2.md")
    (site / "content" / "incidents" / "loop2.md").symlink_to("loop.md")
    return path


def config_to_dev_zero(site: Path) -> Path:
    path = site / "statuspage.toml"
    path.unlink()
    path.symlink_to("/dev/zero")
    return path


def templates_linked_to_themselves(site: Path) -> Path:
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / "a").symlink_to(".")
    (site / "templates" / "b").symlink_to(".")
    return site / "templates" / "a"


def template_fifo(site: Path) -> Path:
    (site / "templates").mkdir(exist_ok=True)
    path = site / "templates" / "base.html"
    os.mkfifo(path)
    return path


def static_to_environ(site: Path) -> Path:
    (site / "static").mkdir(exist_ok=True)
    path = site / "static" / "env.txt"
    path.symlink_to("/proc/self/environ")
    return path


def static_folder_outside(site: Path) -> Path:
    (site / "static").mkdir(exist_ok=True)
    path = site / "static" / "proc"
    path.symlink_to("/proc/self")
    return path


def static_fifo(site: Path) -> Path:
    (site / "static").mkdir(exist_ok=True)
    path = site / "static" / "pipe.css"
    os.mkfifo(path)
    return path


CASES: dict[str, tuple[Breaker, str]] = {
    "content symlink to /dev/zero": (content_to_dev_zero, "outside the site"),
    "content FIFO": (content_fifo, "not a regular file"),
    "maintenance FIFO": (maintenance_fifo, "not a regular file"),
    "content symlink out of the site": (content_outside, "outside the site"),
    "content symlink loop": (content_link_loop, "symlink loop"),
    "config symlink to /dev/zero": (config_to_dev_zero, "outside the site"),
    "templates linked to themselves": (templates_linked_to_themselves, "symlink loop"),
    "template FIFO": (template_fifo, "not a regular file"),
    "static symlink to /proc/self/environ": (static_to_environ, "outside the site"),
    "static folder symlink out of the site": (static_folder_outside, "outside the site"),
    "static FIFO": (static_fifo, "not a regular file"),
}


@pytest.mark.parametrize("case", CASES)
def test_check_refuses(case: str, site_factory: Callable[..., Path]) -> None:
    site = site_factory(incidents=[incident()], maintenance=[maintenance()])
    breaker, words = CASES[case]
    path = breaker(site)
    refused(cli("check", "--site", str(site)), path, words)


@pytest.mark.parametrize("case", CASES)
def test_build_refuses_and_keeps_the_previous_output(case: str, site_factory: Callable[..., Path]) -> None:
    site = site_factory(incidents=[incident()], maintenance=[maintenance()])
    out, before = built(site)
    breaker, words = CASES[case]
    path = breaker(site)
    result = cli("build", "--site", str(site), "--out", str(out), "--now", NOW)
    refused(result, path, words)
    assert tree(out) == before


def test_a_fresh_build_publishes_no_environment(site_factory: Callable[..., Path]) -> None:
    site = site_factory(incidents=[incident()])
    static_to_environ(site)
    out = site.parent / "fresh-out"
    result = cli("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.returncode != 0
    assert CANARY not in result.stdout + result.stderr
    for path in out.rglob("*") if out.exists() else ():
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


def test_symlinks_inside_the_site_are_followed(site_factory: Callable[..., Path]) -> None:
    """A file or folder linked from elsewhere in the site is read as if it were there."""
    site = site_factory(incidents=[incident()])
    shared = site / "shared"
    (shared / "css").mkdir(parents=True)
    (shared / "css" / "extra.css").write_text("body { margin: 0 }\n", encoding="utf-8")
    (shared / "later.md").write_text(incident("later", title="Linked outage")[1], encoding="utf-8")
    (site / "content" / "incidents" / "later.md").symlink_to(Path("..", "..", "shared", "later.md"))
    (site / "static").mkdir()
    (site / "static" / "css").symlink_to(Path("..", "shared", "css"))
    assert cli("check", "--site", str(site)).returncode == 0
    out = site.parent / "linked-out"
    result = cli("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "static" / "css" / "extra.css").read_text(encoding="utf-8") == "body { margin: 0 }\n"
    assert "Linked outage" in (out / "incidents" / "later" / "index.html").read_text(encoding="utf-8")


def test_a_content_file_over_the_limit_is_refused_unread(site_factory: Callable[..., Path]) -> None:
    site = site_factory(incidents=[incident()])
    path = site / "content" / "incidents" / "huge.md"
    slug, text = incident("huge")
    path.write_text(text + "x" * (8 * 1024 * 1024), encoding="utf-8")
    refused(cli("check", "--site", str(site)), path, "larger than")


def test_a_tickets_snapshot_that_is_a_fifo_is_refused(site_factory: Callable[..., Path]) -> None:
    """The snapshot may live outside the site, but it must be a regular file."""
    config = (REPO / "tests" / "conftest.py").read_text(encoding="utf-8")
    assert 'db = "content/tickets.db"' in config
    site = site_factory(incidents=[incident()])
    toml = site / "statuspage.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'db = "content/tickets.db"', 'db = "content/missing.db"\nsnapshot = "../tickets.json"'
        ),
        encoding="utf-8",
    )
    os.mkfifo(site.parent / "tickets.json")
    result = cli("check", "--site", str(site))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "not a regular file" in output, output


PREVIEW = """
import sys
import threading
import time
from pathlib import Path
from statuspage.web.preview import create_preview_app
client = create_preview_app(Path(sys.argv[1]), now_option=sys.argv[2], provenance=False).test_client()
for path in ("/", "/static/env.txt", "/static/pipe.css"):
    with client.get(path) as response:
        sys.stdout.write(f"{path} {response.status_code}\\n")
        sys.stdout.write(response.get_data(as_text=True) + "\\n")
"""


def test_serve_shows_the_problems_without_hanging_or_serving_them(site_factory: Callable[..., Path]) -> None:
    """The live preview lists the refused files, serves none of them, and does not hang on a FIFO."""
    site = site_factory(incidents=[incident()])
    environ = static_to_environ(site)
    pipe = static_fifo(site)
    template = template_fifo(site)
    env = {**os.environ, "PYTHONPATH": str(REPO), "STATUSPAGE_TEST_SECRET": CANARY}
    result = subprocess.run(
        [sys.executable, "-c", PREVIEW, str(site), NOW], capture_output=True, text=True, timeout=TIMEOUT, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "/ 500" in result.stdout
    for path in (environ, pipe, template):
        assert f"{path}: " in result.stdout
    assert CANARY not in result.stdout


def test_watch_reports_the_refused_file_and_keeps_running(site_factory: Callable[..., Path]) -> None:
    site = site_factory(incidents=[incident()])
    out, before = built(site)
    path = templates_linked_to_themselves(site)
    content_fifo(site)
    process = subprocess.Popen(
        [sys.executable, "-m", "statuspage", "watch", "--site", str(site), "--out", str(out), "--interval", "1h"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        start_new_session=True,  # its own process group: a hung build's helpers are ended with it
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    reader.start()  # reads until the process exits, so the test never blocks on the pipe
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not any(f"{path}: symlink loop" in line for line in lines):
            time.sleep(0.1)
        assert process.poll() is None, "".join(lines)  # still watching, for the fix
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    finally:
        with contextlib.suppress(ProcessLookupError):  # helpers forked by a build may outlive it, holding the pipe
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
        reader.join(timeout=5)
        if process.stderr is not None:
            process.stderr.close()
    log = "".join(lines)
    assert any(f"{path}: symlink loop" in line for line in lines), log
    assert "Traceback" not in log
    assert tree(out) == before
