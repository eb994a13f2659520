"""``python -m statuspage`` is the ``statuspage`` command."""

from .cli import main

main()
