"""``statuspage publish``: upload the built output to every ``[[publish]]`` target, one after another.

A target that fails (unreachable, wrong keys, a refused deletion) is reported in one line and the
others are still published; the caller learns which failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from botocore.exceptions import BotoCoreError, ClientError

from ..config import load_config
from ..errors import Collector, StatuspageError
from ..model import PublishTarget
from ..terminal import counted
from .bucket import Bucket, PublishError, describe
from .plan import LocalFile, OutputChanging, Plan, file_digest, make_plan, scan_output

UPLOAD_THREADS = 8  # objects in flight at once: uploads are mostly waiting for the network


class Progress(Protocol):
    def update(self, n_steps: int) -> None: ...


# Makes a progress bar for ``length`` uploads to a target (``label``); None: plain lines instead.
ProgressFactory = Callable[[int, str], AbstractContextManager[Progress]]


@dataclass(frozen=True)
class TargetResult:
    """What a publish did to one target, or why it failed."""

    name: str
    uploaded: int = 0
    deleted: int = 0
    unchanged: int = 0
    error: str | None = None


def load_targets(site_dir: Path) -> tuple[PublishTarget, ...]:
    """The site's ``[[publish]]`` targets; the config's problems as ``statuspage.toml:line: message``."""
    problems = Collector()
    config = load_config(site_dir, problems)
    problems.raise_if_any()
    assert config is not None  # no problems: a config
    if not config.publish:
        raise StatuspageError(f"{config.path}: no [[publish]] target: add one (see docs/deploy.md)")
    return config.publish


def check_output(out: Path) -> None:
    if not (out / "index.html").is_file():
        raise StatuspageError(f"{out}: no built site here (run statuspage build first, or pass --out)")


def publish_site(
    site_dir: Path,
    out: Path,
    *,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
    progress: ProgressFactory | None = None,
) -> list[TargetResult]:
    """Publish ``out`` to every target of the site; each result says what was done or why it failed."""
    targets = load_targets(site_dir)
    check_output(out)
    try:
        local = scan_output(out)
    except OutputChanging as error:
        raise StatuspageError(str(error)) from None
    except OSError as error:
        raise StatuspageError(f"{out}: cannot read the output: {error}") from None
    return [publish_target(target, out, local, dry_run=dry_run, say=say, progress=progress) for target in targets]


def publish_target(
    target: PublishTarget,
    out: Path,
    local: dict[str, LocalFile],
    *,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
    progress: ProgressFactory | None = None,
) -> TargetResult:
    """Publish to one target; never raises for what the network, the storage or the keys do."""
    try:
        return _publish(target, out, local, dry_run, say, progress)
    except (PublishError, BotoCoreError, ClientError, OSError) as error:
        return TargetResult(target.name, error=describe(error))


def _publish(
    target: PublishTarget,
    out: Path,
    local: dict[str, LocalFile],
    dry_run: bool,
    say: Callable[[str], None],
    progress: ProgressFactory | None,
) -> TargetResult:
    bucket = Bucket(target)
    plan = make_plan(local, bucket.manifest(), bucket.listed())
    uploads, deletions = plan.uploads, plan.deletions
    if len(deletions) > target.max_deletions:
        raise PublishError(
            f"would delete {len(deletions)} objects, more than max_deletions = {target.max_deletions}: refused, "
            "nothing uploaded or deleted (check --out and the url; raise max_deletions in statuspage.toml if meant)"
        )
    if dry_run:
        _show_plan(target, plan, say)
        return TargetResult(target.name, len(uploads), len(deletions), plan.unchanged)
    if plan.empty:
        say(f"{target.name}: nothing changed ({plan.unchanged} files already published)")
        return TargetResult(target.name, unchanged=plan.unchanged)
    if target.cors:
        warning = bucket.ensure_cors()
        if warning is not None:
            say(f"{target.name}: warning: {warning}")
    with ThreadPoolExecutor(UPLOAD_THREADS) as pool, _bar(progress, len(uploads), target.name) as bar:
        for phase, files in plan.phases:
            if not files:
                continue
            # Each phase completes before the next starts: the order is what keeps every page's links whole.
            for _ in pool.map(lambda file: bucket.upload(file, _body(out, file)), files):
                if bar is not None:
                    bar.update(1)
            if bar is None:
                say(f"{target.name}: uploaded {len(files)} {phase}")
    if deletions:
        bucket.delete(list(deletions))
        if progress is None:
            say(f"{target.name}: deleted {counted(len(deletions), 'object')} no longer in the output")
    bucket.save_manifest({path: file.digest for path, file in local.items()})
    say(f"{target.name}: {len(uploads)} uploaded, {len(deletions)} deleted, {plan.unchanged} unchanged")
    return TargetResult(target.name, len(uploads), len(deletions), plan.unchanged)


@contextmanager
def _bar(progress: ProgressFactory | None, length: int, label: str) -> Iterator[Progress | None]:
    if progress is None:
        yield None
        return
    with progress(length, label) as bar:
        yield bar


def _body(out: Path, file: LocalFile) -> bytes:
    """The file's bytes, as planned: a build that swapped a new output in meanwhile stops this publish."""
    body = (out / file.path).read_bytes()
    if file_digest(body, file.kind) != file.digest:
        raise PublishError(f"{file.path} changed during the publish (a new build?): publish again")
    return body


def _show_plan(target: PublishTarget, plan: Plan, say: Callable[[str], None]) -> None:
    say(
        f"{target.name} ({target.url}): would upload {len(plan.uploads)}, delete {len(plan.deletions)}, "
        f"keep {plan.unchanged}"
    )
    for phase, files in plan.phases:
        for file in files:
            say(f"  upload ({phase}) {file.path}  [{file.kind.content_type}; {file.kind.cache_control}]")
    for path in plan.deletions:
        say(f"  delete {path}")
