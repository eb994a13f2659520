"""The sentences about the operator's own process that a site may reword: ``[wording]`` in statuspage.toml.

Our defaults are neutral, true for any operator, and translated by the catalogs; a site sets its
own words per sentence, for every language at once or language by language, with named
placeholders that are filled in as each output is made (and escaped for it: the values can be a
reporter's or an author's text).  Templates are not forked to change a sentence, so a site keeps
every later fix of ours.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from .i18n import translations
from .model import Config, Support


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later (by the catalog of the language shown)."""
    return message


SUPPORT_PLACEHOLDERS = ("phone", "email", "chat_url", "address", "hours")  # from [support], where set


@dataclass(frozen=True)
class Sentence:
    """One sentence a site may reword: where it is shown, what it may name, and our default."""

    help: str
    placeholders: tuple[str, ...]
    default: Callable[[Support], str]  # the message id of our default, which may depend on the channels set


def _always(message: str) -> Callable[[Support], str]:
    return lambda support: message


def _overdue_advice(support: Support) -> str:
    if support.phone:
        return N_("For more information on the work in progress, call technical support at {phone}.")
    if support.email:
        return N_("For more information on the work in progress, write to technical support at {email}.")
    return N_("For more information on the work in progress, contact technical support.")


_WINDOW = ("maintenance", "window", "impact")

# Every sentence a site can change, by its key in [wording].  docs/authoring.md lists them all.
SENTENCES: dict[str, Sentence] = {
    "why_reported": Sentence(
        "Why a known issue is open: reported, not evaluated yet.",
        ("reported",),
        _always(N_("The report was received on {reported} and is waiting to be evaluated.")),
    ),
    "why_evaluating": Sentence(
        "Why a known issue is open: being evaluated.",
        ("reported",),
        _always(N_("The report is being evaluated.")),
    ),
    "why_fixing": Sentence(
        "Why a known issue is open: evaluated, the fix is in its expected window.",
        ("evaluated", "fix_from", "fix_by"),
        _always(
            N_("The report was evaluated and a fix is in progress. It is expected between {fix_from} and {fix_by}.")
        ),
    ),
    "why_overdue": Sentence(
        "Why a known issue is open: the fix is past its expected window (followed by overdue_advice).",
        ("evaluated", "fix_by"),
        _always(N_("The fix was expected by {fix_by} and is overdue.")),
    ),
    "overdue_advice": Sentence(
        "The advice after why_overdue.  Default: call the support phone, else write to the e-mail, else contact us.",
        SUPPORT_PLACEHOLDERS,
        _overdue_advice,
    ),
    "why_waiting_scheduled": Sentence(
        "Why a known issue is open: it waits for a maintenance window that has not started.",
        _WINDOW,
        _always(
            N_(
                "This issue stays open on purpose until the maintenance “{maintenance}” is completed. "
                "It is scheduled for {window}; expected impact: {impact}."
            )
        ),
    ),
    "why_waiting_in_progress": Sentence(
        "Why a known issue is open: it waits for a maintenance window in progress.",
        _WINDOW,
        _always(
            N_(
                "This issue stays open on purpose until the maintenance “{maintenance}” is completed. "
                "The work is in progress ({window}); expected impact: {impact}."
            )
        ),
    ),
    "why_resolved": Sentence(
        "A resolved known issue (its own page only).", ("resolved",), _always(N_("Resolved on {resolved}."))
    ),
    "known_issues_intro": Sentence(
        "The paragraph under the heading of the known-issues pages.",
        (),
        _always(
            N_(
                "Problems reported to technical support that are not fixed yet, and why each of them is still open. "
                "An issue may stay open on purpose until planned maintenance is completed."
            )
        ),
    ),
    "reason_waiting": Sentence(
        "Label of the known issues that wait for maintenance (their group heading, a ticket's page, a feed category).",
        (),
        _always(N_("Waiting for maintenance")),
    ),
    "channel_chat": Sentence(
        "Name of the live chat channel (support page, a ticket's channel).", (), _always(N_("Live chat"))
    ),
    "channel_email": Sentence("Name of the e-mail channel.", (), _always(N_("E-mail"))),
    "channel_phone": Sentence("Name of the phone channel.", (), _always(N_("Phone"))),
    "channel_letter": Sentence("Name of the postal channel.", (), _always(N_("Letter"))),
    "support_chat": Sentence(
        "The support page's line under the live chat channel.",
        SUPPORT_PLACEHOLDERS,
        _always(N_("Chat with technical support.")),
    ),
    "support_email": Sentence(
        "The support page's line under the e-mail channel.",
        SUPPORT_PLACEHOLDERS,
        _always(N_("Write to technical support.")),
    ),
    "support_phone": Sentence(
        "The support page's line under the phone channel.",
        SUPPORT_PLACEHOLDERS,
        _always(N_("Call technical support.")),
    ),
    "support_letter": Sentence(
        "The support page's line under the postal address.",
        SUPPORT_PLACEHOLDERS,
        _always(N_("Write to us at this address.")),
    ),
    "support_fix_time": Sentence(
        "The support page's sentence on how long a fix takes, from [sla].",
        ("fix_hours_min", "fix_hours_max"),
        _always(N_("Once a report is evaluated, a fix usually takes {fix_hours_min}–{fix_hours_max} hours.")),
    ),
}


def placeholder_problems(text: str, key: str, support: Support) -> list[str]:
    """What is wrong with a site's text for sentence ``key``: malformed braces, unknown or unusable placeholders."""
    allowed = SENTENCES[key].placeholders
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:  # a lone "{" or "}"
        return [f"{exc} (write {{{{ or }}}} for a brace itself)"]
    problems = []
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if spec or conversion:
            problems.append(f"placeholder {{{field}}} takes no format or conversion: write {{name}}")
        elif field not in allowed:
            named = ", ".join(f"{{{name}}}" for name in allowed) or "none"
            problems.append(f"unknown placeholder {{{field}}} (allowed here: {named})")
        elif field in SUPPORT_PLACEHOLDERS and not getattr(support, field):
            problems.append(f"placeholder {{{field}}} needs {field} in [support]")
    return problems


def sentence(config: Config, key: str, language: str, **values: str) -> str:
    """The sentence as plain text, in ``language``: the site's words where it set them, else ours."""
    return _template(config, key, language).format(**_with_support(config, key, values))


def sentence_html(config: Config, key: str, language: str, **values: object) -> Markup:
    """The sentence for HTML: its words and every value escaped (a value that is ``Markup`` stays as it is)."""
    return Markup(escape(_template(config, key, language))).format(**_with_support(config, key, values))


def _template(config: Config, key: str, language: str) -> str:
    written = config.wording.get(key, language)
    if written is not None:
        return written
    return translations(language).gettext(SENTENCES[key].default(config.support))


def _with_support(config: Config, key: str, values: Mapping[str, object]) -> dict[str, object]:
    """The values given, and those of [support] where the sentence may name them."""
    if SENTENCES[key].placeholders is not SUPPORT_PLACEHOLDERS:
        return dict(values)
    support = {name: getattr(config.support, name) or "" for name in SUPPORT_PLACEHOLDERS}
    return {**support, **values}
