"""``python -m statuspage`` is the ``statuspage`` command."""

from .cli import run

run()
