"""``statuspage watch``: the scheduler that keeps a built site current (see service.py)."""

from .service import Watcher, WatchSettings, parse_duration, watch

__all__ = ["WatchSettings", "Watcher", "parse_duration", "watch"]
