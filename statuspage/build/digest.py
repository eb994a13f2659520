"""Stable digests of the derived state: equal digests mean a page would come out byte for byte the same.

A rebuild renders only the files whose inputs changed; each file's key is a digest of exactly
what its view hands the template (see ``web/render.py``).  Values are encoded type by type:
the frozen dataclasses of the state field by field, strings, numbers, datetimes, enums, tuples
and dicts as themselves; anything else is pickled.  Two shortcuts keep it cheap on a site of
ten thousand incidents:

- an item read from a file or a ticket row stands for itself by its ``source_key`` (a digest of
  what it was read from) and its git provenance, so its text is never pickled again;
- a state object (an incident's, a ticket's...) is digested once per build and appears inside
  other digests by its own digest: a component's digest covers its incidents without repeating them.

A digest may differ although the output would not (pickle's sharing of equal objects, say):
that costs a render, never a wrong page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import mmap
import operator
import pickle
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..model import Incident, Maintenance, Ticket
from ..sources.digests import FileDigests
from ..sources.sitefiles import tree_files
from ..state import ComponentState, IncidentState, MaintenanceState, SiteState, TicketState
from ..state.uptime import Uptime

ITEM_TYPES = (Incident, Maintenance, Ticket)
STATE_TYPES = (IncidentState, MaintenanceState, TicketState, ComponentState)
_STATE_TYPES = frozenset(STATE_TYPES)
_ITEM_TYPES = frozenset(ITEM_TYPES)
_FIELDS: dict[type, tuple[str, ...] | None] = {}  # a dataclass's field names; None: not a dataclass
DIGEST_SIZE = 16
_CHECK_SIZE = 8
_SLOT = DIGEST_SIZE + _CHECK_SIZE  # a slot of shared digests: a digest and its check (see Digests.share)
# Parts of the state that many files read (``part``), shared like the state objects' digests: the
# lists of every incident, window, ticket and component, and what is made of them; every worker
# that keyed a feed or the API walked those lists once again.
SHARED_PARTS = ("incidents", "maintenance", "tickets", "components", "statuses", "*")


def _check(digest: bytes) -> bytes:
    """A digest's own digest: a slot whose two parts do not agree holds no digest (yet)."""
    return hashlib.blake2b(digest, digest_size=_CHECK_SIZE, person=b"slot").digest()


def _encode_text(value: str) -> bytes:
    data = value.encode()
    return b"s%d:" % len(data) + data


def _encode_markup(value: Markup) -> bytes:
    data = value.encode()
    return b"m%d:" % len(data) + data


def _encode_number(value: object) -> bytes:
    return b"i%r;" % (value,)


def _encode_time(value: date) -> bytes:
    return b"d" + value.isoformat().encode() + b";"


# Types encoded without looking further, by exact type (the most frequent first, for the reader).
_PLAIN: dict[type, Callable[[Any], bytes]] = {
    str: _encode_text,
    Markup: _encode_markup,
    int: _encode_number,
    bool: {False: _encode_number(False), True: _encode_number(True)}.__getitem__,
    float: _encode_number,
    type(None): lambda value: b"iNone;",
    datetime: _encode_time,
    date: _encode_time,
}


def _fields(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names, in order (looked up once per type); None for any other type."""
    try:
        return _FIELDS[kind]
    except KeyError:
        names = _FIELDS[kind] = (
            tuple(field.name for field in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None
        )
        return names


def _enum_encoder(kind: type[Enum]) -> Callable[[Enum], bytes]:
    """Members by name, from a table made once (a flag's combinations, not in the table, made each time)."""

    def encode(name: str) -> bytes:
        return b"e%s.%s;" % (kind.__name__.encode(), name.encode())

    names = {name: encode(name) for name in kind.__members__}
    return lambda value: names.get(value._name_) or encode(str(value._name_))


def _ref(*parts: object) -> None:
    """Stands in, inside a digest, for an object digested on its own; digests are never unpickled."""


class _Pickler(pickle.Pickler):
    def __init__(self, buffer: io.BytesIO, digests: Digests, root: object) -> None:
        super().__init__(buffer, protocol=5)
        self.digests, self.root = digests, root

    def reducer_override(self, obj: Any) -> Any:
        if obj is self.root:
            return NotImplemented
        if isinstance(obj, STATE_TYPES):
            return _ref, ("state", self.digests.of(obj))
        if isinstance(obj, ITEM_TYPES) and obj.source_key:
            return _ref, ("item", type(obj).__name__, obj.source_key, getattr(obj, "provenance", None))
        return NotImplemented


def digest_bytes(*parts: bytes | str) -> bytes:
    """One digest of several parts, each length-prefixed so that no two lists of parts collide."""
    digest = hashlib.blake2b(digest_size=DIGEST_SIZE)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.digest()


class Digests:
    """Digests of one build's state, each state object's computed once."""

    def __init__(self, state: SiteState) -> None:
        self.state = state
        self._objects: dict[int, tuple[object, bytes]] = {}  # id → (object kept alive, digest)
        self._digests: dict[int, bytes] = {}  # id of a shared state object → its digest (see ``_state``)
        self._parts: dict[str, bytes] = {}
        # How to encode each type met, chosen once per type: keys encode hundreds of thousands of values.
        self._encoders: dict[type, Callable[[Any], bytes]] = dict(_PLAIN)
        for kind in _STATE_TYPES:
            self._encoders[kind] = self._state_ref
        self._state_fields = {kind: self._compiled(kind) for kind in _STATE_TYPES}
        for kind in _ITEM_TYPES:
            self._encoders[kind] = partial(self._item, self._compiled(kind))
        self._encoders[Uptime] = self._once_each(self._compiled(Uptime))
        self._inputs: dict[tuple[Any, ...], bytes] = {}  # see ``inputs``
        self._slots: dict[int, int] = {}  # id of a state object → its slot in ``_shared`` (see ``share``)
        self._part_slots: dict[str, int] = {}  # a part in SHARED_PARTS → its slot, after the objects'
        self._shared: mmap.mmap | None = None

    def share(self) -> None:
        """Let forked workers share the digests of the state's objects instead of each computing them all.

        Every worker keys files that show all incidents (feeds, the API), so each needed every state
        object's digest, each worker making them all again (the numbers: bench/RESULTS.md).
        Called before forking: a shared memory holds a slot per object (and per part in
        SHARED_PARTS), empty until a process fills it.  A helper process fills them all while the
        build plans (a rebuild of a big site), or each worker a stride of them; a worker takes a
        filled slot, and computes and fills one it finds empty.  Digests are the same whoever
        computes them.  A slot holds the digest and a check digest of it, so one read while
        another process writes it is seen as empty.
        """
        objects = self._state_objects()
        self._slots = {id(value): slot for slot, value in enumerate(objects)}
        self._part_slots = {name: len(objects) + number for number, name in enumerate(SHARED_PARTS)}
        self._shared = mmap.mmap(-1, (len(objects) + len(SHARED_PARTS)) * _SLOT)

    def fill(self, worker: int = 0, workers: int = 1) -> None:
        """Compute the state objects' digests and the shared parts (into the shared memory, after ``share``).

        Those found there already are left as they are.

        All of them by default (a helper process); a stride of them with ``worker`` of ``workers``
        (each worker, when there is no helper).
        """
        state = self.state
        for kind in ("incidents", "maintenance", "tickets", "components"):  # a component refers to incidents...
            for value in getattr(state, kind)[worker::workers]:
                self._state(value)
            if workers == 1:  # the kind's part as soon as its objects are done: the first files keyed need it
                self.part(kind)
        for name in SHARED_PARTS[worker::workers]:
            self.part(name)

    def items(self) -> dict[str, dict[Any, bytes]]:
        """The digest of every incident's, window's and ticket's state: by kind, then by slug or id.

        A build records them with its files: the next one tells by them which items changed
        (see plan.py).
        """
        state, digest = self.state, self._state
        return {
            "incident": {s.incident.slug: digest(s) for s in state.incidents},
            "maintenance": {s.maintenance.slug: digest(s) for s in state.maintenance},
            "ticket": {s.ticket.id: digest(s) for s in state.tickets},
        }

    def _state_objects(self) -> list[object]:
        """Every state object, those that others refer to first (a component refers to incidents...)."""
        state = self.state
        return [*state.incidents, *state.maintenance, *state.tickets, *state.components]

    def of(self, value: object) -> bytes:
        """The digest of any value the views pass to templates or outputs."""
        if type(value) in _STATE_TYPES:
            return self._state(value)
        return hashlib.blake2b(self._encode(value), digest_size=DIGEST_SIZE).digest()

    def inputs(self, endpoint: str, values: dict[str, Any], make: Callable[[], object]) -> bytes:
        """The digest of what ``make()`` gives for a page, made once for the page's versions in all languages.

        Only for views whose inputs do not depend on the language (``SAME_IN_EVERY_LANGUAGE`` in
        web/render.py): a big site has two pages per item, and the second language's key then
        costs a lookup.
        """
        memo = (endpoint, *values.values())
        found = self._inputs.get(memo)
        if found is None:
            found = self._inputs[memo] = self.of(make())
        return found

    def _encode(self, value: Any) -> bytes:
        """The value as bytes that no other value has, type by type; a pickle for any other type."""
        encoder = self._encoders.get(type(value))
        if encoder is None:
            encoder = self._encoders[type(value)] = self._encoder(type(value))
        return encoder(value)

    def _encoder(self, kind: type) -> Callable[[Any], bytes]:
        """The encoder of a type not met before."""
        if kind is tuple or kind is list:
            return self._sequence
        if issubclass(kind, tuple):  # a named tuple (a history entry): its type, then its fields
            head = b"n" + kind.__qualname__.encode()
            return lambda value: head + self._sequence(value)
        if _fields(kind) is not None:
            return self._compiled(kind)
        if issubclass(kind, Enum):
            return _enum_encoder(kind)
        if kind is dict:
            return lambda value: b"D%d:" % len(value) + b"".join([self._encode(pair) for pair in value.items()])
        return lambda value: b"p" + self._pickled(value)

    def _sequence(self, value: tuple[Any, ...] | list[Any]) -> bytes:
        # ``_encode`` inlined: keys encode a sequence of a few values for every page of the site.
        find, encode = self._encoders.get, self._encode
        return b"t%d:" % len(value) + b"".join([(find(type(element)) or encode)(element) for element in value])

    @staticmethod
    def _once_each(encode: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
        """``encode``, made once per object (kept alive, so that its id stays its own).

        For a component's ninety days of uptime: several pages show them in every language, and
        each time they were encoded day by day again.
        """
        made: dict[int, tuple[object, bytes]] = {}

        def encode_once(value: Any) -> bytes:
            found = made.get(id(value))
            if found is None:
                found = made[id(value)] = (value, encode(value))
            return found[1]

        return encode_once

    def _state_ref(self, value: object) -> bytes:
        return b"S" + self._state(value)

    def _item(self, fields: Callable[[Any], bytes], value: Any) -> bytes:
        """An item read from a file or row stands for itself by its source key (and provenance)."""
        if not value.source_key:
            return fields(value)
        provenance = getattr(value, "provenance", None)
        return b"I" + value.source_key.encode() + self._encode(provenance)

    def _compiled(self, kind: type) -> Callable[[Any], bytes]:
        """A dataclass's encoder: every field in order, so a new field of the state is covered without a change here."""
        names = _fields(kind)
        assert names is not None
        head = b"c" + kind.__qualname__.encode() + b"%d:" % len(names)
        encode = self._encode
        if not names:
            return lambda value: head
        if len(names) == 1:
            name = names[0]
            return lambda value: head + encode(getattr(value, name))
        get, find = operator.attrgetter(*names), self._encoders.get  # ``_encode`` inlined, as in ``_sequence``
        return lambda value: head + b"".join([(find(type(field)) or encode)(field) for field in get(value)])

    def _state(self, value: object) -> bytes:
        found = self._digests.get(id(value))
        if found is not None:
            return found
        slot = self._slots.get(id(value))
        if slot is None:  # not shared: kept alive with its digest, so that its id stays its own
            known = self._objects.get(id(value))
            if known is None:
                known = self._objects[id(value)] = (value, self._state_digest(value))
            return known[1]
        # One of the state's own objects, alive as long as the state: its digest alone is kept,
        # so that a forked worker looking it up does not write to (and so copy) the object's memory.
        digest = self._slot(slot)
        if digest is None:
            digest = self._fill_slot(slot, self._state_digest(value))
        self._digests[id(value)] = digest
        return digest

    def _slot(self, slot: int) -> bytes | None:
        """The digest in a slot of the shared memory; None when empty, or being written."""
        assert self._shared is not None
        start = slot * _SLOT
        found = self._shared[start : start + _SLOT]
        digest = found[:DIGEST_SIZE]
        return digest if found[DIGEST_SIZE:] == _check(digest) else None

    def _fill_slot(self, slot: int, digest: bytes) -> bytes:
        assert self._shared is not None
        start = slot * _SLOT
        self._shared[start : start + _SLOT] = digest + _check(digest)
        return digest

    def _state_digest(self, value: object) -> bytes:
        return hashlib.blake2b(self._state_fields[type(value)](value), digest_size=DIGEST_SIZE).digest()

    def _pickled(self, value: object) -> bytes:
        buffer = io.BytesIO()
        _Pickler(buffer, self, value).dump(value)
        return hashlib.blake2b(buffer.getvalue(), digest_size=DIGEST_SIZE).digest()

    def part(self, name: str) -> bytes:
        """The digest of ``state.<name>`` as a template reads it (``state.now``, ``state.incidents``...)."""
        found = self._parts.get(name)
        if found is None:
            slot = self._part_slots.get(name)
            found = self._slot(slot) if slot is not None else None
            if found is None:
                found = self._part(name)
                if slot is not None:
                    self._fill_slot(slot, found)
            self._parts[name] = found
        return found

    def _part(self, name: str) -> bytes:
        if name == "*":
            return self.everything()
        if name == "statuses":  # what badges and status.txt show: each component's status, not its history
            return digest_bytes(name, *(f"{c.component.id}={c.status.value}" for c in self.state.components))
        value = getattr(self.state, name, None)
        if callable(value) or name == "site":  # a method can read anything: count on everything
            return self.everything()
        return digest_bytes(name, self.of(value))

    def everything(self) -> bytes:
        """All of the state: ``now``, the overall indicator and every derived object."""
        parts = [self.part(name) for name in ("now", "indicator", "components", "incidents", "maintenance", "tickets")]
        return digest_bytes(*parts, self.of(self.state.site.config), self.of(self.state.site.pages))


def files_digest(*roots: Path, files: FileDigests | None = None, again: bool = False) -> bytes:
    """The names and contents of every file under ``roots`` (templates, static files), as one digest.

    With ``files``, a file's content is its digest as ``files`` saw it (a build's theme: as its
    fingerprint saw it), or as it is now with ``again``; else its bytes, read now.  Symlinked
    folders are followed, as Jinja's loader follows them.
    """
    parts: list[bytes | str] = []
    for root in roots:
        parts.append(str(root))
        if root.is_dir():
            for name, path in tree_files(root):
                if files is None:
                    parts += [name, Path(path).read_bytes()]
                else:
                    parts += [name, files.digest(path, again=again) or b"(none)"]
    return digest_bytes(*parts)
