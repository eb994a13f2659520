"""``--out`` replaces only a folder that is missing, empty or a statuspage output, and publishes it readable.

A folder that is none of these (a home directory, a repository, a web root with other files, a
symlink to one) is refused with one line and left exactly as it was: its bytes, its modes, and no
temporary folder, lock or record beside or inside it.  The tree a build publishes has the modes of
the umask (0755 folders and 0644 files under the usual 022), through rebuilds and swaps.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import NOW, incident, tree

from statuspage.build import build_site
from statuspage.errors import StatuspageError

LATER = "2026-11-25T12:01:00+01:00"
LATEST = "2026-11-25T12:02:00+01:00"


def everything(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every entry below ``root`` (itself included): its mode and its bytes, or a symlink's target."""
    found: dict[str, tuple[int, bytes]] = {}
    for folder, folders, names in os.walk(root):
        for name in [".", *folders, *names]:
            path = Path(folder) / name
            status = path.lstat()
            if stat.S_ISLNK(status.st_mode):
                body = os.readlink(path).encode()
            elif stat.S_ISREG(status.st_mode):
                body = path.read_bytes()
            else:
                body = b""
            found[str(path.relative_to(root))] = (status.st_mode, body)
    return found


def foreign(folder: Path) -> Path:
    """A folder of someone else's files: a hidden one, a nested one, a symlink."""
    (folder / "Documents").mkdir(parents=True)
    (folder / ".bashrc").write_text("export EDITOR=vi\n", encoding="utf-8")
    (folder / "Documents" / "thesis.txt").write_text("Chapter 1\n", encoding="utf-8")
    (folder / "latest").symlink_to("Documents/thesis.txt")
    os.chmod(folder / "Documents", 0o700)
    return folder


def build(site: Path, *out: str, now: str = NOW) -> tuple[int, str, str]:
    """``statuspage build`` in its own process, as a user runs it: exit code, stdout, stderr."""
    options = ["--out", *out] if out else []
    completed = subprocess.run(
        [sys.executable, "-m", "statuspage", "build", "--site", str(site), *options, "--now", now],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return completed.returncode, completed.stdout, completed.stderr


def assert_refused(stderr: str, code: int, out: Path | str) -> None:
    assert code == 1, stderr
    assert "Traceback" not in stderr and len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith(f"Error: --out {out}: refusing to replace "), stderr


# --- Folders that are not ours ------------------------------------------------------------------------


def _home(site: Path, place: Path) -> Path:
    return foreign(place / "home")


def _git_folder(site: Path, place: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(place / "repo")], check=True)
    return place / "repo" / ".git"


def _repository(site: Path, place: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(place / "repo")], check=True)
    (place / "repo" / "README").write_text("mine\n", encoding="utf-8")
    return place / "repo"


def _empty_git_folder(site: Path, place: Path) -> Path:
    (place / "empty" / ".git").mkdir(parents=True)
    return place / "empty" / ".git"


def _worktree_checkout(site: Path, place: Path) -> Path:
    """A checkout whose ``.git`` is a file (a worktree or submodule): a repository all the same."""
    (place / "pages").mkdir()
    (place / "pages" / ".git").write_text("gitdir: /elsewhere/.git/worktrees/pages\n", encoding="utf-8")
    return place / "pages"


def _web_root(site: Path, place: Path) -> Path:
    root = place / "www" / "html"
    root.mkdir(parents=True)
    (root / "index.nginx-debian.html").write_text("<h1>Welcome to nginx!</h1>\n", encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(_home, id="home"),
        pytest.param(_git_folder, id="dot-git"),
        pytest.param(_repository, id="repository"),
        pytest.param(_empty_git_folder, id="empty-dot-git"),
        pytest.param(_worktree_checkout, id="git-file"),
        pytest.param(_web_root, id="web-root"),
    ],
)
def test_a_folder_that_is_not_ours_is_refused_and_left_as_it_was(
    site_factory, tmp_path: Path, make: Callable[[Path, Path], Path]
) -> None:
    site = site_factory(incidents=[incident()])
    place = tmp_path / "place"
    place.mkdir()
    out = make(site, place)
    before = everything(place)
    code, _, stderr = build(site, str(out))
    assert_refused(stderr, code, out)
    assert everything(place) == before  # nothing removed, added or changed, beside it or inside


def test_a_committed_build_symlink_to_other_files_is_refused(site_factory, tmp_path: Path) -> None:
    """The default output, ``build``, is a symlink (committed, say) to a folder of someone else's files."""
    site = site_factory(incidents=[incident()])
    target = _web_root(site, tmp_path)
    (site / "build").symlink_to(target, target_is_directory=True)
    before, sources = everything(tmp_path / "www"), everything(site)
    code, _, stderr = build(site)
    assert code == 1 and "Traceback" not in stderr and len(stderr.splitlines()) == 1, stderr
    assert str(target) in stderr and "refusing to replace" in stderr
    assert everything(tmp_path / "www") == before and everything(site) == sources
    assert (site / "build").is_symlink()


def test_a_default_build_folder_of_other_files_is_refused(site_factory) -> None:
    site = site_factory(incidents=[incident()])
    foreign(site / "build")
    before = everything(site)
    code, _, stderr = build(site)
    assert_refused(stderr, code, site / "build")
    assert everything(site) == before


def test_a_symlink_to_the_site_or_its_parent_is_refused(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    for name, target in (("self", site), ("up", tmp_path)):
        (tmp_path / name).symlink_to(target, target_is_directory=True)
        before = everything(tmp_path)
        code, _, stderr = build(site, str(tmp_path / name))
        assert code == 1 and "holds the site's sources" in stderr and len(stderr.splitlines()) == 1, stderr
        assert everything(tmp_path) == before


def test_a_plain_file_is_refused(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    (tmp_path / "notes").write_text("mine\n", encoding="utf-8")
    with pytest.raises(StatuspageError, match="refusing to replace"):
        build_site(site, tmp_path / "notes", NOW)
    assert (tmp_path / "notes").read_text(encoding="utf-8") == "mine\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes", site.name]


def test_watch_refuses_a_folder_that_is_not_ours(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    out = foreign(tmp_path / "home")
    before = everything(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "statuspage", "watch", "--site", str(site), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1
    assert f"--out {out}: refusing to replace " in completed.stderr and "Traceback" not in completed.stderr
    assert everything(tmp_path) == before


# --- Folders that are ours -------------------------------------------------------------------------


def test_a_missing_an_empty_and_our_own_folder_are_built(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "missing" / "public", tmp_path / "empty"):
        for now in (NOW, LATER, LATEST):  # the first build, a rebuild, a rebuild into the spare tree
            code, stdout, stderr = build(site, str(out), now=now)
            assert code == 0 and stdout.startswith("Built "), stderr
        assert (out / "index.html").is_file()


def test_an_output_moved_away_is_ours_no_more(site_factory, tmp_path: Path) -> None:
    """The record names the folder a build made, not its contents: a copy, or a folder put in its place, is not."""
    site = site_factory(incidents=[incident()])
    out = tmp_path / "public"
    assert build(site, str(out))[0] == 0
    shutil.copytree(out, tmp_path / "copy", symlinks=True)
    os.rename(out, tmp_path / "moved")
    os.rename(tmp_path / "copy", out)
    (out / "mine.txt").write_text("mine\n", encoding="utf-8")
    before = everything(out)
    code, _, stderr = build(site, str(out), now=LATER)
    assert_refused(stderr, code, out)
    assert everything(out) == before


def test_a_folder_made_where_a_deleted_output_was_is_not_ours(site_factory, tmp_path: Path) -> None:
    """ext4 gives a folder made at once in place of a deleted one the same inode: that does not make it ours."""
    site = site_factory(incidents=[incident()])
    out = tmp_path / "public"
    assert build(site, str(out))[0] == 0
    shutil.rmtree(out)
    foreign(out)
    before = everything(out)
    code, _, stderr = build(site, str(out), now=LATER)
    assert_refused(stderr, code, out)
    assert everything(out) == before


def test_an_output_with_a_file_added_by_hand_is_still_ours(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    out = tmp_path / "public"
    assert build(site, str(out))[0] == 0
    (out / "stray.txt").write_text("x\n", encoding="utf-8")
    os.chmod(out, 0o700)  # a folder's mode and time change: it is the same folder
    code, _, stderr = build(site, str(out), now=LATER)
    assert code == 0, stderr
    assert not (out / "stray.txt").exists()


def test_an_output_recorded_by_an_earlier_version_is_still_ours(site_factory, tmp_path: Path) -> None:
    """Outputs built before the ownership record: the fingerprint's record still names the folder."""
    site = site_factory(incidents=[incident()])
    out = tmp_path / "public"
    assert build(site, str(out))[0] == 0
    owner = tmp_path / ".public.folders.json"
    assert owner.is_file()
    owner.unlink()
    code, _, stderr = build(site, str(out), now=LATER)
    assert code == 0, stderr
    assert owner.is_file()


def test_deleting_the_cache_folder_forces_a_full_build_of_an_output_still_ours(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    out = tmp_path / "public"
    for now in (NOW, LATER):
        assert build(site, str(out), now=now)[0] == 0
    shutil.rmtree(tmp_path / ".public-cache")
    shutil.rmtree(tmp_path / ".public.spare")
    code, stdout, stderr = build(site, str(out), now=LATER)
    assert code == 0 and stdout.startswith("Built "), stderr


def test_a_new_site_ignores_everything_its_builds_leave(tmp_path: Path) -> None:
    """``statuspage init``'s .gitignore covers the output and every record kept beside it."""
    site = tmp_path / "site"
    assert subprocess.run([sys.executable, "-m", "statuspage", "init", str(site)], capture_output=True).returncode == 0
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    for now in (NOW, LATER):
        code, _, stderr = build(site, now=now)
        assert code == 0, stderr
    status = subprocess.run(["git", "status", "--porcelain"], cwd=site, capture_output=True, text=True, check=True)
    untracked = {line[3:].rstrip("/") for line in status.stdout.splitlines()}
    assert untracked == {".gitignore", ".github", "content", "statuspage.toml", "tickets.public.json"}


def test_a_symlinked_output_is_replaced_at_its_target_and_stays_a_symlink(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    www = tmp_path / "var" / "www"
    (www / "status").mkdir(parents=True)
    (www / "other-site").mkdir()
    (www / "other-site" / "index.html").write_text("theirs\n", encoding="utf-8")
    link = site / "build"
    link.symlink_to(www / "status", target_is_directory=True)
    for now in (NOW, LATER, LATEST):
        code, _, stderr = build(site, now=now)
        assert code == 0, stderr
        assert link.is_symlink() and os.readlink(link) == str(www / "status")
    assert build_site(site, tmp_path / "clean", LATEST).written
    assert tree(www / "status") == tree(tmp_path / "clean")
    assert (www / "other-site" / "index.html").read_text(encoding="utf-8") == "theirs\n"
    # The swap and its records happen beside the target, never beside the link or inside the site.
    assert sorted(path.name for path in site.iterdir()) == ["build", "content", "statuspage.toml"]
    assert {path.name for path in www.iterdir()} >= {"status", ".status.spare", ".status-cache", ".status.folders.json"}


def test_a_symlink_to_a_folder_that_became_foreign_is_refused(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    (tmp_path / "ours").mkdir()
    link = site / "build"
    link.symlink_to(tmp_path / "ours", target_is_directory=True)
    assert build(site)[0] == 0
    link.unlink()
    link.symlink_to(_web_root(site, tmp_path), target_is_directory=True)
    before = everything(tmp_path / "www")
    code, _, stderr = build(site, now=LATER)
    assert code == 1 and "refusing to replace" in stderr, stderr
    assert everything(tmp_path / "www") == before


def test_cleaning_leftovers_removes_only_our_own(site_factory, tmp_path: Path) -> None:
    """Folders beside the output whose names look like a build's leftovers, but that a build did not make."""
    site = site_factory(incidents=[incident()])
    out = tmp_path / "public"
    assert build(site, str(out))[0] == 0
    for name in (".public.tmp-notes", ".public.old-photos"):
        foreign(tmp_path / name)
    before = {name: everything(tmp_path / name) for name in (".public.tmp-notes", ".public.old-photos")}
    for now in (LATER, LATEST):
        code, _, stderr = build(site, str(out), now=now)
        assert code == 0, stderr
    assert {name: everything(tmp_path / name) for name in before} == before


def test_a_spare_folder_that_is_not_ours_is_never_removed(site_factory, tmp_path: Path) -> None:
    site = site_factory(incidents=[incident()])
    out = tmp_path / "public"
    foreign(tmp_path / ".public.spare")
    before = everything(tmp_path / ".public.spare")
    for now in (NOW, LATER):
        code, _, stderr = build(site, str(out), now=now)
        assert code == 1 and "Traceback" not in stderr and len(stderr.splitlines()) == 1, stderr
        assert ".public.spare" in stderr
    assert everything(tmp_path / ".public.spare") == before
    assert sorted(path.name for path in tmp_path.iterdir()) == [".public.spare", site.name]


# --- The published tree's modes ----------------------------------------------------------------------


def modes(root: Path) -> set[tuple[str, int]]:
    """The distinct (kind, permission bits) of every folder and file of a tree, itself included."""
    found = {("dir", stat.S_IMODE(root.stat().st_mode))}
    for folder, folders, names in os.walk(root):
        found |= {("dir", stat.S_IMODE((Path(folder) / name).lstat().st_mode)) for name in folders}
        found |= {("file", stat.S_IMODE((Path(folder) / name).lstat().st_mode)) for name in names}
    return found


def build_under(umask: int, site: Path, out: Path, now: str, jobs: str = "1") -> str:
    """``statuspage build`` in a process of its own under ``umask``; returns its stdout."""
    script = f"import os, sys; os.umask({umask:#o}); from statuspage.cli import run; sys.argv[0] = 'statuspage'; run()"
    options = ["--site", str(site), "--out", str(out), "--now", now, "--jobs", jobs]
    completed = subprocess.run(
        [sys.executable, "-c", script, "build", *options], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_a_build_under_a_wider_umask_opens_every_file_it_kept(site_factory, tmp_path: Path) -> None:
    """Built once under umask 077 (unreadable by the web server), then again with nothing else changed."""
    site = site_factory(incidents=[incident()])
    out = tmp_path / "public"
    build_under(0o077, site, out, NOW)
    assert modes(out) == {("dir", 0o700), ("file", 0o600)}
    assert build_under(0o022, site, out, NOW).startswith("Built ")
    assert modes(out) == {("dir", 0o755), ("file", 0o644)}
    assert build_under(0o022, site, out, LATER).startswith("Built ")  # into the spare, from the 077 build
    assert modes(out) == {("dir", 0o755), ("file", 0o644)}
    assert build_under(0o022, site, out, LATER).startswith("Nothing changed")


@pytest.mark.parametrize(("umask", "folder", "file"), [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)])
def test_the_published_tree_has_the_modes_of_the_umask(
    site_factory, tmp_path: Path, umask: int, folder: int, file: int
) -> None:
    site = site_factory(incidents=[incident()])
    out = tmp_path / "public"
    spare = tmp_path / ".public.spare"
    edits = [NOW, LATER, LATEST, "2026-11-25T12:03:00+01:00"]  # clean, linked from it, into the spare twice
    for jobs, now in zip(("1", "2", "1", "2"), edits, strict=True):
        build_under(umask, site, out, now, jobs)
        assert modes(out) == {("dir", folder), ("file", file)}, now
        if spare.exists():
            assert modes(spare) == {("dir", folder), ("file", file)}, now


# --- A full or read-only disk -----------------------------------------------------------------------


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A real filesystem of its own, 4 MiB: a tmpfs mounted for the test (root only), unmounted after."""
    point = Path(tempfile.mkdtemp(prefix="statuspage-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=True)
        point.rmdir()


def fill(disk: Path, room: int) -> None:
    """Write to ``disk`` until it is full, to the last block, then free ``room`` bytes of it."""
    descriptor = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(descriptor, b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC
        os.ftruncate(descriptor, max(0, os.fstat(descriptor).st_size - room))
    finally:
        os.close(descriptor)


@pytest.mark.parametrize("room", [0, 96 * 1024], ids=["no-room", "room-for-some-files"])
def test_a_full_disk_is_one_line_and_the_output_survives(site_factory, small_disk: Path, room: int) -> None:
    site = site_factory(incidents=[incident()])
    out = small_disk / "public"
    code, _, stderr = build(site, str(out))
    assert code == 0, stderr
    before = tree(out)
    fill(small_disk, room)
    code, _, stderr = build(site, str(out), now=LATER)
    assert code == 1 and "Traceback" not in stderr and len(stderr.splitlines()) == 1, stderr
    reason = "No space left on device"
    assert stderr == f"Error: --out {out}: cannot write the output: {reason} (the previous output is unchanged)\n"
    assert tree(out) == before
    assert not list(small_disk.glob(".public.tmp-*")) and not list(small_disk.glob(".public.old-*"))
    (small_disk / "filler").unlink()
    code, _, stderr = build(site, str(out), now=LATER)  # room again: the build goes through
    assert code == 0, stderr
    assert tree(out) != before


def test_a_read_only_disk_is_one_line_and_the_output_survives(site_factory, small_disk: Path) -> None:
    site = site_factory(incidents=[incident()])
    out = small_disk / "public"
    code, _, stderr = build(site, str(out))
    assert code == 0, stderr
    before = everything(small_disk)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    code, _, stderr = build(site, str(out), now=LATER)
    assert code == 1 and "Traceback" not in stderr and len(stderr.splitlines()) == 1, stderr
    reason = "Read-only file system"
    assert stderr == f"Error: --out {out}: cannot write the output: {reason} (the previous output is unchanged)\n"
    assert everything(small_disk) == before
