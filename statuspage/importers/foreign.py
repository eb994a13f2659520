"""Reading other tools' files: front matter in YAML, TOML or JSON, and config files in those
formats or as a JavaScript object literal.  Every failure is a ``path:line: message`` problem.

YAML is read without its timestamp type, so times stay the text that was written and are
parsed by our own clock rules; nothing foreign is ever executed.
"""

from __future__ import annotations

import json
import os
import re
import stat
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

# Bounds that no real status site comes near, so that no source can make an import run for
# minutes or take the machine's memory: a billion-laughs YAML file is a few hundred bytes.
MAX_FILE_BYTES = 1024 * 1024
MAX_SOURCE_BYTES = 64 * 1024 * 1024  # everything read from one source
MAX_SOURCE_FILES = 20_000
MAX_DEPTH = 64  # nesting of lists and mappings in any one file
MAX_YAML_ALIASES = 100
MAX_VALUES = 100_000  # values in one file, counting each use of a YAML alias in full
_SURROGATE = re.compile("[\ud800-\udfff]")
_LONG_ESCAPE = re.compile(r"\\U([0-9a-fA-F]{8})")
_SURROGATE_ESCAPE = re.compile(r"\\u\{?0*[dD][89a-fA-F][0-9a-fA-F]{2}\}?")
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


class SourceFolder:
    """The folder an import reads: every read stays inside it, is a regular file and is size-capped."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.bytes_read = 0
        self.files_read = 0

    def inside(self, path: Path) -> bool:
        """Whether ``path``, its links followed, is within the source folder."""
        try:
            return path.resolve().is_relative_to(self.root)
        except (OSError, RuntimeError):  # a link loop
            return False

    def read_text(self, path: Path, shown: str, problems: Collector) -> str | None:
        """The file's text, or None with a problem: a link out of the source, a FIFO or device, or too big."""
        self.files_read += 1
        if self.files_read > MAX_SOURCE_FILES:
            if self.files_read == MAX_SOURCE_FILES + 1:
                problems.add(shown, None, f"the source holds more than {MAX_SOURCE_FILES} files to import")
            return None
        if not self.inside(path):
            problems.add(shown, None, "leads outside the source folder (a link or '..'); not read")
            return None
        try:
            resolved = path.resolve(strict=True)
            if not stat.S_ISREG(resolved.stat().st_mode):
                problems.add(shown, None, "not a regular file; not read")
                return None
            # O_NONBLOCK: a file swapped for a FIFO since the check must not hang the import.
            descriptor = os.open(resolved, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(descriptor, "rb") as stream:
                data = stream.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            problems.add(shown, None, f"cannot read: {exc.strerror or exc}")
            return None
        if len(data) > MAX_FILE_BYTES:
            problems.add(shown, None, f"file is larger than {MAX_FILE_BYTES // 1024} KiB")
            return None
        self.bytes_read += len(data)
        if self.bytes_read > MAX_SOURCE_BYTES:
            self.files_read = MAX_SOURCE_FILES + 1  # said once; every later read is refused quietly
            problems.add(shown, None, f"the source holds more than {MAX_SOURCE_BYTES // 1024 // 1024} MiB to import")
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.add(shown, None, f"not UTF-8 text: {exc.reason} at byte {exc.start}")
            return None
        return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


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
    message = _shape_problem(data)
    if message is not None:
        escape = _SURROGATE_ESCAPE.search(text, 0, end)
        problems.add(shown, 1 + text.count("\n", 0, escape.start()) if escape else None, message)
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
        data = _parse(text, language)
    except _TooMuch as exc:
        problems.add(shown, first_line - 1 + exc.line if exc.line else first_line, str(exc))
        return None
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
        problems.add(shown, first_line, f"nested more than {MAX_DEPTH} levels deep")
    except (ValueError, OverflowError) as exc:  # PyYAML's "\\U00110000", or an integer of 5,000 digits
        escape = next((found for found in _LONG_ESCAPE.finditer(text) if int(found.group(1), 16) > 0x10FFFF), None)
        if escape is None:
            problems.add(shown, first_line, f"malformed {language.upper()}: a value cannot be read ({exc})")
        else:
            line = first_line + text.count("\n", 0, escape.start())
            problems.add(shown, line, f"malformed {language.upper()}: {escape.group()} names no Unicode character")
    else:
        message = _shape_problem(data)
        if message is None:
            return data
        escape = _SURROGATE_ESCAPE.search(text)
        line = first_line + text.count("\n", 0, escape.start()) if escape else None
        problems.add(shown, line, message)
    return None


class _TooMuch(Exception):
    """A YAML document whose values, once its aliases are expanded, would be too many or nested too deep."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _parse(text: str, language: str) -> Any:
    if language in ("yaml", "yml"):
        _bound_yaml(text)
        return yaml.load(text, Loader=NoTimestampLoader)  # noqa: S506 - a SafeLoader subclass
    if language == "toml":
        return tomllib.loads(text)
    if language == "json":
        return json.loads(text)
    return read_exported_object(text)


def _bound_yaml(text: str) -> None:
    """Count the values a YAML document stands for, from its events, before any object is built.

    An alias stands for every value of its anchor: ten nested anchors of ten aliases each are
    ten billion values, which PyYAML would build as shared objects that any walk then expands.
    """
    sizes: dict[str, int] = {}  # anchor -> values it stands for
    stack: list[list[Any]] = [[0, None]]  # [values so far, anchor] of each open list or mapping
    aliases = 0
    for event in yaml.parse(text, Loader=NoTimestampLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise _TooMuch(f"more than {MAX_YAML_ALIASES} YAML aliases (*name); not read", line)
            if event.anchor not in sizes:
                raise _TooMuch(f"the YAML alias *{event.anchor} refers to a value that contains it; not read", line)
            stack[-1][0] += sizes[event.anchor]
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(stack) > MAX_DEPTH:
                raise _TooMuch(f"nested more than {MAX_DEPTH} levels deep", line)
            stack.append([1, event.anchor])
        elif isinstance(event, yaml.CollectionEndEvent):
            count, anchor = stack.pop()
            if anchor is not None:
                sizes[anchor] = count
            stack[-1][0] += count
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1
            stack[-1][0] += 1
        if sum(frame[0] for frame in stack) > MAX_VALUES:
            raise _TooMuch(f"more than {MAX_VALUES} values once its YAML aliases are expanded; not read", line)


def _shape_problem(data: Any) -> str | None:
    """Why parsed data cannot be imported (too deep, too many values, text that is not Unicode), or None."""
    pending: list[tuple[Any, int]] = [(data, 0)]
    count = 0
    while pending:
        value, depth = pending.pop()
        count += 1
        if count > MAX_VALUES:
            return f"more than {MAX_VALUES} values; not read"
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, dict):
            pending.extend((key, depth + 1) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list | tuple):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and _SURROGATE.search(value):
            return "text holds a lone surrogate (an escape like \\uD800), which is no Unicode character"
    return None


def load_data_file(path: Path, shown: str, problems: Collector, source: SourceFolder) -> Any:
    """A whole config or locale file, its format told by the file name."""
    text = source.read_text(path, shown, problems)
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
