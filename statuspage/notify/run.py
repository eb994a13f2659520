"""``statuspage notify``: one run of the outbox against the output in place (cron, CI, and ``watch``).

Read the output → record the events since the last run, their deliveries and the new baseline
(one transaction) → send what is due.  One run at a time per state file (a lock), so ``watch``
and a cron job never send the same delivery at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..config import load_config
from ..errors import Collector, StatuspageError, ValidationError
from ..model import Config
from .channels import configured_channels, configured_endpoints, feed_channels
from .outbox import FIRST_RETRY, Attempt, Outbox, Recorded
from .published import read_published
from .store import exclusive, open_state

log = logging.getLogger("statuspage.notify")


@dataclass
class NotifyResult:
    recorded: Recorded
    attempts: list[Attempt] = field(default_factory=list)
    waiting: int = 0  # deliveries still to send after this run (failed ones, waiting for their retry)
    next_due: datetime | None = None
    dry_run: bool = False
    would_send: list[str] = field(default_factory=list)  # dry run: the deliveries already waiting


def load_notify_config(site_dir: Path) -> Config:
    problems = Collector()
    config = load_config(site_dir, problems)
    if problems.problems or config is None:
        raise ValidationError(list(problems.problems))
    return config


def notify_site(
    site_dir: Path,
    out: Path,
    *,
    dry_run: bool = False,
    everything: bool = False,
    first_retry: float = FIRST_RETRY,
    stop: Callable[[], bool] = lambda: False,
    config: Config | None = None,
) -> NotifyResult:
    """Notify once for the output at ``out``: record new events, then send every delivery that is due.

    ``everything`` sends the waiting deliveries now, without waiting for their back-off.
    ``dry_run`` computes the same but stores and sends nothing.
    """
    config = config or load_notify_config(site_dir)
    state = config.notify.state
    if state is None:
        raise StatuspageError(f"{config.path}: [notify] state is not set: notifications are off")
    if state.resolve().is_relative_to(out.resolve()):
        raise StatuspageError(
            f"{config.path}: [notify] state {state} is inside the output {out}: it would be published "
            "(subscribers' addresses) and replaced by the next build; keep it outside"
        )
    published = read_published(out, config)
    if dry_run and not state.exists():
        return NotifyResult(Recorded(baseline=True), dry_run=True)
    with exclusive(state):
        db = open_state(state)
        try:
            outbox = Outbox(db, configured_channels(config, site_dir), feed_channels(config), first_retry=first_retry)
            if dry_run:
                recorded = outbox.record(published, dry_run=True)
                waiting = [f"{delivery.channel} → {delivery.target}" for _, delivery, _ in outbox.due(everything=True)]
                return NotifyResult(recorded, dry_run=True, would_send=waiting)
            outbox.forget_disabled(configured_endpoints(config))
            recorded = outbox.record(published)
            if recorded.baseline:
                log.info("first run: recorded what is published now as the baseline; nothing old is sent")
            for event in recorded.news:
                log.info("event %s %s (%s)", event.kind, event.subject, event.id)
            attempts = outbox.send_due(everything=everything, stop=stop)
            outbox.forget_finished()
            counts = outbox.counts()
            return NotifyResult(recorded, attempts, counts.get("pending", 0), outbox.next_due())
        finally:
            db.close()
