"""The Flask app that renders the site; Frozen-Flask freezes it, ``serve`` runs it live."""

from .app import create_app

__all__ = ["create_app"]
