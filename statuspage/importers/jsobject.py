"""The object a JavaScript config module exports, read as data without running any JavaScript.

Statusfy's ``config.js`` is ``module.exports = { ... }`` (or ``export default { ... }``, or a
``const`` exported by name) holding literals: strings, numbers, booleans, arrays and objects.
Those are read exactly.  Anything computed (a ``require()``, a variable, ``process.env``, a
function) becomes an ``Unsupported`` value carrying its source text, so the importer can say
which setting it could not read instead of failing on settings it does not need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<template>`(?:[^`\\]|\\.)*`)
  | (?P<number>(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<punct>\.\.\.|=>|[{}\[\]():;,.=+\-*/!?<>&|%^~@\#])
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_LITERAL_NAMES = {"true": True, "false": False, "null": None, "undefined": None}
_OPEN = {"{": "}", "[": "]", "(": ")"}
MAX_DEPTH = 64  # objects and arrays inside each other; a config needs a handful


class JsLiteralError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.message, self.line = message, line


@dataclass(frozen=True)
class Unsupported:
    """A value that only running JavaScript could tell: kept as its source text for messages."""

    source: str
    line: int

    def __str__(self) -> str:
        return self.source


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    line: int
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position, line = 0, 1
    while position < len(text):
        match = _TOKEN.match(text, position)
        if text.startswith("/*", position) and (match is None or match.lastgroup != "comment"):
            raise JsLiteralError("unterminated comment", line)
        if match is None:
            snippet = text[position : position + 20].split("\n")[0]
            if text[position] in "\"'`":
                raise JsLiteralError(f"unterminated string at {snippet!r}", line)
            raise JsLiteralError(f"unexpected character {text[position]!r}", line)
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            tokens.append(_Token(kind, match.group(), line, match.start(), match.end()))
        line += match.group().count("\n")
        position = match.end()
    return tokens


def _unquote(token: _Token) -> str:
    body = token.text[1:-1]
    return re.sub(
        r"\\(u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"  # a surrogate pair first
        r"|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\n|.)",
        lambda escape: _unescape(escape.group(1), token.line),
        body,
        flags=re.DOTALL,
    )


def _unescape(code: str, line: int) -> str:
    if len(code) == 11:  # a surrogate pair, as JavaScript writes characters past U+FFFF: "\\uD83D\\uDE00"
        high, low = int(code[1:5], 16), int(code[7:], 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    if code[0] in "ux" and len(code) > 1:
        number = int(code[2:-1] if code.startswith("u{") else code[1:], 16)
        # JavaScript accepts a lone surrogate (\uD800), but it is no character: no text can hold it.
        if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
            raise JsLiteralError(f"the escape \\{code} names no Unicode character", line)
        return chr(number)
    if code == "\n":
        return ""  # a line continuation
    return _ESCAPES.get(code, code)


def _number(token: _Token) -> int | float | Unsupported:
    text = token.text
    try:
        if text[:2] in ("0x", "0X"):
            return int(text, 16)
        if re.search(r"[.eE]", text):
            return float(text)
        if re.fullmatch(r"0\d+", text):  # 0755: octal or decimal depending on the digits and the mode
            return Unsupported(text, token.line)
        return int(text, 10)
    except ValueError:  # more digits than Python converts
        raise JsLiteralError(f"the number {text[:20]}... is too long", token.line) from None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    def peek(self, offset: int = 0) -> _Token | None:
        position = self.index + offset
        return self.tokens[position] if position < len(self.tokens) else None

    def is_punct(self, text: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind == "punct" and token.text == text

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            last = self.tokens[-1].line if self.tokens else 1
            raise JsLiteralError("the file ends in the middle of the exported object", last)
        self.index += 1
        return token

    def exported(self) -> Any:
        """The value after ``module.exports =``, ``exports.default =`` or ``export default``."""
        for position in range(len(self.tokens)):
            self.index = position
            if (
                self._match_names("module", ".", "exports", "=")
                or self._match_names("exports", ".", "default", "=")
                or self._match_names("export", "default")
            ):
                return self._resolve(self.value(statement=True))
        raise JsLiteralError("no 'module.exports = {...}' or 'export default {...}' found", 1)

    def _match_names(self, *words: str) -> bool:
        for offset, word in enumerate(words):
            token = self.peek(offset)
            if token is None or token.text != word:
                return False
        self.index += len(words)
        return True

    def _resolve(self, value: Any) -> Any:
        """``module.exports = config`` exports a constant declared elsewhere in the file."""
        if isinstance(value, Unsupported) and re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", value.source):
            for position in range(len(self.tokens) - 2):
                self.index = position
                token = self.peek()
                if token is not None and token.text in ("const", "let", "var"):
                    name = self.peek(1)
                    if name is not None and name.text == value.source and self.is_punct("=", 2):
                        self.index += 3
                        return self.value(statement=True)
        return value

    def value(self, *, statement: bool = False) -> Any:
        """One value; with ``statement``, a line break may end it (JavaScript's automatic semicolons)."""
        start = self.index
        token = self.take()
        if token.kind == "punct" and token.text in ("{", "["):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise JsLiteralError(f"objects and arrays nested more than {MAX_DEPTH} levels deep", token.line)
            found: Any = self.object() if token.text == "{" else self.array()
            self.depth -= 1
        elif token.kind == "string":
            found = _unquote(token)
        elif token.kind == "template" and "${" not in token.text:
            found = _unquote(token)
        elif token.kind == "number":
            found = _number(token)
        elif token.kind == "name" and token.text in _LITERAL_NAMES:
            found = _LITERAL_NAMES[token.text]
        else:
            return self.expression(start)
        if not self._at_end_of_value(statement):
            return self.expression(start)  # 'a' + b, {...}.x, [1].map(...): computed after all
        return found

    def _at_end_of_value(self, statement: bool) -> bool:
        token = self.peek()
        if token is None or (token.kind == "punct" and token.text in (",", "}", "]", ";", ")")):
            return True
        following_line = statement and token.line > self.tokens[self.index - 1].line
        return following_line and not (token.kind == "punct" and token.text in (".", "(", "[", "+", "-", "?", "|", "&"))

    def expression(self, start: int) -> Any:
        """Skip one computed expression; a negative number literal is the one computed value kept."""
        self.index = start
        depth: list[str] = []
        while (token := self.peek()) is not None:
            if token.kind == "punct":
                if token.text in _OPEN:
                    depth.append(_OPEN[token.text])
                elif depth and token.text == depth[-1]:
                    depth.pop()
                elif not depth and token.text in (",", "}", "]", ";", ")"):
                    break
                elif token.text in ("}", "]", ")"):
                    raise JsLiteralError(f"unbalanced {token.text!r}", token.line)
            self.index += 1
        if depth:
            raise JsLiteralError(f"missing {depth[-1]!r}", self.tokens[start].line)
        if self.index == start:
            raise JsLiteralError("expected a value", self.tokens[start].line)
        first, last = self.tokens[start], self.tokens[self.index - 1]
        source = self.text[first.start : last.end]
        if re.fullmatch(r"-\s*\d+(\.\d+)?", source):
            number = source.replace(" ", "")
            return float(number) if "." in number else int(number)
        return Unsupported(source, first.line)

    def object(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        while True:
            if self.is_punct("}"):
                self.take()
                return found
            key_token = self.take()
            if key_token.kind == "punct" and key_token.text == "...":
                spread = self.expression(self.index)
                found[f"...{spread}"] = Unsupported(f"...{spread}", key_token.line)
            elif key_token.kind in ("name", "string", "number") and self.is_punct(":"):
                self.take()
                key = _unquote(key_token) if key_token.kind == "string" else key_token.text
                found[key] = self.value()
            elif key_token.kind == "name" and (self.is_punct(",") or self.is_punct("}")):
                found[key_token.text] = Unsupported(key_token.text, key_token.line)  # { title } shorthand
            else:
                # A method, getter or computed key: skip it whole.
                skipped = self.expression(self.index - 1)
                found[str(skipped)] = skipped
            if self.is_punct(","):
                self.take()
            elif not self.is_punct("}"):
                token = self.peek()
                raise JsLiteralError("expected ',' or '}' in an object", token.line if token else key_token.line)

    def array(self) -> list[Any]:
        found: list[Any] = []
        while True:
            if self.is_punct("]"):
                self.take()
                return found
            found.append(self.value())
            if self.is_punct(","):
                self.take()
            elif not self.is_punct("]"):
                token = self.peek()
                raise JsLiteralError("expected ',' or ']' in an array", token.line if token else 1)


def read_exported_object(text: str) -> Any:
    """The exported value of a JavaScript module, as Python data with ``Unsupported`` where it is computed."""
    return _Parser(text).exported()
