"""The ``statuspage`` command: click options, each command calling one library function."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import Problem, StatuspageError, ValidationError
from .terminal import counted, visible

SITE_OPTION = click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default="the current directory",
    help="Site directory holding statuspage.toml and content/.",
)

PROVENANCE_OPTION = click.option(
    "--git-provenance/--no-git-provenance",
    "provenance",
    default=True,
    envvar="STATUSPAGE_GIT_PROVENANCE",
    show_envvar=True,
    help="Show when each incident and maintenance was first published and last edited, from git.  [default: on]",
)


JOBS_OPTION = click.option(
    "--jobs",
    type=click.IntRange(1),
    default=None,
    envvar="STATUSPAGE_JOBS",
    show_envvar=True,
    help="Processes rendering pages; the output is the same for any number.  [default: the number of CPUs]",
)


def _fail(error: StatuspageError) -> None:
    """Print a user error as clean lines, never a traceback, and exit 1."""
    if isinstance(error, ValidationError):
        for problem in error.problems:
            click.echo(visible(str(problem)), err=True)
        _warn(error.warnings)
        count = len(error.problems)
        click.echo(f"{counted(count, 'problem')} found", err=True)
    else:
        click.echo(visible(f"Error: {error}"), err=True)
    sys.exit(1)


def _warn(warnings: Sequence[Problem]) -> None:
    """What was published without (ticket rows left out, links dropped), one line each, shown safe for a terminal."""
    for problem in warnings:
        click.echo(visible(f"warning: {problem}"), err=True)


@click.group()
@click.version_option(__version__, prog_name="statuspage")
def main() -> None:
    """Build a static status page from Markdown incidents, maintenance notes and support tickets."""


class Program:
    """The context object of the installed program, as against ``main`` called from Python (tests, tools)."""


def run(args: list[str] | None = None) -> None:
    """The ``statuspage`` program (and ``python -m statuspage``, ``build.py``): ``main`` with ``Program``."""
    main(args, obj=Program())


def _leave_now() -> None:
    """After a build, end the program at once, without freeing the loaded site object by object.

    A big site is millions of objects; tearing them down took a third of a second, longer than a
    build with nothing changed.  Everything the build writes is closed by then; only our own
    output buffers need flushing.  Only when ``run`` started the program, and not under a
    profiler or a coverage tracer, whose reports are written at exit.
    """
    context = click.get_current_context(silent=True)
    if context is None or context.find_object(Program) is None or sys.getprofile() or sys.gettrace():
        return
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:  # None when the program was started with the stream closed
            with suppress(OSError, ValueError):
                stream.flush()
    os._exit(0)


@main.command()
@SITE_OPTION
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory, replaced atomically.  [default: build/ in the site directory]",
)
@click.option("--now", "now", default=None, help="Build as if it were this time (ISO 8601); also SOURCE_DATE_EPOCH.")
@PROVENANCE_OPTION
@JOBS_OPTION
@click.option("--explain", is_flag=True, help="Build nothing; print what each phase of the last build decided.")
def build(site_dir: Path, out: Path | None, now: str | None, provenance: bool, jobs: int | None, explain: bool) -> None:
    """Validate the site, then build it into the output directory (unchanged inputs: nothing is written)."""
    from .build import build_site

    out = out if out is not None else site_dir / "build"
    if explain:
        _explain(out)
        return
    try:
        result = build_site(
            site_dir,
            out,
            now,
            provenance=provenance,
            jobs=jobs or os.cpu_count() or 1,
        )
    except StatuspageError as error:
        _fail(error)
    _warn(result.warnings)
    if result.written:
        click.echo(f"Built {counted(result.files, 'file')} into {result.out}")
    else:
        click.echo(f"Nothing changed: {counted(result.files, 'file')} in {result.out}")
    _leave_now()


def _explain(out: Path) -> None:
    """``build --explain``: the record the last build left beside ``out``, phase by phase."""
    from .build.record import explain_lines, load_explanation

    target = out.resolve() if out.is_symlink() else out
    explanation = load_explanation(target)
    if explanation is None:
        _fail(StatuspageError(f"--out {out}: no build recorded beside it (build it first)"))
        return
    for line in explain_lines(out, explanation):
        click.echo(visible(line))


@main.command()
@SITE_OPTION
def check(site_dir: Path) -> None:
    """Validate config, content and the tickets database; list every problem as path:line: message."""
    from .build import check_site
    from .config import config_warnings
    from .i18n import unbuilt_translations

    try:
        site = check_site(site_dir)
    except StatuspageError as error:
        _fail(error)
    _warn(config_warnings(site.config))
    _warn(unbuilt_translations(site))
    _warn(site.dropped_links)
    _warn(site.content_notes)
    click.echo(
        f"OK: {counted(len(site.incidents), 'incident')}, {counted(len(site.maintenance), 'maintenance window')}, "
        f"{counted(len(site.tickets), 'public ticket')}"
    )


# --------------------------------------------------------------------------- new sites and migration


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--language", type=click.Choice(["sk", "en"]), default="en", show_default=True, help="UI language.")
@click.option("--title", default=None, help="Name of the status page.  [default: by language]")
@click.option(
    "--base-url", default=None, help="Absolute URL the site will be published at.  [default: a placeholder to edit]"
)
@click.option("--timezone", default=None, help="IANA time zone.  [default: Europe/Bratislava for sk, UTC for en]")
def init(directory: Path, language: str, title: str | None, base_url: str | None, timezone: str | None) -> None:
    """Create a new site in DIRECTORY (missing or empty) that check and build accept as it is."""
    from .newsite import init_site

    try:
        created = init_site(directory, language=language, title=title, base_url=base_url, timezone=timezone)
    except StatuspageError as error:
        _fail(error)
    for relative in created.files:
        click.echo(f"  {directory / relative}")
    click.echo(f"Created a new site in {directory}: edit statuspage.toml, then run statuspage build --site {directory}")


@main.command("import")
@click.argument("kind", metavar="cstate|statusfy", type=click.Choice(["cstate", "statusfy"]))
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default="the current directory",
    help="Site directory to write into; created if missing.",
)
@click.option("--language", type=click.Choice(["sk", "en"]), default=None, help="UI language.  [default: the source's]")
@click.option("--timezone", default=None, help="IANA time zone for showing times.  [default: the source's, or UTC]")
@click.option("--force", is_flag=True, help="Replace files that already exist in the site directory.")
def import_(kind: str, source: Path, site_dir: Path, language: str | None, timezone: str | None, force: bool) -> None:
    """Turn a cState or Statusfy site in SOURCE into a statuspage site; list what could not be mapped."""
    from .importers import import_site
    from .importers.common import SiteOptions

    try:
        result = import_site(kind, source, site_dir, SiteOptions(language, timezone), force=force)
    except StatuspageError as error:
        _fail(error)
    draft = result.draft
    incidents = sum(item.kind == "incident" for item in draft.items)
    click.echo(
        f"Imported {counted(incidents, 'incident')}, {counted(len(draft.items) - incidents, 'maintenance window')} "
        f"and {counted(len(draft.components), 'component')} from {draft.tool} into {site_dir}"
    )
    if draft.notes:
        click.echo(f"Could not be mapped exactly ({len(draft.notes)}):")
        for note in draft.notes:
            click.echo(f"  {note}")
    if result.problems:
        _fail(ValidationError(list(result.problems)))
    click.echo(f"OK: statuspage check passes; run statuspage build --site {site_dir}")


# --------------------------------------------------------------------------- staying current


def _duration(_context: click.Context, parameter: click.Parameter, value: str) -> float:
    from .watch import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=parameter) from None


@main.command()
@SITE_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--now", "now", default=None, help="Preview as if it were this time (ISO 8601).  [default: the clock]")
@PROVENANCE_OPTION
def serve(site_dir: Path, host: str, port: int, now: str | None, provenance: bool) -> None:
    """Preview the site live from its sources, reloading them when they change."""
    from .web.preview import serve as serve_preview

    try:
        serve_preview(site_dir, host=host, port=port, now_option=now, provenance=provenance)
    except StatuspageError as error:
        _fail(error)


@main.command()
@SITE_OPTION
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory, replaced atomically on each build.  [default: build/ in the site directory]",
)
@click.option(
    "--interval",
    default="2s",
    metavar="DURATION",
    show_default=True,
    callback=_duration,
    help="How often to check the sources: 500ms, 2s, 1m...",
)
@click.option("--git-pull", is_flag=True, help="Run git pull --ff-only in the site before checking, every --every.")
@click.option(
    "--every", default="1m", metavar="DURATION", show_default=True, callback=_duration, help="How often to git pull."
)
@click.option(
    "--publish",
    "publish_after",
    is_flag=True,
    help="Upload each new output to the [[publish]] targets; failures are logged and retried.",
)
@PROVENANCE_OPTION
@JOBS_OPTION
def watch(
    site_dir: Path,
    out: Path | None,
    interval: float,
    git_pull: bool,
    every: float,
    publish_after: bool,
    provenance: bool,
    jobs: int | None,
) -> None:
    """Build, then rebuild whenever the sources change and exactly when the visible state changes."""
    from .watch import WatchSettings
    from .watch import watch as run_watch

    settings = WatchSettings(
        site_dir=site_dir,
        out=out if out is not None else site_dir / "build",
        interval=interval,
        git_pull=git_pull,
        pull_every=every,
        provenance=provenance,
        jobs=jobs or os.cpu_count() or 1,
        publish=publish_after,
    )
    try:
        run_watch(settings)
    except StatuspageError as error:
        _fail(error)


@main.command()
@SITE_OPTION
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Built output to upload.  [default: build/ in the site directory]",
)
@click.option("--dry-run", is_flag=True, help="Print what would be uploaded and deleted per target; send nothing.")
def publish(site_dir: Path, out: Path | None, dry_run: bool) -> None:
    """Upload the output to every [[publish]] target: only what changed, pages after what they link to."""
    from .publish import publish_site

    def bar(length: int, label: str) -> Any:
        return click.progressbar(length=length, label=label, file=sys.stderr)

    try:
        results = publish_site(
            site_dir,
            out if out is not None else site_dir / "build",
            dry_run=dry_run,
            say=click.echo,
            progress=bar if sys.stderr.isatty() and not dry_run else None,
        )
    except StatuspageError as error:
        _fail(error)
    failed = [result for result in results if result.error is not None]
    for result in failed:
        click.echo(f"{result.name}: failed: {result.error}", err=True)
    if failed:
        names = ", ".join(result.name for result in failed)
        done = len(results) - len(failed)
        click.echo(f"Error: publishing failed for {names}; {done} of {len(results)} targets done", err=True)
        sys.exit(1)


@main.command()
@SITE_OPTION
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The built output whose state is announced.  [default: build/ in the site directory]",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the events and deliveries a run would make; store and send nothing."
)
@click.option("--retry-now", is_flag=True, help="Retry failed deliveries now instead of after their pause.")
def notify(site_dir: Path, out: Path | None, dry_run: bool, retry_now: bool) -> None:
    """Tell subscribers and webhooks of what changed since the last run; send what is due (SPEC §12)."""
    import logging

    from .notify.run import notify_site

    logging.getLogger("statuspage.notify").addHandler(logging.NullHandler())  # what it logs is printed below
    try:
        result = notify_site(
            site_dir, out if out is not None else site_dir / "build", dry_run=dry_run, everything=retry_now
        )
    except StatuspageError as error:
        _fail(error)
    would = "would be " if dry_run else ""
    if result.recorded.baseline:
        click.echo(f"First run: what is published now {would}recorded as the baseline; nothing old is sent.")
    for event in result.recorded.news:
        click.echo(visible(f"{event.kind} {event.subject}: {event.url}"))
        for delivery in result.recorded.deliveries:
            if delivery.event_id == event.id:
                click.echo(visible(f"  {would}queued: {delivery.channel} → {delivery.target}"))
    feeds = len(result.recorded.events) - len(result.recorded.news)
    if feeds:
        click.echo(f"{feeds} feeds changed: a WebSub ping for each {would}queued")
    for line in result.would_send:
        click.echo(visible(f"would send (waiting): {line}"))
    failed = [attempt for attempt in result.attempts if attempt.error is not None]
    outcomes: dict[str, int] = {}  # one line per endpoint and outcome: a hub that is down is one line, not forty
    for attempt in result.attempts:
        outcome = "sent" if attempt.error is None else f"failed: {attempt.error}"
        if attempt.permanent:
            outcome += " (disabled: nothing more is sent there)"
        line = f"{attempt.delivery.channel} → {attempt.delivery.target}: {outcome}"
        outcomes[line] = outcomes.get(line, 0) + 1
    for line, count in outcomes.items():
        click.echo(visible(line + (f" ({count} deliveries)" if count > 1 else "")))
    if not dry_run:
        sent = len(result.attempts) - len(failed)
        click.echo(f"{len(result.recorded.news)} new events, {sent} deliveries sent, {result.waiting} waiting")
    if failed:
        what = "1 delivery" if len(failed) == 1 else f"{len(failed)} deliveries"
        click.echo(f"Error: {what} failed; kept, with any waiting behind them, and retried by the next run", err=True)
        sys.exit(1)


@main.group()
def new() -> None:
    """Start a new incident or maintenance file, correctly named and dated; prints its path."""


NEW_NOW_OPTION = click.option("--now", "now", default=None, help="Date the file as if it were this time (ISO 8601).")
COMPONENTS_OPTION = click.option(
    "--components",
    default=None,
    help="Comma-separated component ids, e.g. web,api.  [required unless the site has one component]",
)


@new.command("incident")
@click.argument("title")
@SITE_OPTION
@click.option(
    "--severity",
    type=click.Choice(["none", "minor", "major", "critical"]),
    default="minor",
    show_default=True,
    help="none is an informational notice.",
)
@COMPONENTS_OPTION
@NEW_NOW_OPTION
def new_incident(site_dir: Path, title: str, severity: str, components: str | None, now: str | None) -> None:
    """Write content/incidents/<date>-<slug>.md, started now, with a first investigating update."""
    from .sources.scaffold import new_incident as scaffold

    try:
        path = scaffold(site_dir, title, severity=severity, components=components, now_option=now)
    except StatuspageError as error:
        _fail(error)
    click.echo(path)


@new.command("maintenance")
@click.argument("title")
@SITE_OPTION
@click.option("--start", required=True, help="When the window starts (ISO 8601; without offset: site time zone).")
@click.option("--end", required=True, help="When the window ends; after --start.")
@COMPONENTS_OPTION
@click.option(
    "--impact",
    type=click.Choice(["none", "degraded", "partial", "full"]),
    default="none",
    show_default=True,
    help="Expected impact on visitors.",
)
@NEW_NOW_OPTION
def new_maintenance(
    site_dir: Path, title: str, start: str, end: str, components: str | None, impact: str, now: str | None
) -> None:
    """Write content/maintenance/<start date>-<slug>.md with a first scheduled update."""
    from .sources.scaffold import new_maintenance as scaffold

    try:
        path = scaffold(site_dir, title, start=start, end=end, components=components, impact=impact, now_option=now)
    except StatuspageError as error:
        _fail(error)
    click.echo(path)


# --------------------------------------------------------------------------- the support desk

DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Tickets database to use instead of [tickets] db in statuspage.toml.",
)
DESK_NOW_OPTION = click.option(
    "--now", "now", default=None, help="Record times as if it were this time (ISO 8601); also SOURCE_DATE_EPOCH."
)


def _column_options(*, adding: bool) -> Any:
    """The ticket columns a desk command can set; add needs title, severity and channel, update none."""
    options = [
        click.option("--title", required=adding, help="Public summary of the problem."),
        click.option("--description", default=None, help="Public details, Markdown."),
        click.option("--severity", required=adding, help="critical | major | minor, as confirmed by the desk."),
        click.option("--channel", required=adding, help="How it was reported: chat | email | phone | letter."),
        click.option("--component", "components", multiple=True, help="Affected component id; repeat for more."),
        click.option("--reported-at", default=None, help="When it was reported (ISO 8601).  [default: now]"),
        click.option("--reporter-name", default=None, help="Private: never published."),
        click.option("--reporter-email", default=None, help="Private: never published."),
        click.option("--reporter-phone", default=None, help="Private: never published."),
        click.option("--reporter-address", default=None, help="Private: never published."),
    ]

    def decorate(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@contextmanager
def _user_errors() -> Iterator[None]:
    """Desk commands report bad input the way build and check do: clean lines, exit 1."""
    try:
        yield
    except StatuspageError as error:
        _fail(error)


def _given(**columns: Any) -> dict[str, Any]:
    """Only the columns an option was given for; an empty --component list means 'not given'."""
    return {name: value for name, value in columns.items() if value is not None and value != ()}


@main.group()
def tickets() -> None:
    """The support desk's tickets database: init, add, update, link, list, show, import, export, snapshot.

    Rows are checked exactly as `statuspage check` checks them.  Times are ISO 8601 (without an
    offset, in the site's time zone) and default to now.  list, show and export print the
    reporters' private columns: they are for desk staff, never for publishing.
    """


@tickets.command("init")
@SITE_OPTION
@DB_OPTION
def tickets_init(site_dir: Path, db_path: Path | None) -> None:
    """Create the database or migrate it to the current schema, and switch it to WAL mode; safe to repeat."""
    from .desk import report, store
    from .desk.site import open_desk

    with _user_errors():
        desk = open_desk(site_dir, db_path)
        result = store.init_database(desk)
    click.echo(report.init_text(desk.shown, result))


@tickets.command("add")
@_column_options(adding=True)
@click.option(
    "--maintenance", default=None, help="Slug (or its tail after the date) of the maintenance window it waits for."
)
@click.option("--private", is_flag=True, help="Never publish this ticket (public = 0).")
@click.option("--id", "ticket_id", type=int, default=None, help="Ticket number.  [default: the next free one]")
@DESK_NOW_OPTION
@SITE_OPTION
@DB_OPTION
def tickets_add(
    site_dir: Path, db_path: Path | None, now: str | None, ticket_id: int | None, private: bool, **columns: Any
) -> None:
    """Add a ticket; it starts in status reported."""
    from .desk import store
    from .desk.site import open_desk

    with _user_errors():
        fields = _given(id=ticket_id, public=0 if private else 1, **columns)
        new_id = store.add_ticket(open_desk(site_dir, db_path), fields, now)
    click.echo(f"Added ticket {new_id}")


@tickets.command("update")
@click.argument("ticket_id", type=int)
@click.option("--status", default=None, help="reported → evaluating → fixing → resolved; fixing records evaluated_at.")
@click.option("--evaluated-at", default=None, help="When evaluation ended; the fix window counts from it.")
@click.option("--resolved-at", default=None, help="When it was fixed.  [default: now, on moving to resolved]")
@_column_options(adding=False)
@click.option("--public/--private", "public", default=None, help="Publish the ticket, or never publish it.")
@click.option("--force", is_flag=True, help="Allow moving the status back (re-opening a ticket).")
@DESK_NOW_OPTION
@SITE_OPTION
@DB_OPTION
def tickets_update(
    site_dir: Path,
    db_path: Path | None,
    now: str | None,
    ticket_id: int,
    status: str | None,
    force: bool,
    public: bool | None,
    **columns: Any,
) -> None:
    """Move a ticket along the support process, or correct its columns."""
    from .desk import report, store
    from .desk.site import open_desk

    with _user_errors():
        fields = _given(public=None if public is None else int(public), **columns)
        update = store.update_ticket(
            open_desk(site_dir, db_path), ticket_id, fields, status=status, force=force, now_option=now
        )
    click.echo(report.update_text(update))


@tickets.command("link")
@click.argument("ticket_id", type=int)
@click.option("--maintenance", default=None, help="Slug of a file in content/maintenance (or its tail after the date).")
@click.option("--unlink", is_flag=True, help="Let the ticket wait for no maintenance window.")
@SITE_OPTION
@DB_OPTION
def tickets_link(site_dir: Path, db_path: Path | None, ticket_id: int, maintenance: str | None, unlink: bool) -> None:
    """Let a ticket stay open on purpose until a maintenance window (a service innovation) completes."""
    from .desk import report, store
    from .desk.site import open_desk

    if (maintenance is None) == (not unlink):
        raise click.UsageError("give either --maintenance SLUG or --unlink")
    with _user_errors():
        update = store.link_ticket(open_desk(site_dir, db_path), ticket_id, maintenance)
    click.echo(report.update_text(update))


@tickets.command("list")
@click.option("--status", default=None, help="Only tickets in this status.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of rows, every column.")
@SITE_OPTION
@DB_OPTION
def tickets_list(site_dir: Path, db_path: Path | None, status: str | None, as_json: bool) -> None:
    """List tickets by id, private ones too (for desk staff)."""
    from .desk import report, store
    from .desk.site import open_desk
    from .desk.transfer import rows_json

    with _user_errors():
        rows = store.list_tickets(open_desk(site_dir, db_path), status)
    click.echo(rows_json(rows) if as_json else report.list_table(rows), nl=not as_json)


@tickets.command("show")
@click.argument("ticket_id", type=int)
@click.option(
    "--now", "now", default=None, help="Explain the ticket as of this time (ISO 8601); also SOURCE_DATE_EPOCH."
)
@SITE_OPTION
@DB_OPTION
def tickets_show(site_dir: Path, db_path: Path | None, ticket_id: int, now: str | None) -> None:
    """Print one ticket with every column, private ones too, what the site says of it, and its status history."""
    from .desk import report, store
    from .desk.public import public_view
    from .desk.site import open_desk

    with _user_errors():
        desk = open_desk(site_dir, db_path)
        record = store.show_ticket(desk, ticket_id)
        public = public_view(site_dir, desk, record.row, now)
    click.echo(report.ticket_text(record, public))


@tickets.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--map", "mapping", multiple=True, metavar="OLD=NEW", help="Read the file's column OLD as NEW.")
@click.option(
    "--map-value",
    "value_mapping",
    multiple=True,
    metavar="COLUMN:FROM=TO",
    help="Import the value FROM of ticket column COLUMN as TO (severity:Urgent=critical); repeatable.",
)
@click.option("--replace", is_flag=True, help="Update tickets whose id is already in the database.")
@DESK_NOW_OPTION
@SITE_OPTION
@DB_OPTION
def tickets_import(
    site_dir: Path,
    db_path: Path | None,
    now: str | None,
    file: Path,
    mapping: tuple[str, ...],
    value_mapping: tuple[str, ...],
    replace: bool,
) -> None:
    """Import a helpdesk's CSV or JSON export: every row, or none if any is bad."""
    from .desk.site import open_desk
    from .desk.transfer import import_tickets

    with _user_errors():
        desk = open_desk(site_dir, db_path)
        result = import_tickets(desk, file, mapping, replace=replace, now_option=now, value_pairs=value_mapping)
    click.echo(f"Imported {file}: {result.added} added, {result.replaced} replaced")


@tickets.command("snapshot")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE (.json).  [default: [tickets] snapshot in statuspage.toml]",
)
@SITE_OPTION
@DB_OPTION
def tickets_snapshot(site_dir: Path, db_path: Path | None, output: Path | None) -> None:
    """Write the public snapshot a build reads where the database is not: public rows and columns only."""
    from .config import load_config
    from .desk.site import open_desk
    from .desk.snapshot import write_snapshot
    from .errors import Collector

    with _user_errors():
        desk = open_desk(site_dir, db_path)
        if output is None:
            config = load_config(site_dir, Collector())
            output = config.tickets_snapshot if config is not None else None
        if output is None:
            raise StatuspageError("where to? set [tickets] snapshot in statuspage.toml or pass -o FILE.json")
        if output.suffix.lower() != ".json":
            raise StatuspageError(f"{output}: a snapshot is a .json file")
        result = write_snapshot(desk, output)
    for reason in result.left_out:
        click.echo(visible(f"warning: {desk.shown}: {reason}: left out, as the build leaves it out"), err=True)
    click.echo(f"Wrote {counted(result.written, 'public ticket')} to {result.path}")


@tickets.command("export")
@click.option(
    "--format", "kind", type=click.Choice(["csv", "json"]), default=None, help="[default: from -o's suffix, else json]"
)
@click.option("--public-only", is_flag=True, help="Only public rows and public columns: safe to hand out.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to FILE.")
@SITE_OPTION
@DB_OPTION
def tickets_export(
    site_dir: Path, db_path: Path | None, kind: str | None, public_only: bool, output: Path | None
) -> None:
    """Export tickets as CSV or JSON that import reads back."""
    from .desk.site import open_desk
    from .desk.transfer import export_tickets

    chosen = kind or ("csv" if output is not None and output.suffix.lower() == ".csv" else "json")
    with _user_errors():
        exported = export_tickets(open_desk(site_dir, db_path), chosen, public_only=public_only)
    if output is None:
        click.echo(exported.text, nl=False)
        return
    output.write_text(exported.text, encoding="utf-8")
    click.echo(f"Exported {counted(exported.count, 'ticket')} to {output}")


@main.group()
def subscribers() -> None:
    """E-mail subscribers, kept in the [notify] state file: add, confirm, remove, list, serve.

    A new address gets one mail with a confirmation link and nothing else until it is confirmed
    (by the link, or by `subscribers confirm`).  Every later mail has a one-click unsubscribe.
    """


@subscribers.command("add")
@click.argument("email")
@click.option("--language", default=None, help="Language of the mail, one of the site's.  [default: the site language]")
@click.option(
    "--component",
    "components",
    multiple=True,
    metavar="ID",
    help="Only news of this component (repeat for more).  [default: every component]",
)
@SITE_OPTION
def subscribers_add(site_dir: Path, email: str, language: str | None, components: tuple[str, ...]) -> None:
    """Add EMAIL and send it the confirmation mail (again, if it is still unconfirmed)."""
    from .notify.manage import add_subscriber

    with _user_errors():
        address, sent = add_subscriber(site_dir, email, language, components)
    if sent:
        click.echo(f"Sent the confirmation mail to {address}; it hears nothing until it is confirmed.")
    else:
        click.echo(f"{address} is already subscribed and confirmed; nothing sent.")


@subscribers.command("confirm")
@click.argument("email_or_token", metavar="EMAIL|TOKEN")
@SITE_OPTION
def subscribers_confirm(site_dir: Path, email_or_token: str) -> None:
    """Confirm a subscriber by address (you checked it yourself) or by the token of its confirmation link."""
    from .notify.manage import confirm_subscriber

    with _user_errors():
        subscriber = confirm_subscriber(site_dir, email_or_token)
    click.echo(f"Confirmed {subscriber.email}.")


@subscribers.command("remove")
@click.argument("email_or_token", metavar="EMAIL|TOKEN")
@SITE_OPTION
def subscribers_remove(site_dir: Path, email_or_token: str) -> None:
    """Delete a subscriber by address, or by the token of an `unsubscribe TOKEN` mail; nothing of it is kept."""
    from .notify.manage import remove_subscriber

    with _user_errors():
        remove_subscriber(site_dir, email_or_token)
    click.echo("Removed.")


@subscribers.command("list")
@SITE_OPTION
def subscribers_list(site_dir: Path) -> None:
    """Print each subscriber: address, language, components and whether confirmed (tab-separated; no tokens)."""
    from .notify.manage import list_subscribers, subscriber_line

    with _user_errors():
        found = list_subscribers(site_dir)
    for subscriber in found:
        click.echo(visible(subscriber_line(subscriber)))
    if not found:
        click.echo("No subscribers.", err=True)


@subscribers.command("serve")
@SITE_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8025, show_default=True, help="Port to listen on.")
@click.option(
    "--proxy-hops",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Reverse proxies in front that set X-Forwarded-For and X-Forwarded-Proto, trusted for the client address.",
)
@click.option(
    "--per-client",
    type=click.IntRange(1),
    default=20,
    show_default=True,
    help="Subscriptions per client address an hour.",
)
@click.option(
    "--per-address",
    type=click.IntRange(1),
    default=3,
    show_default=True,
    help="Confirmation mails per e-mail address an hour.",
)
@click.option("--threads", type=click.IntRange(1), default=4, show_default=True, help="Requests served at once.")
def subscribers_serve(
    site_dir: Path, host: str, port: int, proxy_hops: int, per_client: int, per_address: int, threads: int
) -> None:
    """Serve the self-service sign-up endpoint ([notify] signup_url) with waitress: subscribe, confirm, unsubscribe."""
    from .notify.manage import serve_signup
    from .notify.signup import Limits

    with _user_errors():
        serve_signup(site_dir, host, port, Limits(per_client=per_client, per_address=per_address), proxy_hops, threads)
