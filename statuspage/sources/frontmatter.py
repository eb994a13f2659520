"""Splitting a Markdown file into YAML front matter and body, keeping the line of every key.

Values are read from the YAML node tree, never constructed as Python objects: that keeps times
as the text the author wrote (no surprise conversions), and makes tags such as
``!!python/object`` harmless, since they are refused rather than executed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import Enum
from typing import TypeVar

import yaml

from ..clock import parse_time
from ..errors import Collector
from ..markup import plain_line

E = TypeVar("E", bound=Enum)

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SCALAR_TAGS = {_STR, _INT, _BOOL, _NULL, "tag:yaml.org,2002:float"}
_MAX_FRONT_MATTER = 64 * 1024  # characters; front matter is a handful of keys


class NoTimestampLoader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as strings: ``parse_time`` owns time parsing."""


class _FastNoTimestampLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same on libyaml's parser, about ten times faster over thousands of files.

    Its node trees, tags and line marks equal the pure-Python parser's; only its error messages
    differ, so a file it refuses is parsed again with ``NoTimestampLoader`` to report the error.
    """


_NO_TIMESTAMPS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
NoTimestampLoader.yaml_implicit_resolvers = _NO_TIMESTAMPS
_FastNoTimestampLoader.yaml_implicit_resolvers = _NO_TIMESTAMPS


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_FastNoTimestampLoader)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=NoTimestampLoader)  # the same refusal, in the usual words


@dataclass(frozen=True)
class Document:
    """A content file split in two; ``body_line`` is the file line the body starts on."""

    path: str
    fields: dict[str, tuple[yaml.Node, int]]
    body: str
    body_line: int


def split_document(path: str, text: str, problems: Collector) -> Document | None:
    """Parse front matter; report problems and return None when the file cannot be read as content."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.add(path, 1, "missing front matter: the file must start with a line '---'")
        return None
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if closing is None:
        problems.add(path, 1, "front matter is not closed by a line '---'")
        return None
    front = "\n".join(lines[1:closing])
    if len(front) > _MAX_FRONT_MATTER:
        problems.add(path, 2, f"front matter is larger than {_MAX_FRONT_MATTER // 1024} KiB")
        return None
    try:
        root = _compose(front)
    except RecursionError:
        problems.add(path, 2, "front matter is nested too deeply")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 2
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.add(path, line, f"malformed YAML front matter: {reason}")
        return None
    if root is None:
        fields: dict[str, tuple[yaml.Node, int]] = {}
    elif not isinstance(root, yaml.MappingNode):
        problems.add(path, root.start_mark.line + 2, "front matter must be a mapping of keys to values")
        return None
    else:
        fields = {}
        for key_node, value_node in root.value:
            line = key_node.start_mark.line + 2
            if not isinstance(key_node, yaml.ScalarNode):
                problems.add(path, line, "front matter keys must be plain names")
                continue
            if key_node.value in fields:
                problems.add(path, line, f"duplicate key {key_node.value!r}")
                continue
            fields[key_node.value] = (value_node, line)
    body = "\n".join(lines[closing + 1 :])
    return Document(path, fields, body, closing + 2)


class FieldReader:
    """Typed access to front matter values; each wrong value becomes a ``path:line`` problem."""

    def __init__(self, document: Document, zone: tzinfo, problems: Collector) -> None:
        self.doc, self.zone, self.problems = document, zone, problems

    def error(self, key: str, message: str) -> None:
        self.problems.add(self.doc.path, self.line(key), message)

    def line(self, key: str) -> int:
        found = self.doc.fields.get(key)
        return found[1] if found else 1

    def check_keys(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in self.doc.fields:
            if key not in allowed:
                self.error(key, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")

    def _scalar(self, key: str, required: bool) -> yaml.ScalarNode | None:
        found = self.doc.fields.get(key)
        if found is None or (found[0].tag == _NULL and isinstance(found[0], yaml.ScalarNode)):
            if required:
                self.problems.add(self.doc.path, self.line(key) if found else 1, f"missing required key {key!r}")
            return None
        node = found[0]
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _SCALAR_TAGS:
            self.error(key, f"{key} must be a single value")
            return None
        return node

    def text(self, key: str, *, required: bool = False) -> str | None:
        node = self._scalar(key, required)
        if node is None:
            return None
        value = node.value.strip()
        if not value:
            self.error(key, f"{key} must not be empty")
            return None
        return value

    def plain(self, key: str, *, required: bool = False) -> str | None:
        """Text shown as written everywhere (titles), on one line: each output escapes it, none strips it."""
        value = self.text(key, required=required)
        if value is None:
            return None
        clean = plain_line(value)
        if not clean:
            self.error(key, f"{key} has no printable text")
            return None
        return clean

    def time(self, key: str, *, required: bool = False) -> datetime | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        try:
            return parse_time(value, self.zone)
        except ValueError as exc:
            self.error(key, f"{key}: {exc}")
            return None

    def flag(self, key: str) -> bool:
        node = self._scalar(key, False)
        if node is None:
            return False
        if node.tag != _BOOL:
            self.error(key, f"{key} must be true or false")
            return False
        return node.value.lower() in ("true", "yes", "on", "y")

    def choice(self, key: str, enum: type[E], default: E | None = None) -> E | None:
        value = self.text(key, required=default is None)
        if value is None:
            return default
        try:
            return enum(value)
        except ValueError:
            allowed = " | ".join(member.value for member in enum)
            self.error(key, f"unknown {key} {value!r} (expected {allowed})")
            return None

    def _items(self, key: str) -> list[yaml.ScalarNode] | None:
        found = self.doc.fields.get(key)
        if found is None:
            return None
        node = found[0]
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return []
        if not isinstance(node, yaml.SequenceNode) or not all(
            isinstance(item, yaml.ScalarNode) and item.tag in _SCALAR_TAGS for item in node.value
        ):
            self.error(key, f"{key} must be a list like [a, b]")
            return None
        return list(node.value)

    def names(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        items = self._items(key)
        if items is None:
            if required and key not in self.doc.fields:
                self.problems.add(self.doc.path, 1, f"missing required key {key!r}")
            return ()
        if required and not items:
            self.error(key, f"{key} must list at least one entry")
        return tuple(dict.fromkeys(item.value.strip() for item in items))

    def numbers(self, key: str) -> tuple[int, ...]:
        items = self._items(key)
        if items is None:
            return ()
        numbers: list[int] = []
        for item in items:
            if item.tag != _INT:
                self.error(key, f"{key} must list ticket numbers, not {item.value!r}")
                continue
            try:
                numbers.append(int(item.value.replace("_", "")))
            except ValueError:
                self.error(key, f"{key} must list ticket numbers, not {item.value!r}")
        return tuple(dict.fromkeys(numbers))
