"""Markdown for programs and AI agents: the front page and every incident and window, and ``llms.txt``.

Agents that read status pages do better with text than with a page laid out for people; the
Markdown alternates say what the HTML pages say, linked from them with ``rel="alternate"``, and
``llms.txt`` (llmstxt.org) points at them, at the API and at the feeds.

Titles, ticket text and update bodies are untrusted: they are written as text, every character
that Markdown reads as structure escaped, so that a title can never become a heading, a link,
a list or raw HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ..explain import component_status_label, impact_label, indicator_label, labels
from ..i18n import format_percent, format_time, format_window, translations
from ..markup import plain_line, plain_text
from ..model import Config, Update
from ..periods import format_duration, format_long_day
from ..state import IncidentState, MaintenanceState, PastItem, Phase, SiteState

# Build an absolute URL: ``url(endpoint, **values)``.
Url = Callable[..., str]

# What Markdown (or the HTML it may carry) reads as structure anywhere in a line: emphasis, code,
# links, raw HTML, entities, tables, headings' closing marks.
_INLINE = re.compile(r"([\\`*_{}\[\]<>#!|~&])")
# And at the start of a line only: a list item ("- ", "+ ", "1. ", "1) "), a setext underline ("=").
_LINE_START = re.compile(r"^([-+=]|\d+[.)])")


def escape(text: str, *, starts_line: bool = False) -> str:
    """Text as it reads, on one line, with nothing Markdown could take for structure.

    ``starts_line``: the text begins a line or a list item, where "1." or "-" would start a list.
    """
    line = _INLINE.sub(r"\\\1", plain_line(text))
    if not starts_line:
        return line
    return _LINE_START.sub(lambda match: match.group(1)[:-1] + "\\" + match.group(1)[-1], line)


def escape_block(markup: str) -> str:
    """Sanitised HTML (an item's body, an update) as escaped paragraphs of text."""
    paragraphs = [
        " ".join(escape(line, starts_line=True) for line in part.splitlines() if line.strip())
        for part in _paragraphs(markup)
    ]
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def _paragraphs(markup: str) -> list[str]:
    return plain_text(markup).split("\n\n")


def link(text: str, url: str) -> str:
    """A link with escaped text; our own URLs have no spaces or parentheses, angle brackets keep them whole."""
    return f"[{escape(text)}](<{url}>)"


def heading(level: int, text: str) -> str:
    """A heading and the blank line after it."""
    return f"{'#' * level} {escape(text, starts_line=True)}\n"


def item(text: str, url: str, about: str | None = None) -> str:
    """A list item linking ``url``, with what it holds after a colon (llmstxt.org's form)."""
    return f"- {link(text, url)}: {escape(about)}" if about else f"- {link(text, url)}"


class Writer:
    """One language's Markdown: its words, times and links."""

    def __init__(self, config: Config, language: str, url: Url) -> None:
        self.config, self.language, self.url = config, language, url
        self.zone = config.timezone
        self.gettext = translations(language).gettext
        self.ngettext = translations(language).ngettext
        self.labels = labels(language)

    def time(self, moment: Any) -> str:
        return format_time(moment, self.zone, self.language)

    def components(self, ids: Iterable[str]) -> str:
        names = {component.id: component.name_in(self.language) for component in self.config.components}
        return ", ".join(escape(names.get(cid, cid)) for cid in ids)

    # The front page --------------------------------------------------------------------------

    def front_page(self, state: SiteState, shown: dict[str, Any]) -> str:
        """The front page's content: overall status, components, what is going on and the recent past."""
        _ = self.gettext
        lines = [heading(1, self.config.title_in(self.language))]
        as_of = _("Status as of %(time)s.") % {"time": self.time(state.now)}
        status = indicator_label(state.indicator, self.language)
        lines.append(f"{escape(as_of, starts_line=True)} **{escape(status)}**\n")
        lines.append(heading(2, _("Components")))
        for component in state.components:
            name = escape(component.component.name_in(self.language), starts_line=True)
            label = escape(component_status_label(component.status, self.language))
            percent = format_percent(component.uptime.percent, self.language)
            uptime = _("%(percent)s uptime in 90 days") % {"percent": percent}
            lines.append(f"- {name}: {label} ({escape(uptime)})")
        lines.append("")
        if shown["ongoing"]:
            lines.append(heading(2, _("Ongoing incidents")))
            lines += [self._incident_line(s) for s in shown["ongoing"]]
            lines.append("")
        for title, windows in (
            (_("Maintenance in progress"), shown["in_progress"]),
            (_("Upcoming maintenance"), shown["upcoming"]),
        ):
            if windows:
                lines.append(heading(2, title))
                lines += [self._window_line(window) for window in windows]
                lines.append("")
        lines.append(heading(2, _("Known issues")))
        count = shown["open_ticket_count"]
        if count:
            counted = self.ngettext("%(num)d known issue is open.", "%(num)d known issues are open.", count) % {
                "num": count
            }
            every = link(_("All known issues and why they are still open"), self.url("pages.known_issues"))
            lines.append(f"{escape(counted, starts_line=True)} {every}\n")
        else:
            lines.append(escape(_("No known issues are open."), starts_line=True) + "\n")
        recent = shown["recent"]
        if recent:
            lines.append(
                heading(2, self.ngettext("The last day", "The last %(num)d days", len(recent)) % {"num": len(recent)})
            )
            for day in recent:
                lines.append(heading(3, format_long_day(day.day, self.language)))
                if day.items:
                    lines += [self._past_line(item) for item in day.items]
                    lines.append("")
                else:
                    lines.append(escape(_("No incidents reported."), starts_line=True) + "\n")
        lines.append(heading(2, _("More")))
        lines.append(item(_("History"), self.url("pages.history")))
        lines.append(item(_("Everything"), self.url("files.feed", name="all", kind="atom"), "Atom"))
        lines.append(item("Statuspage API v2", self.url("files.api", name="summary.json")))
        lines.append(item("llms.txt", self.url("files.llms_txt")))
        return "\n".join(lines).rstrip() + "\n"

    def _incident_line(self, state: IncidentState) -> str:
        _ = self.gettext
        incident = state.incident
        title = link(incident.text(self.language).title, self.url("pages.incident_markdown", slug=state.slug))
        severity = self.labels["severity"][incident.severity.value]
        status = self.labels["incident"][state.status.value]
        since = _("since") + " " + self.time(incident.start)
        return (
            f"- {title}: {escape(status)}, {escape(severity)}, {escape(since)}; {self.components(incident.components)}"
        )

    def _window_line(self, state: MaintenanceState) -> str:
        _ = self.gettext
        title = link(
            state.maintenance.text(self.language).title, self.url("pages.maintenance_markdown", slug=state.slug)
        )
        window = format_window(state.window.start, state.window.end, self.zone, self.language)
        impact = _("Expected impact") + ": " + impact_label(state.maintenance.impact, self.language)
        return f"- {title}: {escape(window)}, {escape(impact)}; {self.components(state.maintenance.components)}"

    def _past_line(self, past: PastItem) -> str:
        _ = self.gettext
        found = past.item
        if isinstance(found, IncidentState):
            title = link(found.incident.text(self.language).title, self.url("pages.incident_markdown", slug=found.slug))
            kind = self.labels["severity"][found.incident.severity.value]
        else:
            title = link(
                found.maintenance.text(self.language).title, self.url("pages.maintenance_markdown", slug=found.slug)
            )
            kind = _("Maintenance")
        if past.duration is not None:
            lasted = _("Duration: %(duration)s") % {"duration": format_duration(past.duration, self.language)}
        else:
            lasted = _("Ongoing")
        updated = _("Last update: %(time)s") % {"time": self.time(past.last_update)}
        return f"- {title}: {escape(kind)}, {escape(lasted)}, {escape(updated)}"

    # One item ---------------------------------------------------------------------------------

    def incident(self, state: IncidentState, updates: list[Update]) -> str:
        _ = self.gettext
        incident = state.incident
        text = incident.text(self.language)
        facts = [
            (_("Status"), escape(self.labels["incident"][state.status.value])),
            (_("Severity"), escape(self.labels["severity"][incident.severity.value])),
            (_("Started"), escape(self.time(incident.start))),
        ]
        if state.ended_at is not None:
            facts.append((_("Resolved"), escape(self.time(state.ended_at))))
        if state.duration is not None:
            facts.append((_("Duration"), escape(format_duration(state.duration, self.language))))
        facts.append((_("Affected components"), self.components(incident.components)))
        page = self.url("pages.incident", slug=state.slug)
        return self._item(text.title, facts, text.body, updates, self.labels["incident"], page)

    def maintenance(self, state: MaintenanceState, updates: list[Update]) -> str:
        _ = self.gettext
        work = state.maintenance
        text = work.text(self.language)
        facts = [
            (_("Status"), escape(self.labels["maintenance"][state.status.value])),
            (_("Window"), escape(format_window(state.window.start, state.window.end, self.zone, self.language))),
        ]
        if state.duration is not None:
            facts.append((_("Duration"), escape(format_duration(state.duration, self.language))))
        facts.append((_("Expected impact"), escape(impact_label(work.impact, self.language))))
        facts.append((_("Affected components"), self.components(work.components)))
        if state.recurring and state.phase is not Phase.CANCELLED and state.next_windows:
            following = "; ".join(format_window(w.start, w.end, self.zone, self.language) for w in state.next_windows)
            facts.append((_("Next windows"), escape(following)))
        page = self.url("pages.maintenance", slug=state.slug)
        return self._item(text.title, facts, text.body, updates, self.labels["maintenance"], page)

    def _item(
        self,
        title: str,
        facts: list[tuple[str, str]],
        body: str,
        updates: list[Update],
        names: dict[str, str],
        page: str,
    ) -> str:
        _ = self.gettext
        lines = [heading(1, title)]
        lines += [f"- **{escape(name)}**: {value}" for name, value in facts]
        lines += ["", link(_("This page"), page) + " (HTML)", ""]
        details = escape_block(body)
        if details:
            lines += [heading(2, _("Details")), details, ""]
        if updates:
            lines.append(heading(2, _("Updates")))
            for update in updates:
                label = names.get(update.status, update.status)
                lines.append(heading(3, f"{label}: {self.time(update.time)}"))
                said = escape_block(update.body)
                if said:
                    lines += [said, ""]
        return "\n".join(lines).rstrip() + "\n"

    # llms.txt ---------------------------------------------------------------------------------

    def llms_txt(self, other_languages: list[tuple[str, str]]) -> str:
        """The llmstxt.org index: a title, a summary, then sections of links with what each holds.

        ``other_languages`` is ``(autonym, llms.txt URL)`` of every other built language.
        """
        _ = self.gettext
        url = self.url
        summary = _(
            "The status page of %(site)s: the current state of its services, incidents, maintenance and known issues."
        ) % {"site": self.config.title_in(self.language)}
        notes = _(
            "Times are in %(zone)s. Each incident and maintenance window has a Markdown version beside its page "
            "(index.md)."
        ) % {"zone": str(self.zone)}
        lines = [
            heading(1, self.config.title_in(self.language)),
            "> " + escape(summary, starts_line=True),
            "",
            escape(notes),
            "",
        ]
        lines.append(heading(2, _("Status")))
        recent_past = _(
            "overall status, components, ongoing incidents, maintenance, known issues and the recent past, "
            "with a link to each item's Markdown"
        )
        lines.append(item(_("Current status"), url("pages.index_markdown"), recent_past))
        lines.append(item(_("History"), url("pages.history"), _("past incidents and maintenance by month (HTML)")))
        known = _("open known issues and why each is still open (HTML)")
        lines.append(item(_("Known issues"), url("pages.known_issues"), known))
        lines.append(item("status.txt", url("files.status_txt"), _("one line per component, for scripts")))
        lines += ["", heading(2, "API")]
        summary_json = _(
            "Atlassian Statuspage API v2: status, components, unresolved incidents and upcoming maintenance"
        )
        lines.append(item("summary.json", url("files.api", name="summary.json"), summary_json))
        newest = _("the newest incidents with their updates")
        lines.append(item("incidents.json", url("files.api", name="incidents.json"), newest))
        windows = _("maintenance windows")
        lines.append(item("scheduled-maintenances.json", url("files.api", name="scheduled-maintenances.json"), windows))
        reasons = _("open known issues with the reason each is still open")
        lines.append(item("known-issues.json", url("files.known_issues_json"), reasons))
        lines += ["", heading(2, _("Feeds"))]
        formats = _("Atom; also RSS and JSON Feed")
        lines.append(item(_("Everything"), url("files.feed", name="all", kind="atom"), formats))
        lines.append(item(_("All updates"), url("files.feed", name="updates", kind="atom"), _("one entry per update")))
        lines.append(item(_("Maintenance"), url("files.calendar"), "iCalendar"))
        if other_languages:
            lines += ["", heading(2, "Optional")]
            lines += [item(name, there) for name, there in other_languages]
        return "\n".join(lines) + "\n"
