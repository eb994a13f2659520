"""The channels ``[notify]`` configures: what the outbox plans deliveries with and sends them through."""

from __future__ import annotations

from pathlib import Path

from ..config import WEBHOOK_FORMATS
from ..model import Config
from .channel import Channel
from .email import EmailChannel
from .webhooks import WebhookChannel, target_key
from .websub import WebSubChannel


def configured_channels(config: Config, site_dir: Path) -> list[Channel]:
    """The channels that tell people (and their systems) of events: one per webhook format in use, e-mail."""
    settings = config.notify
    found: list[Channel] = []
    for format_ in WEBHOOK_FORMATS:
        targets = [target for target in settings.webhooks if target.format == format_]
        if targets:
            found.append(WebhookChannel(format_, targets, config.language, config.timezone))
    if settings.email_from and settings.smtp_url:
        found.append(EmailChannel(config))
    return found


def feed_channels(config: Config) -> list[Channel]:
    """The channels told of changed feeds rather than of events: the WebSub hub, when there is one."""
    return [WebSubChannel(config.websub_hub)] if config.websub_hub else []


def configured_endpoints(config: Config) -> set[tuple[str, str]]:
    """Every webhook and hub ``[notify]`` names, as deliveries name them (channel, target)."""
    found = {(f"webhook:{target.format}", target_key(target)) for target in config.notify.webhooks}
    if config.websub_hub:
        found.add((WebSubChannel.name, config.websub_hub))
    return found
