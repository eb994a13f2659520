"""``statuspage publish``: the built output to S3-compatible storage, only what changed, in a safe order."""

from .run import TargetResult, publish_site, publish_target

__all__ = ["TargetResult", "publish_site", "publish_target"]
