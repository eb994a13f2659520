"""Reading other tools' files: front matter in YAML, TOML or JSON, and config files in those
formats or as a JavaScript object literal.  Every failure is a ``path:line: message`` problem.

YAML is read without its timestamp type, so times stay the text that was written and are
parsed by our own clock rules; nothing foreign is ever executed.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import yaml

from ..errors import Collector
from ..sources.frontmatter import NoTimestampLoader
from .common import parse_foreign_time
from .jsobject import JsLiteralError, read_exported_object

MAX_FILE_BYTES = 1024 * 1024
_KEY_LINE = re.compile(r"""^\s*["']?([A-Za-z0-9_.-]+)["']?\s*[:=]""")
_OPENING = re.compile(r"^(---|\+\+\+)\s*([A-Za-z]*)\s*$")


@dataclass(frozen=True)
class ForeignDocument:
    """A content file of another tool: its front matter as plain data, and its Markdown body."""

    path: str
    fields: dict[str, Any]
    lines: dict[str, int]  # the line each top-level key was written on, as far as it can be told
    body: str
    body_line: int  # the file line the body starts on

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)


def read_text(path: Path, shown: str, problems: Collector) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.add(shown, None, f"file is larger than {MAX_FILE_BYTES // 1024} KiB")
            return None
        return path.read_bytes().decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        problems.add(shown, None, f"not UTF-8 text: {exc.reason} at byte {exc.start}")
    except OSError as exc:
        problems.add(shown, None, f"cannot read: {exc.strerror}")
    return None


def split_front_matter(
    shown: str, text: str, problems: Collector, *, lowercase: bool = False
) -> ForeignDocument | None:
    """Front matter between ``---`` (YAML, or ``---json``/``---toml``), ``+++`` (TOML), or a leading JSON object."""
    if text.lstrip().startswith("{"):
        return _json_object_front_matter(shown, text, problems, lowercase)
    lines = text.split("\n")
    opening = _OPENING.match(lines[0]) if lines else None
    if opening is None:
        problems.add(shown, 1, "missing front matter: the file must start with '---', '+++' or '{'")
        return None
    fence, language = opening.group(1), opening.group(2).lower()
    if fence == "+++":
        language = "toml"
    closing = next((index for index in range(1, len(lines)) if lines[index].rstrip() in (fence, "...")), None)
    if closing is None:
        problems.add(shown, 1, f"front matter is not closed by a line '{fence}'")
        return None
    front = "\n".join(lines[1:closing])
    data = parse_data(front, language or "yaml", shown, problems, first_line=2)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.add(shown, 2, "front matter must be a mapping of keys to values")
        return None
    return _document(shown, data, lines[1:closing], 2, "\n".join(lines[closing + 1 :]), closing + 2, lowercase)


def _json_object_front_matter(shown: str, text: str, problems: Collector, lowercase: bool) -> ForeignDocument | None:
    start = len(text) - len(text.lstrip())
    try:
        data, end = json.JSONDecoder().raw_decode(text, start)
    except (json.JSONDecodeError, RecursionError) as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else 1
        problems.add(shown, line, f"malformed JSON front matter: {getattr(exc, 'msg', 'nested too deeply')}")
        return None
    if not isinstance(data, dict):
        problems.add(shown, 1, "front matter must be a JSON object")
        return None
    front = text[:end].split("\n")
    rest = text[end:].lstrip(" \t")
    body_line = len(front) + 1 if rest.startswith("\n") else len(front)
    return _document(shown, data, front, 1, rest.removeprefix("\n"), body_line, lowercase)


def _document(
    shown: str, data: dict[Any, Any], front: list[str], first_line: int, body: str, body_line: int, lowercase: bool
) -> ForeignDocument:
    lines: dict[str, int] = {}
    for offset, line in enumerate(front):
        match = _KEY_LINE.match(line)
        if match:
            key = match.group(1).lower() if lowercase else match.group(1)
            lines.setdefault(key, first_line + offset)
    fields = {(str(key).lower() if lowercase else str(key)): value for key, value in data.items()}
    return ForeignDocument(shown, fields, lines, body, body_line)


def parse_data(text: str, language: str, shown: str, problems: Collector, *, first_line: int = 1) -> Any:
    """Parse YAML, TOML, JSON or a JavaScript module's exported object; None (with a problem) when broken."""
    if language not in ("yaml", "yml", "toml", "json", "js"):
        problems.add(shown, first_line - 1, f"unknown front matter format {language!r} (expected yaml, toml or json)")
        return None
    try:
        if language in ("yaml", "yml"):
            return yaml.load(text, Loader=NoTimestampLoader)  # noqa: S506 - a SafeLoader subclass
        if language == "toml":
            return tomllib.loads(text)
        if language == "json":
            return json.loads(text)
        return read_exported_object(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else first_line
        problems.add(shown, line, f"malformed YAML: {exc.problem or exc.context}")
    except yaml.YAMLError as exc:
        problems.add(shown, first_line, f"malformed YAML: {exc}")
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = first_line - 1 + int(match.group(1)) if match else first_line
        problems.add(shown, line, f"malformed TOML: {exc}")
    except json.JSONDecodeError as exc:
        problems.add(shown, first_line - 1 + exc.lineno, f"malformed JSON: {exc.msg}")
    except JsLiteralError as exc:
        problems.add(shown, exc.line, f"cannot read the configuration without running JavaScript: {exc.message}")
    except RecursionError:
        problems.add(shown, first_line, "nested too deeply")
    return None


def load_data_file(path: Path, shown: str, problems: Collector) -> Any:
    """A whole config or locale file, its format told by the file name."""
    text = read_text(path, shown, problems)
    if text is None:
        return None
    language = {".yml": "yaml", ".yaml": "yaml", ".toml": "toml", ".json": "json", ".js": "js"}[path.suffix]
    return parse_data(text, language, shown, problems)


def field_time(
    doc: ForeignDocument, key: str, zone: tzinfo, problems: Collector, *, required: bool = False
) -> datetime | None:
    """A front matter time as UTC; a missing required one or a value that is no time is a problem at its line."""
    value = doc.fields.get(key)
    if value is None or value == "":
        if required:
            problems.add(doc.path, doc.line(key), f"{key} is required")
        return None
    try:
        return parse_foreign_time(value, zone)
    except ValueError as exc:
        problems.add(doc.path, doc.line(key), f"{key}: {exc}")
        return None
