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

import os
import re
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from ..config import LANGUAGES
from ..errors import Collector
from ..newsite import PLACEHOLDER_BASE_URL
from .common import (
    ComponentDraft,
    Components,
    ItemDraft,
    Note,
    SiteDraft,
    SiteOptions,
    TranslationDraft,
    UpdateDraft,
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
    categories = _read_systems(params, config_shown, components, problems, notes)

    issues = source / "content" / "issues"
    if not issues.is_dir():
        problems.add(str(source), None, "no content/issues/ folder: is this a cState site?")
    skipped = Skipped(notes)
    items = _read_issues(issues, files, source_zone, language, components, config_path.name, problems, skipped)
    _other_content(source / "content", issues, skipped)
    skipped.close(source / "content")
    problems.raise_if_any()
    ordered = _page_order(components.drafts, categories)
    if ordered != components.drafts:
        notes.append(
            Note(
                config_shown,
                "components without a category are listed first, then each category's together: on the page, "
                "a component after a category would show under its heading",
            )
        )

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
        components=ordered,
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


def _page_order(drafts: list[ComponentDraft], categories: list[str]) -> list[ComponentDraft]:
    """Components as cState shows them: those without a heading first, then category by category.

    Our pages put a heading before each run of one group and none before a run without one, so a
    component without a group listed after a group would read as part of that group.
    """
    groups = list(dict.fromkeys([*categories, *(draft.group for draft in drafts if draft.group)]))
    return sorted(drafts, key=lambda draft: -1 if draft.group is None else groups.index(draft.group))


def _read_systems(
    params: dict[str, Any], shown: str, components: Components, problems: Collector, notes: list[Note]
) -> list[str]:
    """``params.categories`` in order, then ``params.systems``: a system is a name or a mapping.

    Returns the titled categories in their order: the order their systems are shown in.
    """
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
    titled = [title for title in categories.values() if title is not None]
    systems = params.get("systems")
    if not isinstance(systems, list) or not systems:
        problems.add(shown, None, "params.systems: a cState site lists its systems here; none found")
        return titled
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
    return titled


def _read_issues(
    folder: Path,
    files: SourceFolder,
    zone: tzinfo,
    language: str,
    components: Components,
    config_name: str,
    problems: Collector,
    skipped: Skipped,
) -> list[ItemDraft]:
    if not folder.is_dir():
        return []
    notes = skipped.notes
    originals: dict[str, ItemDraft] = {}
    translations: list[tuple[Path, str, str]] = []
    for path, name in _issue_files(folder, skipped):
        base, _, suffix = name.partition(".")
        if suffix:
            translations.append((path, base, suffix))
            continue
        item = _read_issue(path, files, name, zone, components, config_name, problems, notes)
        if item is not None:
            originals[name] = item
    for path, base, code in translations:
        if base not in originals:  # a draft, or no such issue
            skipped.add(path, f"a translation of {base}, which is missing or left out")
            continue
        _read_translation(path, files, originals[base], code, language, zone, problems, notes)
    return list(originals.values())


class Skipped:
    """The notes naming each file of ``content/`` that is not imported, so nothing is left out unsaid.

    A source may hold any number of files: past ``MAX_LISTED`` they are counted, not listed.
    """

    MAX_LISTED = 200

    def __init__(self, notes: list[Note]) -> None:
        self.notes = notes
        self.count = 0

    def add(self, path: Path, why: str) -> None:
        self.count += 1
        if self.count <= self.MAX_LISTED:
            self.notes.append(Note(str(path), f"{why}: not imported"))

    def tree(self, folder: Path, why: str) -> None:
        """Every file under ``folder``; links are not followed (they are never read either)."""
        for root, dirs, names in os.walk(folder):
            dirs.sort()
            for name in sorted(names):
                self.add(Path(root) / name, why)

    def close(self, where: Path) -> None:
        if self.count > self.MAX_LISTED:
            self.notes.append(Note(str(where), f"{self.count - self.MAX_LISTED} more files: not imported"))


def _issue_files(folder: Path, skipped: Skipped) -> list[tuple[Path, str]]:
    """The Markdown issues of ``content/issues/`` with their names, bundles' ``index.<lang>.md`` included.

    A name with a language (``<name>.<lang>``) is a translation.  Everything else is named in
    the notes, saying why it is not imported.
    """
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() and not path.is_symlink():
            if not (path / "index.md").is_file():
                skipped.tree(path, "a folder without index.md")
                continue
            for inner in sorted(path.iterdir()):  # a page bundle: index.md, its translations, its resources
                language = _BUNDLE_INDEX.match(inner.name)
                if language and inner.is_file():
                    found.append((inner, path.name + (f".{language.group(1)}" if language.group(1) else "")))
                elif inner.is_dir() and not inner.is_symlink():
                    skipped.tree(inner, f"a resource of the page bundle {path.name}")
                else:
                    skipped.add(inner, f"a resource of the page bundle {path.name}")
        elif path.name == "_index.md" or _LIST_PAGE.match(path.name):
            skipped.add(path, "Hugo's list page of the issues")
        elif path.suffix != ".md":
            skipped.add(path, "not a Markdown issue")
        elif path.name.startswith((".", "_")):
            skipped.add(path, "a hidden file")
        else:
            found.append((path, path.stem))
    return found


_BUNDLE_INDEX = re.compile(r"^index(?:\.([a-z]{2,3}(?:-[A-Za-z]+)?))?\.md$")
_LIST_PAGE = re.compile(r"^_index\.[a-z]{2,3}(?:-[A-Za-z]+)?\.md$")


def _other_content(content: Path, issues: Path, skipped: Skipped) -> None:
    """Files of ``content/`` outside ``issues/`` (about pages, the home page's ``_index.md``): named, not imported."""
    if not content.is_dir():
        return
    for path in sorted(content.iterdir()):
        if path == issues:
            continue
        if path.is_dir() and not path.is_symlink():
            skipped.tree(path, "not an issue (only content/issues/ holds issues)")
        else:
            skipped.add(path, "not an issue (only content/issues/ holds issues)")


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
    updates = _from_date(order_updates(found, "incident", shown, notes), start, shown, notes)
    summary = with_description(summary, fields.get("description"), shown, notes)

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


def _from_date(updates: list[UpdateDraft], start: datetime, shown: str, notes: list[Note]) -> list[UpdateDraft]:
    """Updates dated no earlier than the issue's ``date``, which cState measures the issue from.

    A ``track`` time before it is most often copied from an older issue; starting the incident
    there would turn a three-minute outage into one of months.
    """
    for update in updates:
        if update.time < start:
            message = f"the update of {update.time.isoformat()} is older than date ({start.isoformat()}): dated at date"
            notes.append(Note(shown, message))
            update.time = start
    return updates


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
    for paragraph in re.split(r"\n[ \t]*\n", _without_separators(body).strip()):
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


def _without_separators(body: str) -> str:
    """The body without the ``---`` (``***``, ``- - -``) lines cState sites put between updates.

    Kept, one became the summary (a bare rule above the timeline), or, right under an update's
    text, turned that text into a heading.  Lines inside fenced code are content and stay.
    """
    kept: list[str] = []
    fence: str | None = None
    for line in body.split("\n"):
        opening = _FENCE_LINE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None and _THEMATIC_BREAK.match(line):
            kept.append("")
            continue
        kept.append(line)
    return "\n".join(kept)


_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")


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
    original: ItemDraft,
    code: str,
    language: str,
    zone: tzinfo,
    problems: Collector,
    notes: list[Note],
) -> None:
    """``<name>.<lang>.md`` (Hugo's translation by file name): ours if the language ships."""
    shown = str(path)
    if code not in LANGUAGES or code == language:
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
        updates=_from_date(order_updates(found, "incident", shown, notes), original.start, shown, notes),
    )
