"""Symlinks out of the site, devices, FIFOs, sockets, symlink loops and huge files are refused, never read (SPEC §10).

Every case runs the real command in its own process with a timeout and a memory limit, so a
build that hangs or reads ``/dev/zero`` into memory fails the test instead of the suite.
"""

from __future__ import annotations

import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import NOW, incident, make_site, tree

TIMEOUT = 60  # seconds; a small site checks and builds in a few
MEMORY = 3 * 1024**3  # address space of each command: reading /dev/zero into memory stops at it
CANARY = "STATUSPAGE_TEST_CANARY"


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, bounded in time and memory."""
    return subprocess.run(
        [sys.executable, "-m", "statuspage", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limited,  # noqa: PLW1509 - the child runs no threads before exec
        env={**os.environ, **(env or {})},
        check=False,
    )


def fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def link(path: Path, target: str | Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def unix_socket(path: Path) -> None:
    """A listening socket's file; bound by a relative name, since socket paths are short."""
    path.parent.mkdir(parents=True, exist_ok=True)
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        server = socket.socket(socket.AF_UNIX)
        server.bind(path.name)
        server.close()  # the file stays
    finally:
        os.chdir(here)


def outside_incident(site: Path) -> Path:
    """A valid incident file outside the site directory."""
    _, text = incident("elsewhere")
    outside = site.parent / "elsewhere"
    outside.mkdir()
    (outside / "elsewhere.md").write_text(text, encoding="utf-8")
    return outside


# (name, what to do to a valid site, the path the message names, words the message has)
Case = tuple[str, Callable[[Path], None], str, str]
CASES: list[Case] = [
    (
        "incident -> /dev/zero",
        lambda s: link(s / "content/incidents/zero.md", "/dev/zero"),
        "content/incidents/zero.md",
        "outside the site",
    ),
    ("incident FIFO", lambda s: fifo(s / "content/incidents/pipe.md"), "content/incidents/pipe.md", "a FIFO"),
    ("maintenance FIFO", lambda s: fifo(s / "content/maintenance/pipe.md"), "content/maintenance/pipe.md", "a FIFO"),
    (
        "incident -> a file outside",
        lambda s: link(s / "content/incidents/elsewhere.md", outside_incident(s) / "elsewhere.md"),
        "content/incidents/elsewhere.md",
        "outside the site",
    ),
    (
        "incidents folder -> a folder outside",
        lambda s: (
            os.rename(s / "content/incidents", s.parent / "moved"),
            link(s / "content/incidents", s.parent / "moved"),
        ),
        "content/incidents",
        "outside the site",
    ),
    (
        "content folder -> a folder outside",
        lambda s: (os.rename(s / "content", s.parent / "moved"), link(s / "content", s.parent / "moved")),
        "content/incidents",
        "outside the site",
    ),
    (
        "incident socket",
        lambda s: unix_socket(s / "content/incidents/sock.md"),
        "content/incidents/sock.md",
        "a socket",
    ),
    (
        "config -> /dev/zero",
        lambda s: (os.rename(s / "statuspage.toml", s / "real.toml"), link(s / "statuspage.toml", "/dev/zero")),
        "statuspage.toml",
        "outside the site",
    ),
    (
        "config FIFO",
        lambda s: (os.remove(s / "statuspage.toml"), fifo(s / "statuspage.toml")),
        "statuspage.toml",
        "a FIFO",
    ),
    (
        "tickets database FIFO",
        lambda s: (os.remove(s / "content/tickets.db"), fifo(s / "content/tickets.db")),
        "content/tickets.db",
        "a FIFO",
    ),
    (
        "tickets database -> /dev/zero",
        lambda s: (os.remove(s / "content/tickets.db"), link(s / "content/tickets.db", "/dev/zero")),
        "content/tickets.db",
        "a character device",
    ),
    (
        "two template links to .",
        lambda s: (link(s / "templates/a", "."), link(s / "templates/b", ".")),
        "templates/a",
        "symlink loop",
    ),
    (
        "template -> /dev/zero",
        lambda s: link(s / "templates/footer.html", "/dev/zero"),
        "templates/footer.html",
        "outside the site",
    ),
    ("template FIFO", lambda s: fifo(s / "templates/footer.html"), "templates/footer.html", "a FIFO"),
    (
        "static -> /proc/self/environ",
        lambda s: link(s / "static/env.txt", "/proc/self/environ"),
        "static/env.txt",
        "outside the site",
    ),
    ("static -> /dev/zero", lambda s: link(s / "static/zero.css", "/dev/zero"), "static/zero.css", "outside the site"),
    ("static FIFO", lambda s: fifo(s / "static/deep/pipe.css"), "static/deep/pipe.css", "a FIFO"),
    ("static socket", lambda s: unix_socket(s / "static/sock"), "static/sock", "a socket"),
    ("static folder -> /", lambda s: link(s / "static/root", "/"), "static/root", "outside the site"),
    (
        "static broken symlink",
        lambda s: link(s / "static/gone.css", "missing.css"),
        "static/gone.css",
        "broken symlink",
    ),
    (
        "static link to an ancestor",
        lambda s: link(s / "static/deep/up", ".."),
        "static/deep/up",
        "symlink loop",
    ),
    (
        "huge incident",
        lambda s: (s / "content/incidents/huge.md").write_bytes(b"---\n" + b"x" * (8 * 1024 * 1024)),
        "content/incidents/huge.md",
        "larger than",
    ),
    (
        "huge template",
        lambda s: (
            link(s / "templates/footer.html", s / "big.html") or (s / "big.html").write_bytes(b"x" * (8 * 1024 * 1024))
        ),
        "templates/footer.html",
        "larger than",
    ),
]


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A valid site built once: the output a refused build must leave as it is."""
    site = make_site(tmp_path / "site", incidents=[incident(resolved="2026-11-20T12:00:00+01:00")])
    out = tmp_path / "out"
    first = command("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert first.returncode == 0, first.stderr
    return site, out, tree(out)


@pytest.mark.parametrize(("spoil", "where", "words"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_check_and_build_refuse_what_is_not_a_regular_file_inside_the_site(
    built: tuple[Path, Path, dict[str, str]], spoil: Callable[[Path], None], where: str, words: str
) -> None:
    site, out, before = built
    spoil(site)
    canary = secrets.token_hex(16)
    for args in (("check",), ("build", "--out", str(out), "--now", "2026-11-25T12:05:00+01:00")):
        result = command(*args, "--site", str(site), env={CANARY: canary})
        said = result.stdout + result.stderr
        assert result.returncode == 1, said
        assert "Traceback" not in said
        lines = [line for line in result.stderr.splitlines() if line.startswith(f"{site}/{where}: ")]
        assert lines, said
        assert any(words in line for line in lines), said
        assert canary not in said
        assert tree(out) == before, f"{args[0]} changed the previous output"


def test_the_environment_is_never_published(tmp_path: Path) -> None:
    """A build that reads ``/proc/self/environ`` would publish its secrets: nothing built may hold them."""
    site = make_site(tmp_path / "site", incidents=[incident()])
    link(site / "static" / "env.txt", "/proc/self/environ")
    link(site / "templates" / "footer.html", "/proc/self/environ")
    out = tmp_path / "out"
    canary = secrets.token_hex(16)
    result = command("build", "--site", str(site), "--out", str(out), "--now", NOW, env={CANARY: canary})
    assert result.returncode == 1
    assert canary not in result.stdout + result.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert canary.encode() not in path.read_bytes(), path


def test_symlinks_inside_the_site_are_followed(tmp_path: Path) -> None:
    """A theme kept in one folder of the site and linked into templates/ and static/ builds as if copied there."""
    site = make_site(tmp_path / "site", incidents=[incident()], files={"content/incidents/real.txt": "x"})
    theme = site / "theme"
    (theme / "partials").mkdir(parents=True)
    (theme / "partials" / "note.html").write_text("<p>shared note</p>\n", encoding="utf-8")
    (theme / "site.css").write_text("body { color: teal }\n", encoding="utf-8")
    _, text = incident("linked", title="Linked from the drafts")
    (site / "drafts").mkdir()
    (site / "drafts" / "linked.md").write_text(text, encoding="utf-8")
    link(site / "templates" / "partials", "../theme/partials")
    (site / "templates" / "footer.html").write_text('{% include "partials/note.html" %}\n', encoding="utf-8")
    link(site / "static" / "site.css", site / "theme" / "site.css")  # absolute, still inside
    link(site / "content" / "incidents" / "linked.md", "../../drafts/linked.md")
    checked = command("check", "--site", str(site))
    assert checked.returncode == 0, checked.stderr
    out = tmp_path / "out"
    result = command("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert "shared note" in (out / "index.html").read_text(encoding="utf-8")
    assert (out / "static" / "site.css").read_text(encoding="utf-8") == "body { color: teal }\n"
    assert "Linked from the drafts" in (out / "incidents" / "linked" / "index.html").read_text(encoding="utf-8")


def test_serve_shows_the_problem_instead_of_hanging(tmp_path: Path) -> None:
    """The preview reads the same files: it lists the problem rather than reading a FIFO or a loop forever."""
    site = make_site(tmp_path / "site", incidents=[incident()])
    fifo(site / "templates" / "footer.html")
    link(site / "static" / "a", ".")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from statuspage.web.preview import create_preview_app\n"
        "client = create_preview_app(Path(sys.argv[1]), now_option=sys.argv[2], provenance=False).test_client()\n"
        "for path in ('/', '/static/a/a/style.css'):\n"
        "    response = client.get(path)\n"
        "    print(response.status_code, response.get_data(as_text=True))\n"
        "    response.close()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(site), NOW],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limited,  # noqa: PLW1509 - the child runs no threads before exec
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{site}/templates/footer.html: not a regular file (a FIFO)" in result.stdout
    assert f"{site}/static/a: symlink loop" in result.stdout


def test_watch_reports_a_fifo_and_keeps_running(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", incidents=[incident()])
    out = tmp_path / "build"
    process = subprocess.Popen(
        [sys.executable, "-m", "statuspage", "watch", "--site", str(site), "--out", str(out), "--interval", "200ms"],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_limited,  # noqa: PLW1509 - the child runs no threads before exec
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    reader.start()  # reads until the process exits, so the test never blocks on the pipe

    def wait_for(text: str) -> None:
        started = time.monotonic()
        while not any(text in line for line in lines):
            assert time.monotonic() - started < TIMEOUT, "".join(lines)
            time.sleep(0.05)

    try:
        wait_for(" built ")
        before = tree(out)
        fifo(site / "content" / "incidents" / "pipe.md")
        wait_for(f"{site}/content/incidents/pipe.md: not a regular file (a FIFO)")
        assert tree(out) == before
        # SQLite would wait on a FIFO forever, in the build and in the watcher's own look at the database.
        (site / "content" / "incidents" / "pipe.md").unlink()
        (site / "content" / "tickets.db").unlink()
        fifo(site / "content" / "tickets.db")
        wait_for(f"{site}/content/tickets.db: not a regular file (a FIFO)")
        assert tree(out) == before
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    finally:
        process.kill()
        reader.join(timeout=5)
        if process.stderr is not None:
            process.stderr.close()
    log = "".join(lines)
    assert process.returncode == 0, log
    assert "Traceback" not in log
