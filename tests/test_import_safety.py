"""``statuspage import`` on hostile sources: bounded, confined to the source, all or nothing.

Each case runs the real program in a subprocess with a time limit and an address-space limit,
so that a regression fails the test instead of hanging or eating the machine, and checks what a
user sees: the exit code, a one-line ``path:line: message``, no traceback, and a target
directory left byte for byte as it was.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import NOW, REPO

import statuspage
from statuspage.importers.jsobject import JsLiteralError, Unsupported, read_exported_object

FIXTURES = REPO / "tests" / "fixtures"
CODE = Path(statuspage.__file__).resolve().parent.parent  # the statuspage under test, for the subprocesses
MEMORY_LIMIT = 1536 * 1024 * 1024
TIME_LIMIT = 30  # seconds: each import here takes about one; the unbounded ones took minutes


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def statuspage_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(CODE), "STATUSPAGE_GIT_PROVENANCE": "0"}
    return subprocess.run(
        [sys.executable, "-m", "statuspage", *args],
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        preexec_fn=_limit_memory,  # noqa: PLW1509 - the child does nothing else before exec
        env=env,
        cwd=cwd,
        check=False,
    )


def import_cli(kind: str, source: Path, site: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return statuspage_cli("import", kind, str(source), "--site", str(site), *extra)


def copy_fixture(tmp_path: Path, kind: str) -> Path:
    source = tmp_path / f"{kind}-source"
    shutil.copytree(FIXTURES / kind, source)
    return source


def tree(root: Path) -> dict[str, bytes | str]:
    """Every entry under ``root``: a file's bytes, a link's target, or 'dir'."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        if path.is_symlink():
            found[relative] = "link:" + os.readlink(path)
        elif path.is_dir():
            found[relative] = "dir"
        else:
            found[relative] = path.read_bytes()
    return found


def existing_site(tmp_path: Path, kind: str) -> tuple[Path, dict[str, bytes | str]]:
    """A site made by a clean import of the fixture, and its contents: the target a bad re-import must not touch."""
    site = tmp_path / "site"
    result = import_cli(kind, FIXTURES / kind, site)
    assert result.returncode == 0, result.stderr
    (site / "notes.txt").write_text("the user's own file\n", encoding="utf-8")
    return site, tree(site)


def assert_refused(result: subprocess.CompletedProcess[str], expected: str) -> None:
    """Exit 1, the expected ``path:line: message`` on a line of its own, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert any(expected in line for line in result.stderr.splitlines()), result.stderr


def assert_no_staging_left(tmp_path: Path) -> None:
    assert not [path for path in tmp_path.rglob(".statuspage-import-*")]


# --------------------------------------------------------------------------- costly YAML

LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{b}: &{b} [{','.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
)


def test_the_billion_laughs_fixture_is_small() -> None:
    assert len(LAUGHS.encode()) < 600  # the reported file was 564 bytes


@pytest.mark.parametrize(
    ("kind", "path", "text", "expected"),
    [
        ("cstate", "config.yml", LAUGHS + "\n", "config.yml:"),
        ("cstate", "content/issues/2024-03-02-api-latency.md", f"---\n{LAUGHS}\n---\n", "2024-03-02-api-latency.md:"),
        ("statusfy", "content/laughs.md", f"---\n{LAUGHS}\n---\n", "laughs.md:"),
    ],
)
def test_billion_laughs_yaml_is_refused_with_a_message(
    tmp_path: Path, kind: str, path: str, text: str, expected: str
) -> None:
    source = copy_fixture(tmp_path, kind)
    (source / path).write_text(text, encoding="utf-8")
    result = import_cli(kind, source, tmp_path / "site")
    assert_refused(result, f"{expected}")
    assert "values once its YAML aliases are expanded; not read" in result.stderr
    assert not (tmp_path / "site").exists()
    assert_no_staging_left(tmp_path)


def test_a_yaml_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    source = copy_fixture(tmp_path, "cstate")
    config = source / "config.yml"
    config.write_text(config.read_text(encoding="utf-8") + "loop: &loop [*loop]\n", encoding="utf-8")
    result = import_cli("cstate", source, tmp_path / "site")
    assert_refused(result, "config.yml:")
    assert "the YAML alias *loop refers to a value that contains it" in result.stderr
    assert not (tmp_path / "site").exists()


def test_deeply_nested_config_is_refused(tmp_path: Path) -> None:
    source = copy_fixture(tmp_path, "cstate")
    (source / "config.yml").unlink()
    (source / "config.json").write_text('{"title": "x", "params": ' + "[" * 900 + "]" * 900 + "}", encoding="utf-8")
    result = import_cli("cstate", source, tmp_path / "site")
    assert_refused(result, "config.json: nested more than 64 levels deep")
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    "text",
    ["module.exports = " + "[" * 100_000, "module.exports = {a: " + "[" * 900 + "]" * 900 + "}"],
    ids=["unclosed", "closed"],
)
def test_deeply_nested_javascript_is_refused(tmp_path: Path, text: str) -> None:
    source = copy_fixture(tmp_path, "statusfy")
    (source / "config.js").write_text(text, encoding="utf-8")
    result = import_cli("statusfy", source, tmp_path / "site")
    assert_refused(result, "config.js:1: cannot read the configuration without running JavaScript: objects and arrays")
    assert not (tmp_path / "site").exists()


# --------------------------------------------------------------------------- text that is no text

STATUSFY_INCIDENT = "---\ntitle: X\ndate: 2024-01-01T00:00:00Z\nseverity: major-outage\n---\n"
CSTATE_ISSUE = "---\ntitle: X\ndate: 2024-01-01\nseverity: down\n---\n"


@pytest.mark.parametrize(
    ("kind", "path", "text", "expected"),
    [
        (
            "cstate",
            "config.yml",
            'title: "Status \\uD800"\nbaseURL: https://x.test/\nparams:\n  systems: [API]\n',
            "config.yml:1: text holds a lone surrogate",
        ),
        (
            "cstate",
            "content/issues/2030-01-01-bad.md",
            CSTATE_ISSUE.replace("title: X", 'title: "X \\udfff"'),
            "2030-01-01-bad.md:2: text holds a lone surrogate",
        ),
        (
            "cstate",
            "content/issues/2030-01-01-bad.md",
            CSTATE_ISSUE.replace("severity: down", 'severity: down\ndescription: "X \\U00110000"'),
            "2030-01-01-bad.md:5: malformed YAML: \\U00110000 names no Unicode character",
        ),
        (
            "statusfy",
            "content/bad.md",
            '---json\n{"title": "X \\ud800", "date": "2024-01-01T00:00:00Z", "severity": "major-outage"}\n---\n',
            "bad.md:2: text holds a lone surrogate",
        ),
        (
            "statusfy",
            "content/bad.md",
            '{\n  "title": "X",\n  "description": "\\uDC00",\n'
            '  "date": "2024-01-01T00:00:00Z", "severity": "major-outage"\n}\n',
            "bad.md:3: text holds a lone surrogate",
        ),
        (
            "statusfy",
            "config.js",
            'module.exports = {\n  title: "Status \\uD800",\n  content: { systems: ["api"] },\n}\n',
            "config.js:2: cannot read the configuration without running JavaScript: the escape \\uD800 names no",
        ),
        (
            "statusfy",
            "config.js",
            'module.exports = {\n  title: "Status \\u{110000}",\n}\n',
            "config.js:2: cannot read the configuration without running JavaScript: the escape \\u{110000} names no",
        ),
        (
            "statusfy",
            "config.js",
            "module.exports = {\n  port: " + "9" * 5000 + ",\n}\n",
            "config.js:2: cannot read the configuration without running JavaScript: the number 9999",
        ),
    ],
)
def test_text_that_is_not_unicode_stops_the_import_and_the_site_is_untouched(
    tmp_path: Path, kind: str, path: str, text: str, expected: str
) -> None:
    site, before = existing_site(tmp_path, kind)
    source = copy_fixture(tmp_path, kind)
    (source / path).write_text(text, encoding="utf-8")
    result = import_cli(kind, source, site, "--force")
    assert_refused(result, expected)
    assert tree(site) == before
    assert_no_staging_left(tmp_path)
    fresh = import_cli(kind, source, tmp_path / "fresh")
    assert_refused(fresh, expected)
    assert not (tmp_path / "fresh").exists()


def test_javascript_escapes_are_characters_or_an_error() -> None:
    value = read_exported_object(r"module.exports = { a: '\uD83D\uDE00', b: '\u{1F600}', c: 0755, d: 0x1F }")
    assert value == {"a": "\U0001f600", "b": "\U0001f600", "c": Unsupported("0755", 1), "d": 31}
    for escape in (r"\uD83D", r"\uDE00\uD83D", r"\u{D800}", r"\u{110000}", r"\u{FFFFFFFFFFFFFFFFFFFFFFFF}"):
        with pytest.raises(JsLiteralError, match="names no Unicode character"):
            read_exported_object(f"module.exports = {{ a: '{escape}' }}")


def test_a_refused_import_leaves_a_site_without_force_untouched(tmp_path: Path) -> None:
    site, before = existing_site(tmp_path, "statusfy")
    result = import_cli("statusfy", FIXTURES / "statusfy", site)
    assert_refused(result, "already exist; use --force to replace them")
    assert tree(site) == before


def test_a_forced_import_replaces_its_files_and_keeps_the_others(tmp_path: Path) -> None:
    site, before = existing_site(tmp_path, "statusfy")
    config = site / "statuspage.toml"
    config.write_text("# edited\n", encoding="utf-8")
    result = import_cli("statusfy", FIXTURES / "statusfy", site, "--force")
    assert result.returncode == 0, result.stderr
    assert tree(site) == before  # the config is written again; notes.txt and the database are kept
    assert_no_staging_left(tmp_path)


def test_a_move_that_fails_half_way_puts_back_what_it_moved(tmp_path: Path) -> None:
    site, _ = existing_site(tmp_path, "statusfy")
    shutil.rmtree(site / "content" / "incidents")
    (site / "content" / "incidents").write_text("a file where the import needs a folder\n", encoding="utf-8")
    (site / "statuspage.toml").write_text("# the user's edited config\n", encoding="utf-8")
    before = tree(site)
    result = import_cli("statusfy", FIXTURES / "statusfy", site, "--force")
    assert_refused(result, f"Error: {site}: cannot write the site (Not a directory); nothing was changed")
    assert tree(site) == before  # the config it had already replaced is back
    assert_no_staging_left(tmp_path)


def test_a_folder_in_the_way_is_never_replaced(tmp_path: Path) -> None:
    site, _ = existing_site(tmp_path, "statusfy")
    (site / "statuspage.toml").unlink()
    (site / "statuspage.toml").mkdir()
    (site / "statuspage.toml" / "keep.txt").write_text("mine\n", encoding="utf-8")
    before = tree(site)
    result = import_cli("statusfy", FIXTURES / "statusfy", site, "--force")
    assert_refused(result, f"Error: {site / 'statuspage.toml'}: is a folder; an import replaces only files")
    assert tree(site) == before


# --------------------------------------------------------------------------- reading only the source


@pytest.mark.parametrize("where", ["relative", "absolute"])
def test_statusfy_content_dir_outside_the_source_is_refused(tmp_path: Path, where: str) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.md").write_text(STATUSFY_INCIDENT.replace("title: X", "title: SECRET"), encoding="utf-8")
    source = copy_fixture(tmp_path, "statusfy")
    folder = "../elsewhere" if where == "relative" else str(outside)
    (source / "config.js").unlink()
    (source / "config.yml").write_text(
        f"title: Status\ncontent:\n  dir: {folder}\n  systems: [api]\n", encoding="utf-8"
    )
    result = import_cli("statusfy", source, tmp_path / "site")
    assert_refused(result, f"config.yml: content.dir '{folder}' leads outside the source folder; not read")
    assert "SECRET" not in result.stdout + result.stderr
    assert not (tmp_path / "site").exists()


def test_a_content_folder_linked_out_of_the_source_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.md").write_text(STATUSFY_INCIDENT.replace("title: X", "title: SECRET"), encoding="utf-8")
    source = copy_fixture(tmp_path, "statusfy")
    shutil.rmtree(source / "content")
    (source / "content").symlink_to(outside)
    result = import_cli("statusfy", source, tmp_path / "site")
    assert_refused(result, "config.js: content.dir 'content' leads outside the source folder; not read")
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("kind", ["cstate", "statusfy"])
def test_a_content_file_linked_out_of_the_source_is_refused(tmp_path: Path, kind: str) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text((CSTATE_ISSUE if kind == "cstate" else STATUSFY_INCIDENT).replace("X", "SECRET"), "utf-8")
    source = copy_fixture(tmp_path, kind)
    link = source / ("content/issues/2030-01-01-leak.md" if kind == "cstate" else "content/leak.md")
    link.symlink_to(outside)
    result = import_cli(kind, source, tmp_path / "site")
    assert_refused(result, "leak.md: leads outside the source folder (a link or '..'); not read")
    assert "SECRET" not in result.stdout + result.stderr
    assert not (tmp_path / "site").exists()


def test_a_fifo_or_device_among_the_issues_is_refused_without_hanging(tmp_path: Path) -> None:
    source = copy_fixture(tmp_path, "cstate")
    os.mkfifo(source / "content" / "issues" / "2030-01-01-fifo.md")
    (source / "content" / "issues" / "2030-01-02-zero.md").symlink_to("/dev/zero")
    result = import_cli("cstate", source, tmp_path / "site")
    assert_refused(result, "2030-01-01-fifo.md: not a regular file; not read")
    assert_refused(result, "2030-01-02-zero.md: leads outside the source folder")
    assert not (tmp_path / "site").exists()


def test_a_statusfy_locale_code_cannot_point_elsewhere(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "x"
    outside.mkdir(parents=True)
    source = copy_fixture(tmp_path, "statusfy")
    (source / "config.js").unlink()
    (source / "config.yml").write_text(
        "title: Status\ndefaultLocale: en\nlocales:\n  - code: en\n  - code: ../../elsewhere/x\n"
        "content:\n  systems: [api]\n",
        encoding="utf-8",
    )
    result = import_cli("statusfy", source, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert "locale code '../../elsewhere/x' is not a language code; skipped" in result.stdout


# --------------------------------------------------------------------------- bounded time


@pytest.mark.parametrize(
    ("kind", "path", "text"),
    [
        ("cstate", "content/issues/2030-01-01-braces.md", CSTATE_ISSUE + "{{<" * 40_000 + "\n"),
        ("statusfy", "content/spaces.md", STATUSFY_INCIDENT + "::: update a" + " " * 200_000 + "x\n"),
    ],
    ids=["cstate-shortcodes", "statusfy-update-line"],
)
def test_long_lines_import_in_seconds(tmp_path: Path, kind: str, path: str, text: str) -> None:
    source = copy_fixture(tmp_path, kind)
    (source / path).write_text(text, encoding="utf-8")
    result = import_cli(kind, source, tmp_path / "site")  # raises TimeoutExpired after TIME_LIMIT
    # Read in seconds; the text is then over the 64 KiB a status text may hold, which the check of
    # the new site refuses with its line, writing nothing.
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "text is longer than 64 KiB" in result.stderr, result.stderr
    assert not (tmp_path / "site").exists()


# --------------------------------------------------------------------------- the layout init uses


def tickets_table(config: str) -> str:
    start = config.index("# The support desk's SQLite database")
    return config[start : config.index("\n\n", start) if "\n\n" in config[start:] else None].strip()


@pytest.mark.parametrize("kind", ["cstate", "statusfy"])
def test_an_imported_site_keeps_the_tickets_database_out_of_git(tmp_path: Path, kind: str) -> None:
    site = tmp_path / "site"
    result = import_cli(kind, FIXTURES / kind, site)
    assert result.returncode == 0, result.stderr
    config_text = (site / "statuspage.toml").read_text(encoding="utf-8")
    config = tomllib.loads(config_text)
    assert config["tickets"] == {"db": "tickets.db", "snapshot": "tickets.public.json"}
    assert (site / "tickets.db").is_file() and (site / "tickets.public.json").is_file()
    assert not (site / "content" / "tickets.db").exists()

    new = tmp_path / "new"
    assert statuspage_cli("init", str(new)).returncode == 0
    assert tickets_table(config_text) == tickets_table((new / "statuspage.toml").read_text(encoding="utf-8"))

    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.test"]
    subprocess.run([*git, "init", "-q"], cwd=site, check=True, timeout=TIME_LIMIT)
    subprocess.run([*git, "add", "-A"], cwd=site, check=True, timeout=TIME_LIMIT)
    tracked = subprocess.run(
        [*git, "ls-files"], cwd=site, check=True, capture_output=True, text=True, timeout=TIME_LIMIT
    ).stdout.split()
    assert "statuspage.toml" in tracked and "tickets.public.json" in tracked
    assert not [name for name in tracked if ".db" in name]

    assert statuspage_cli("check", "--site", str(site)).returncode == 0
    out = tmp_path / "out"
    built = statuspage_cli("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert built.returncode == 0, built.stderr
    assert (out / "index.html").is_file()
