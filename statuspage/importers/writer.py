"""Writing a ``SiteDraft`` as a statuspage site: ``statuspage.toml`` and one Markdown file per item."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..config import CONFIG_NAME
from ..errors import StatuspageError
from ..newsite import write_support_files
from .common import ItemDraft, SiteDraft, UpdateDraft, slugify, unique

_DATED_HEADING = re.compile(r"^##(?!#)([ \t]+\d{4}-\d{2}-\d{2})")
_DATE_LINE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SETEXT = re.compile(r"^(-+|=+)[ \t]*$")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_LEADING_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[-_]?")


def write_site(draft: SiteDraft, dest: Path, *, force: bool = False) -> list[Path]:
    """Write the site into ``dest`` (created if missing); existing files are replaced only with ``force``."""
    files = render_site(draft)
    if dest.exists() and not dest.is_dir():
        raise StatuspageError(f"--site {dest}: exists and is not a directory")
    conflicts = [relative for relative in files if (dest / relative).exists()]
    if conflicts and not force:
        shown = ", ".join(str(relative) for relative in conflicts[:5])
        more = f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else ""
        raise StatuspageError(f"{dest}: {shown}{more} already exist; use --force to replace them")
    for relative, text in files.items():
        path = dest / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return [*files, *write_support_files(dest)]


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
    lines = [
        f"# Imported from a {draft.tool} site by `statuspage import`.  Every key is checked: an unknown",
        "# key is an error.  The README's Configuration table explains each of them.",
        "",
        "[site]",
        f"title = {_quoted(draft.title)}",
        f"base_url = {_quoted(draft.base_url)}",
        f"language = {_quoted(draft.language)}",
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
        "# The support desk's SQLite database of known issues (see `statuspage tickets`).",
        "[tickets]",
        'db = "content/tickets.db"',
        "",
    ]
    return "\n".join(lines)


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
