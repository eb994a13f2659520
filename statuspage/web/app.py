"""App factory: one Flask app per build, holding the derived state every view renders from."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from gettext import NullTranslations
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from babel.core import get_global
from flask import Flask
from markupsafe import Markup

from .. import explain, wording
from ..i18n import (
    format_date,
    format_day,
    format_percent,
    format_time,
    format_window,
    language_prefix,
    translations,
)
from ..outputs.feeds import update_anchor
from ..periods import format_duration, format_long_day, format_month, iso_duration
from ..state import SiteState
from ..state.uptime import Day
from . import alternates  # noqa: F401 - registers the Markdown alternates' views
from .files import files
from .links import Links
from .pages import month_anchor, navigation, pages, support_label
from .theme import PACKAGE_STATIC, has_own_templates, overlay_static

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# The one script a page carries, inline and allowed by its hash: it adds the visitor's own time
# after each time marked data-local when their zone differs from the site's.  Nothing depends on
# it; the label ("your time") comes from its data-label attribute, so the text is the same in
# every language and so is its hash.  It runs in the <head> and adds each time as the parser
# inserts it (a MutationObserver's records are delivered before the browser next paints), so the
# text is there from the first paint and nothing moves after it: added at the end of the page,
# on a slow phone it pushed the page down after it was shown (layout shift, Core Web Vitals).
LOCAL_TIME_SCRIPT = (
    "(function(l){var s=new WeakSet,o=new MutationObserver(function(r){r.forEach(function(m){"
    "m.addedNodes.forEach(function(n){if(n.nodeType!=1)return;if(n.matches('time[data-local]'))a(n);"
    "n.querySelectorAll('time[data-local]').forEach(a)})})});"
    "function a(t){if(s.has(t))return;s.add(t);"
    "var d=new Date(t.dateTime),m=t.dateTime.match(/([+-])(\\d\\d):(\\d\\d)$/);"
    "if(!m||isNaN(d)||(m[1]=='-'?-1:1)*(60*m[2]+ +m[3])==-d.getTimezoneOffset())return;"
    "var e=document.createElement('small');e.className='local';"
    "e.textContent=' ('+l+': '+d.toLocaleString(document.documentElement.lang,"
    "{dateStyle:'short',timeStyle:'short'})+')';t.after(e)}"
    "o.observe(document,{childList:true,subtree:true});"
    "document.addEventListener('DOMContentLoaded',function(){o.takeRecords();o.disconnect();"
    "document.querySelectorAll('time[data-local]').forEach(a)})})(document.currentScript.dataset.label)"
)


def script_hash(script: str) -> str:
    """The CSP source hash of an inline script: base64 of its SHA-256."""
    return base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def create_app(state: SiteState, language: str | None = None, template_cache: Path | None = None) -> Flask:
    """A Flask app rendering ``state`` in ``language`` (default: the site language).

    The site language is published at the root and every other language under ``<lang>/``; each
    is its own app with the same derived state.  A site's own ``templates/`` override ours file
    by file.  With ``template_cache``, compiled templates are kept in that folder for the next build.
    """
    config = state.site.config
    language = language or config.language
    prefix = language_prefix(config, language)
    app = Flask(__name__, static_folder=str(PACKAGE_STATIC), static_url_path="/static", template_folder=None)
    app.config.update(
        STATE=state,
        LANGUAGE=language,
        LANGUAGE_PREFIX=prefix,
    )
    bundled = jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES))
    app.jinja_loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(str(state.site.root / "templates")),
            bundled,
            # "statuspage/base.html" is always ours: a site's base.html can extend it and override one block.
            jinja2.PrefixLoader({"statuspage": bundled}),
        ]
    )
    overlay_static(app, state.site.root)  # and its own static/ files override ours the same way
    app.jinja_options = {**app.jinja_options, "extensions": ["jinja2.ext.i18n"]}
    if has_own_templates(state.site.root):
        # Jinja keeps an imported template's module (and every loaded template) per process; a
        # theme's macro file that reads ``state`` at its top would then be seen reading it by the
        # first page only.  Without the cache every page loads its templates afresh, so what they
        # read is recorded for each page (compiled code still comes from the bytecode cache).
        app.jinja_options["cache_size"] = 0
    if template_cache is not None:  # compiling our templates costs more than a small rebuild renders
        template_cache.mkdir(parents=True, exist_ok=True)
        app.jinja_options["bytecode_cache"] = jinja2.FileSystemBytecodeCache(str(template_cache))
    catalog = translations(language)
    app.jinja_env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    _remember_translations(app.jinja_env, catalog)
    zone = config.timezone
    names = {component.id: component.name_in(language) for component in config.components}

    filters: dict[str, Callable[..., str]] = {
        "time": lambda moment: format_time(moment, zone, language),
        "date": lambda moment: format_date(moment, zone, language),
        "long_date": lambda moment: format_date(moment, zone, language, long=True),
        "window": lambda window: format_window(window.start, window.end, zone, language),
        "isotime": lambda moment: moment.astimezone(zone).isoformat(),
        "percent": lambda value: format_percent(value, language),
        "status_label": lambda status: explain.component_status_label(status, language),
        "impact_label": lambda impact: explain.impact_label(impact, language),
        "explanation": lambda ticket_state: explain.explanation(ticket_state, config, language),
        "day_title": lambda day: _day_title(day, language),
        "update_anchor": update_anchor,
        "duration": lambda delta: format_duration(delta, language),
        "iso_duration": iso_duration,
        "long_day": lambda day: format_long_day(day, language),
        "month": lambda month: format_month(month, language),
        "month_anchor": month_anchor,
        "component_label": lambda component_id: str(names.get(component_id, component_id)),
        "og_locale": og_locale,
    }
    app.jinja_env.filters.update(filters)
    links = app.extensions["statuspage_links"] = Links(app, config.base_url, prefix)
    app.jinja_env.globals.update(
        state=state,
        config=config,
        language=language,
        indicator_label=explain.indicator_label(state.indicator, language),
        site_title=config.title_in(language),  # config.title is the first language's
        component_name=names,
        url_for=links.template_url_for,
        labels=explain.labels(language, config),
        wording=lambda key, **values: wording.sentence_html(config, key, language, **values),
        site_navigation=navigation(state, language),
        support_label=support_label(state, language),
        content_security_policy=content_security_policy((script_hash(LOCAL_TIME_SCRIPT),)),
        # The subscribe page's form posts to the sign-up endpoint, when the site has one (docs/notifications.md).
        signup_action=_signup_action(config.notify.signup_url),
        subscribe_security_policy=content_security_policy(
            (script_hash(LOCAL_TIME_SCRIPT),), form_action=_signup_action(config.notify.signup_url)
        ),
        local_time_script=Markup(LOCAL_TIME_SCRIPT),
    )
    app.register_blueprint(pages)
    app.register_blueprint(files)
    return app


def _remember_translations(env: jinja2.Environment, catalog: NullTranslations) -> None:
    """``_("...")`` as Jinja's newstyle gettext makes it, translated once per text and app.

    A page calls ``_`` a few dozen times; through Jinja's i18n extension each call costs two
    context calls, a catalog lookup and a ``Markup`` format, and inside a block that sets a
    variable a copy of the context besides: a fifth of rendering a page.  Only autoescaping
    matters of the context (``pass_eval_context``: no copy), and a text without variables always
    gives the same result, so it is kept.
    """
    remembered: dict[tuple[str, bool], Any] = {}

    @jinja2.pass_eval_context
    def gettext(eval_context: jinja2.nodes.EvalContext, text: str, /, **variables: Any) -> Any:
        key = (text, eval_context.autoescape)
        cached = not variables and type(text) is str  # a Markup text keeps its type: not cached with the str
        found = remembered.get(key) if cached else None
        if found is not None:
            return found
        translated = catalog.gettext(text)
        if eval_context.autoescape:
            translated = Markup(translated)
        made = translated % variables  # always a format string, as in Jinja's newstyle gettext: "%%" is "%"
        if cached:
            remembered[key] = made
        return made

    env.globals["_"] = gettext


def content_security_policy(script_hashes: tuple[str, ...] = (), form_action: str | None = None) -> str:
    """The page's CSP: nothing but our own stylesheet and images; scripts only by hash.

    Served as a ``<meta>`` so it travels with the files to any host; docs/security.md gives the
    same policy as HTTP headers (which can also forbid framing). Forms may post nowhere, but the
    subscribe page's to the sign-up endpoint (``form_action``).
    """
    scripts = " ".join(f"'sha256-{digest}'" for digest in script_hashes) or "'none'"
    forms = "'none'"
    if form_action is not None:  # by its origin: a CSP source cannot hold every character a URL can
        parts = urlsplit(form_action)
        forms = f"{parts.scheme}://{parts.netloc}"
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'self'; img-src 'self' data:; "
        f"base-uri 'none'; form-action {forms}"
    )


def _signup_action(signup_url: str | None) -> str | None:
    """Where the subscribe form posts: the endpoint's ``subscribe`` below ``signup_url``."""
    if not signup_url:
        return None
    return (signup_url if signup_url.endswith("/") else signup_url + "/") + "subscribe"


def og_locale(language: str) -> str:
    """Open Graph's locale, language_TERRITORY: the language's likeliest territory (sk → sk_SK, en → en_US)."""
    likely = get_global("likely_subtags").get(language, language)
    parts = [part for part in likely.split("_") if len(part) != 4]  # without the script (Latn)
    return "_".join(parts)


def _day_title(day: Day, language: str) -> str:
    return f"{format_day(day.date, language)}: {format_percent(100 * day.uptime, language)}"
