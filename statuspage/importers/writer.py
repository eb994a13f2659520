"""Writing a ``SiteDraft`` as a statuspage site: ``statuspage.toml`` and one Markdown file per item.

All or nothing: the whole site is written and checked in a temporary directory first (beside
the target, or inside it when it exists, so that the last step is a rename on one file system),
and only then moved into place.  Any failure leaves the target as it was, byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..config import CONFIG_NAME
from ..errors import Problem, StatuspageError, ValidationError
from ..newsite import TEMPLATE, write_support_files
from .common import ItemDraft, SiteDraft, UpdateDraft, slugify, unique

_DATED_HEADING = re.compile(r"^##(?!#)([ \t]+\d{4}-\d{2}-\d{2})")
_DATE_LINE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SETEXT = re.compile(r"^(-+|=+)[ \t]*$")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_LEADING_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[-_]?")


Check = Callable[[Path], list[Problem]]


def write_site(draft: SiteDraft, dest: Path, check: Check, *, force: bool = False) -> list[Path]:
    """Write the site into ``dest`` (created if missing) once ``check`` passes on a staged copy.

    Existing files are replaced only with ``force``; an existing tickets database, ``.gitignore``
    or workflow is always kept.
    """
    files = _encoded(render_site(draft))
    if dest.exists() and not dest.is_dir():
        raise StatuspageError(f"--site {dest}: exists and is not a directory")
    conflicts = [relative for relative in files if os.path.lexists(dest / relative)]
    folders = [relative for relative in conflicts if (dest / relative).is_dir() and not (dest / relative).is_symlink()]
    if folders:
        raise StatuspageError(f"{dest / folders[0]}: is a folder; an import replaces only files")
    if conflicts and not force:
        shown = ", ".join(str(relative) for relative in conflicts[:5])
        more = f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else ""
        raise StatuspageError(f"{dest}: {shown}{more} already exist; use --force to replace them")
    staging = _staging_directory(dest)
    try:
        site = staging / "site"
        for relative, data in files.items():
            (site / relative).parent.mkdir(parents=True, exist_ok=True)
            (site / relative).write_bytes(data)
        support = [relative for relative in write_support_files(site) if not os.path.lexists(dest / relative)]
        problems = check(site)
        if problems:
            raise ValidationError([_shown_at(problem, site, dest) for problem in problems])
        _move_into_place(site, dest, [*files, *support], staging / "replaced")
    except OSError as exc:
        raise StatuspageError(f"{dest}: cannot write the site ({exc.strerror or exc}); nothing was changed") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [*files, *support]


def _encoded(files: dict[Path, str]) -> dict[Path, bytes]:
    """Every file as UTF-8 before anything is written: text that cannot be encoded stops the import here."""
    encoded: dict[Path, bytes] = {}
    for relative, text in files.items():
        try:
            encoded[relative] = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise StatuspageError(
                f"{relative}: the imported text holds {exc.object[exc.start]!r}, no character"
            ) from None
    return encoded


def _staging_directory(dest: Path) -> Path:
    """A private directory on the target's file system: inside an existing target, else beside it."""
    anchor = dest if dest.is_dir() else dest.absolute().parent
    while not anchor.is_dir():  # --site a/b/c where only a exists: the missing folders are made at the end
        anchor = anchor.parent
    try:
        return Path(tempfile.mkdtemp(prefix=".statuspage-import-", dir=anchor))
    except OSError as exc:
        raise StatuspageError(f"{anchor}: cannot write here ({exc.strerror or exc}); nothing was changed") from None


def _shown_at(problem: Problem, staged: Path, dest: Path) -> Problem:
    """A problem found in the staged copy, named where the file would have been written."""
    if problem.path.startswith(str(staged)):
        return Problem(str(dest) + problem.path[len(str(staged)) :], problem.line, problem.message)
    return problem


def _move_into_place(site: Path, dest: Path, relatives: list[Path], replaced: Path) -> None:
    """Move the staged files into ``dest``; if one move fails, undo the others before raising."""
    if not dest.exists():
        dest.absolute().parent.mkdir(parents=True, exist_ok=True)
        os.rename(site, dest)  # a new site appears whole or not at all
        return
    done: list[tuple[Path, bool]] = []  # (relative, whether it replaced a file kept in ``replaced``)
    made: list[Path] = []
    try:
        for relative in relatives:
            target = dest / relative
            for folder in reversed(target.parents):
                if folder != dest and folder.is_relative_to(dest) and not folder.exists():
                    folder.mkdir()
                    made.append(folder)
            existed = os.path.lexists(target)
            if existed:
                (replaced / relative).parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, replaced / relative)
            done.append((relative, existed))
            os.replace(site / relative, target)
    except OSError:
        for relative, existed in reversed(done):
            if os.path.lexists(dest / relative) and not os.path.lexists(site / relative):
                os.replace(dest / relative, site / relative)
            if existed:
                os.replace(replaced / relative, dest / relative)
        for folder in reversed(made):
            folder.rmdir()
        raise


def render_site(draft: SiteDraft) -> dict[Path, str]:
    """Every file's path (relative to the site) and text; items are named ``<date>-<slug>.md``."""
    files = {Path(CONFIG_NAME): render_config(draft)}
    used: set[str] = set()
    for item in sorted(draft.items, key=lambda item: (item.start, item.name)):
        folder = Path("content") / ("incidents" if item.kind == "incident" else "maintenance")
        slug = unique(_slug(item, draft.timezone), used)
        files[folder / f"{slug}.md"] = render_item(item, draft.timezone)
        for language, translation in sorted(item.translations.items()):
            front = f"title: {_quoted(translation.title)}\n"
            files[folder / f"{slug}.{language}.md"] = _document(
                front, translation.body, translation.updates, draft.timezone
            )
    return files


def render_config(draft: SiteDraft) -> str:
    # The source's translations are shown only in languages the site builds: its own first.
    translated = sorted({language for item in draft.items for language in item.translations} - {draft.language})
    languages = [f"languages = [{', '.join(_quoted(code) for code in [draft.language, *translated])}]"]
    lines = [
        f"# Imported from a {draft.tool} site by `statuspage import`.  Every key is checked: an unknown",
        "# key is an error.  The README's Configuration table explains each of them.",
        "",
        "[site]",
        f"title = {_quoted(draft.title)}",
        f"base_url = {_quoted(draft.base_url)}",
        f"language = {_quoted(draft.language)}",
        *(languages if translated else []),
        f"timezone = {_quoted(draft.timezone.key)}",
    ]
    for component in draft.components:
        lines += ["", "[[components]]", f"id = {_quoted(component.id)}", f"name = {_quoted(component.name)}"]
        if component.group:
            lines.append(f"group = {_quoted(component.group)}")
        if component.description:
            lines.append(f"description = {_quoted(' '.join(component.description.split()))}")
    lines += [
        "",
        "# How visitors reach technical support (chat_url, email, phone, address, hours): add a [support]",
        "# table; the README's Configuration table lists its keys.",
        "",
        *_tickets_table(),
        "",
    ]
    return "\n".join(lines)


def _tickets_table() -> list[str]:
    """The ``[tickets]`` table and its comment exactly as ``init`` writes them (the database stays out of git)."""
    lines = (TEMPLATE / "en" / "statuspage.toml").read_text(encoding="utf-8").split("\n")
    start = end = lines.index("[tickets]")
    while start > 0 and lines[start - 1].startswith("#"):
        start -= 1
    while end + 1 < len(lines) and lines[end + 1].strip():
        end += 1
    return lines[start : end + 1]


def render_item(item: ItemDraft, zone: ZoneInfo) -> str:
    front = [f"title: {_quoted(item.title)}"]
    if item.kind == "incident":
        front.append(f"date: {_stamp(item.start, zone)}")
        if item.resolved is not None:
            front.append(f"resolved: {_stamp(item.resolved, zone)}")
        front.append(f"severity: {item.severity}")
        front.append(f"components: [{', '.join(item.components)}]")
        if item.pin:
            front.append("pin: true")
    else:
        assert item.end is not None
        front.append(f"start: {_stamp(item.start, zone)}")
        front.append(f"end: {_stamp(item.end, zone)}")
        front.append(f"components: [{', '.join(item.components)}]")
        front.append(f"impact: {item.impact}")
    return _document("\n".join(front) + "\n", item.body, item.updates, zone)


def _document(front: str, body: str, updates: list[UpdateDraft], zone: ZoneInfo) -> str:
    parts = [f"---\n{front}---\n"]
    if body.strip():
        parts.append(neutralise(body.strip()) + "\n")
    for update in sorted(updates, key=lambda update: update.time, reverse=True):  # newest first, as we write them
        text = neutralise(update.body.strip())
        parts.append(f"\n## {_stamp(update.time, zone)} {update.status}\n" + (f"{text}\n" if text else ""))
    return "".join(parts)


def neutralise(markdown: str) -> str:
    """Keep foreign text from being read as our own updates.

    A ``## 2018-06-13 ...`` heading would open an update in our format, so it becomes ``###``;
    a date line underlined with ``---`` or ``===`` gets a blank line in between.
    """
    lines = markdown.split("\n")
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and line.rstrip() == fence:
            fence = None
        elif fence is None:
            line = _DATED_HEADING.sub(r"###\1", line)
            if _SETEXT.match(line) and out and _DATE_LINE.match(out[-1]):
                out.append("")
        out.append(line)
    return "\n".join(out)


def _slug(item: ItemDraft, zone: ZoneInfo) -> str:
    day = item.start.astimezone(zone).date().isoformat()
    rest = slugify(_LEADING_DATE.sub("", item.name)) or slugify(item.title) or item.kind
    return f"{day}-{rest}"


def _stamp(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def _quoted(text: str) -> str:
    # A JSON string is also a valid YAML double-quoted scalar and a TOML basic string.
    return json.dumps(text, ensure_ascii=False)
