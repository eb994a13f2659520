"""cState (a Hugo theme) to statuspage.

A cState site has a Hugo config (``config.yml``, or ``hugo.toml`` and friends) whose
``params.systems`` and ``params.categories`` become our components and groups, and one Markdown
file per issue in ``content/issues/``.  Hugo reads keys case-insensitively, so we do too.

Mapping (docs/migration.md has the full table):

- ``severity``: ``down`` -> critical (major outage), ``disrupted`` -> major (partial outage),
  ``notice`` -> none (informational); ``informational: true`` -> none.
- ``resolved: true`` + ``resolvedWhen`` -> ``resolved``; ``resolved: false`` stays ongoing.
- Each paragraph ending in ``{{< track "time" >}}`` becomes an update at that time, its leading
  ``*Label* -`` giving the status; paragraphs without a time stay in the summary.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from ..config import LANGUAGES
from ..errors import Collector
from ..newsite import PLACEHOLDER_BASE_URL
from .common import (
    Components,
    ItemDraft,
    Note,
    SiteDraft,
    SiteOptions,
    TranslationDraft,
    order_updates,
    parse_foreign_time,
    time_zone,
    ui_language,
    with_description,
)
from .foreign import ForeignDocument, SourceFolder, field_time, load_data_file, split_front_matter

CONFIG_NAMES = (
    "config.yml",
    "config.yaml",
    "config.toml",
    "config.json",
    "hugo.yml",
    "hugo.yaml",
    "hugo.toml",
    "hugo.json",
)
SEVERITIES = {"down": "critical", "disrupted": "major", "notice": "none"}
KNOWN_KEYS = {
    "title",
    "description",
    "date",
    "resolved",
    "resolvedwhen",
    "severity",
    "affected",
    "informational",
    "pin",
}
_IGNORED_KEYS = {"section", "lastmod", "publishdate", "id", "automated"}  # carry nothing a visitor sees
_TRACK = re.compile(r"""\{\{[<%]\s*track\s+(?:"([^"]*)"|'([^']*)'|([^\s>%]+))\s*[>%]\}\}""")
_LABEL = re.compile(r"^\s*(\*{1,2}|_{1,2})([^*_\n]{1,60}?)\1\s*(?:[-–—:]\s*)?")
_STATUS_PARAGRAPH = re.compile(r"^\s*(\*{1,2}|_{1,2})[^*_\n]{1,60}?\1\s*[-–—:]")
_SHORTCODE_OPEN = re.compile(r"\{\{[<%]")
_SHORTCODE_CLOSE = re.compile(r"[>%]\}\}")


def read_cstate(source: Path, options: SiteOptions) -> SiteDraft:
    """Read a cState site; raises ValidationError listing every problem that stops the import."""
    problems = Collector()
    notes: list[Note] = []
    files = SourceFolder(source)
    config_path = next((source / name for name in CONFIG_NAMES if (source / name).is_file()), None)
    if config_path is None:
        problems.add(str(source), None, f"no Hugo config ({', '.join(CONFIG_NAMES[:3])}, ...): is this a cState site?")
        problems.raise_if_any()
    assert config_path is not None
    config_shown = str(config_path)
    config = _lower_keys(load_data_file(config_path, config_shown, problems, files))
    if not isinstance(config, dict):
        if not problems.problems:
            problems.add(config_shown, None, "the config must be a mapping of settings")
        problems.raise_if_any()
    params = config.get("params") if isinstance(config.get("params"), dict) else {}

    source_zone = time_zone(config.get("timezone"), config_shown, notes)
    zone = time_zone(options.timezone, "--timezone", notes) if options.timezone else source_zone
    language = options.language or _language(config, config_shown, notes)
    components = Components(notes)
    _read_systems(params, config_shown, components, problems, notes)

    issues = source / "content" / "issues"
    if not issues.is_dir():
        problems.add(str(source), None, "no content/issues/ folder: is this a cState site?")
    items = _read_issues(issues, files, source_zone, language, components, config_path.name, problems, notes)
    problems.raise_if_any()

    base_url = config.get("baseurl")
    if not isinstance(base_url, str) or not re.match(r"^https?://[^/]+", base_url):
        notes.append(Note(config_shown, f"baseURL {base_url!r} is not an absolute URL: set [site] base_url"))
        base_url = PLACEHOLDER_BASE_URL
    title = config.get("title") if isinstance(config.get("title"), str) and config.get("title") else "Status"
    if isinstance(params.get("description"), str):
        notes.append(Note(config_shown, "params.description: statuspage has no site description; not imported"))
    return SiteDraft(
        tool="cState",
        source=source,
        title=str(title),
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        language=language,
        timezone=zone,
        components=components.drafts,
        items=items,
        notes=notes,
    )


def _lower_keys(value: Any) -> Any:
    """Hugo treats config and front matter keys case-insensitively: ``baseURL`` is ``baseurl``."""
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item) for item in value]
    return value


def _language(config: dict[str, Any], shown: str, notes: list[Note]) -> str:
    code = str(config.get("defaultcontentlanguage") or config.get("languagecode") or "en")
    return ui_language(code, "language", shown, notes)


def _read_systems(
    params: dict[str, Any], shown: str, components: Components, problems: Collector, notes: list[Note]
) -> None:
    """``params.categories`` in order, then ``params.systems``: a system is a name or a mapping."""
    categories: dict[str, str | None] = {}
    for entry in params.get("categories") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            problems.add(shown, None, f"params.categories: each category needs a name, got {entry!r}")
            continue
        name = entry["name"]
        # An untitled category shows its systems without a heading: in statuspage, no group.
        categories[name] = None if entry.get("untitled") is True else name
        for key in entry:
            if key in ("description", "closed"):
                notes.append(Note(shown, f"category {name!r}: {key} has no statuspage equivalent; not imported"))
            elif key not in ("name", "untitled"):
                notes.append(Note(shown, f"category {name!r}: unknown key {key!r}; not imported"))
    systems = params.get("systems")
    if not isinstance(systems, list) or not systems:
        problems.add(shown, None, "params.systems: a cState site lists its systems here; none found")
        return
    for entry in systems:
        if isinstance(entry, str):  # cState before v4: a list of names
            components.add(entry, entry)
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            problems.add(shown, None, f"params.systems: each system needs a name, got {entry!r}")
            continue
        name = entry["name"].strip()
        category = entry.get("category")
        group = categories.get(category, category) if isinstance(category, str) else None
        if isinstance(category, str) and categories and category not in categories:
            notes.append(Note(shown, f"system {name!r}: category {category!r} is not in params.categories"))
        description = entry.get("description") if isinstance(entry.get("description"), str) else None
        components.add(name, name, group, description)
        for key in entry:
            if key == "link":
                notes.append(Note(shown, f"system {name!r}: link has no statuspage equivalent; not imported"))
            elif key not in ("name", "category", "description"):
                notes.append(Note(shown, f"system {name!r}: unknown key {key!r}; not imported"))


def _read_issues(
    folder: Path,
    files: SourceFolder,
    zone: tzinfo,
    language: str,
    components: Components,
    config_name: str,
    problems: Collector,
    notes: list[Note],
) -> list[ItemDraft]:
    if not folder.is_dir():
        return []
    originals: dict[str, ItemDraft] = {}
    translations: list[tuple[Path, str, str]] = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() and (path / "index.md").is_file():  # a page bundle
            path, name = path / "index.md", path.name
        elif path.suffix == ".md" and not path.name.startswith(("_", ".")):
            name = path.stem
        else:
            continue
        base, _, suffix = name.partition(".")
        if suffix:
            translations.append((path, base, suffix))
            continue
        item = _read_issue(path, files, name, zone, components, config_name, problems, notes)
        if item is not None:
            originals[name] = item
    for path, base, code in translations:
        _read_translation(path, files, originals.get(base), code, language, zone, problems, notes)
    return list(originals.values())


def _read_issue(
    path: Path,
    files: SourceFolder,
    name: str,
    zone: tzinfo,
    components: Components,
    config_name: str,
    problems: Collector,
    notes: list[Note],
) -> ItemDraft | None:
    shown = str(path)
    text = files.read_text(path, shown, problems)
    doc = split_front_matter(shown, text, problems, lowercase=True) if text is not None else None
    if doc is None:
        return None
    fields = doc.fields
    if fields.get("draft") is True:
        notes.append(Note(shown, "draft: not imported"))
        return None
    for key in fields:
        if key not in KNOWN_KEYS and key not in _IGNORED_KEYS:
            notes.append(Note(shown, f"front matter key {key!r} has no statuspage equivalent; not imported"))
    before = len(problems.problems)
    title = fields.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.add(shown, doc.line("title"), "title is required")
    start = field_time(doc, "date", zone, problems, required=True)
    resolved_when = field_time(doc, "resolvedwhen", zone, problems)
    informational = fields.get("informational") is True
    severity = _severity(doc, informational, problems, notes)
    summary, found = _timeline(doc.body, doc, zone, problems, notes)
    if len(problems.problems) > before:
        return None
    assert isinstance(title, str) and start is not None and severity is not None
    updates = order_updates(found, "incident", shown, notes)
    summary = with_description(summary, fields.get("description"), shown, notes)
    if updates and updates[0].time < start:
        notes.append(Note(shown, "the first update is older than date: the incident starts with it"))
        start = updates[0].time

    affected = fields.get("affected")
    names = [affected] if isinstance(affected, str) else [str(entry) for entry in affected or []]
    ids = components.resolve(names, shown, config_name) if names else []
    if not ids:
        ids = [draft.id for draft in components.drafts]
        notes.append(Note(shown, "no affected systems: listed under every component"))
    return ItemDraft(
        kind="incident",
        origin=shown,
        name=name,
        title=title.strip(),
        start=start,
        components=ids,
        body=summary,
        updates=updates,
        resolved=_resolution(doc, start, resolved_when, informational, updates, notes),
        severity=severity,
        pin=fields.get("pin") is True,
    )


def _severity(doc: ForeignDocument, informational: bool, problems: Collector, notes: list[Note]) -> str | None:
    value = doc.fields.get("severity")
    if informational:
        return "none"
    if value is None:
        notes.append(Note(doc.path, "no severity: imported as an informational notice (none)"))
        return "none"
    severity = SEVERITIES.get(str(value).strip().lower())
    if severity is None:
        problems.add(doc.path, doc.line("severity"), f"unknown severity {value!r} (expected down | disrupted | notice)")
    return severity


def _resolution(
    doc: ForeignDocument,
    start: datetime,
    resolved_when: datetime | None,
    informational: bool,
    updates: list[Any],
    notes: list[Note],
) -> datetime | None:
    """When the incident ended, as far as the file tells; None keeps it ongoing."""
    if informational:
        return max(resolved_when or start, start)  # a notice has no duration
    if doc.fields.get("resolved") is not True:
        if resolved_when is not None:
            notes.append(Note(doc.path, "resolvedWhen is set but resolved is not true: imported as ongoing"))
        return None
    if resolved_when is None:
        fallback = max((update.time for update in updates if update.status == "resolved"), default=None)
        fallback = fallback or (updates[-1].time if updates else start)
        notes.append(Note(doc.path, f"resolved without resolvedWhen: resolved at {fallback.isoformat()}"))
        return fallback
    if resolved_when < start:
        notes.append(Note(doc.path, "resolvedWhen is before date: resolved at date"))
        return start
    return resolved_when


def _timeline(
    body: str, doc: ForeignDocument, zone: tzinfo, problems: Collector, notes: list[Note]
) -> tuple[str, list[tuple[datetime, str | None, str]]]:
    """Split the body into the summary and the tracked paragraphs: (time, label, text) each."""
    summary: list[str] = []
    found: list[tuple[datetime, str | None, str]] = []
    for paragraph in re.split(r"\n[ \t]*\n", body.strip()):
        tracks = list(_TRACK.finditer(paragraph))
        if not tracks:
            if paragraph.strip():
                summary.append(paragraph.strip())
            continue
        raw = next(group for group in tracks[-1].groups() if group is not None)
        text = _TRACK.sub("", paragraph).strip()
        try:
            moment = parse_foreign_time(raw, zone)
        except ValueError as exc:
            problems.add(doc.path, None, f"track shortcode: {exc}")
            continue
        label_match = _LABEL.match(text)
        label = label_match.group(2).strip() if label_match else None
        if label_match:
            text = text[label_match.end() :].strip()
        found.append((moment, label, text))
    if any(_STATUS_PARAGRAPH.match(part) for part in summary):
        notes.append(Note(doc.path, "a status paragraph has no {{< track >}} time: kept in the summary"))
    text = "\n\n".join(summary)
    if _has_shortcode(text) or any(_has_shortcode(entry[2]) for entry in found):
        notes.append(Note(doc.path, "Hugo shortcodes other than track are not supported: left as text"))
    return text, found


def _has_shortcode(text: str) -> bool:
    """A ``{{< ... >}}`` on one line; one regex would rescan the line from every opening: quadratic."""
    for line in text.split("\n"):
        opening = _SHORTCODE_OPEN.search(line)
        if opening is not None and _SHORTCODE_CLOSE.search(line, opening.end()):
            return True
    return False


def _read_translation(
    path: Path,
    files: SourceFolder,
    original: ItemDraft | None,
    code: str,
    language: str,
    zone: tzinfo,
    problems: Collector,
    notes: list[Note],
) -> None:
    """``<name>.<lang>.md`` (Hugo's translation by file name): ours if the language ships."""
    shown = str(path)
    if original is None or code not in LANGUAGES or code == language:
        notes.append(
            Note(shown, f"translation into {code!r}: statuspage translates only into {' or '.join(LANGUAGES)}")
        )
        return
    text = files.read_text(path, shown, problems)
    doc = split_front_matter(shown, text, problems, lowercase=True) if text is not None else None
    if doc is None:
        return
    summary, found = _timeline(doc.body, doc, zone, problems, notes)
    title = doc.fields.get("title")
    original.translations[code] = TranslationDraft(
        title=title.strip() if isinstance(title, str) and title.strip() else original.title,
        body=summary,
        updates=order_updates(found, "incident", shown, notes),
    )
