"""What the desk commands print: a table for people, JSON for scripts, one ticket in full.

Every value may be a reporter's text: control characters in it are shown (``\x1b``), never sent
to the terminal as they are (see ``terminal.visible``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..terminal import visible
from .rows import Row
from .store import InitResult, TicketRecord, Update

TITLE_WIDTH = 60  # characters of a title in the list; ``show`` prints it whole
LIST_COLUMNS = ("id", "status", "severity", "public", "reported_at", "title")


def list_table(rows: Sequence[Row]) -> str:
    """Aligned columns, one ticket a line; an empty list says so instead of printing a bare header."""
    if not rows:
        return "No tickets."
    cells = [[_cell(name, row.get(name)) for name in LIST_COLUMNS] for row in rows]
    widths = [max(len(name), *(len(line[index]) for line in cells)) for index, name in enumerate(LIST_COLUMNS)]
    lines = [LIST_COLUMNS, *cells]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def _cell(name: str, value: Any) -> str:
    if value is None:
        return "-"
    if name == "public":
        return "yes" if value == 1 else "no"
    text = " ".join(str(value).split())
    if name == "title" and len(text) > TITLE_WIDTH:
        text = text[: TITLE_WIDTH - 1] + "…"
    return visible(text)


def ticket_text(record: TicketRecord, public: tuple[str, str] | None = None) -> str:
    """Every column, what the site shows of it (``public``: a label and a sentence), then the status history.

    Private columns are marked so nobody pastes them by mistake.
    """
    row = record.row
    width = max(len(name) for name in [*row, *(public[:1] if public else ())])
    lines = []
    for name, value in row.items():
        marker = "  (private)" if name.startswith("reporter_") else ""
        # Further lines of a value are indented under it: a reporter's text cannot pass for a column.
        shown = "-" if value is None else visible(str(value)).replace("\n", "\n" + " " * (width + 2))
        lines.append(f"{name.ljust(width)}  {shown}{marker}")
    if public is not None:
        label, sentence = public
        lines.append(f"{label.ljust(width)}  {visible(sentence)}")
    if record.history:
        lines += ["", "status history:"]
        for step in record.history:
            came_from = f"{step['previous']} → " if step["previous"] else ""
            forced = ", forced" if step["forced"] else ""
            when = f"{step['via']} at {step['recorded_at']}{forced}"
            lines.append(visible(f"  {step['changed_at']}  {came_from}{step['status']}  ({when})"))
    return "\n".join(lines)


def init_text(shown: str, result: InitResult) -> str:
    action = "Created" if result.created else "Checked"
    if result.applied:
        return f"{action} {shown}: applied {', '.join(result.applied)}; WAL mode on"
    return f"{action} {shown}: the schema is up to date; WAL mode on"


def update_text(update: Update) -> str:
    if not update.changed:
        return f"Ticket {update.ticket_id}: nothing changed"
    changes = "; ".join(
        f"{name} {_short(before)} → {_short(after)}" for name, (before, after) in update.changed.items()
    )
    return f"Updated ticket {update.ticket_id}: {changes}"


def _short(value: Any) -> str:
    if value is None:
        return "-"
    text = " ".join(str(value).split())
    return visible(text if len(text) <= TITLE_WIDTH else text[: TITLE_WIDTH - 1] + "…")
