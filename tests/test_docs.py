"""Every command, option and setting a user can meet is documented in the README."""

from __future__ import annotations

import re

import click
from conftest import REPO

from statuspage.cli import main
from statuspage.config import SETTINGS

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    for table, keys in SETTINGS.items():
        heading = (
            f"[[{table}]]" if table in ("components", "publish", "notify.webhooks") else f"[{table}]"
        )  # arrays of tables
        for key in keys:
            assert f"`{heading} {key}`" in README, f"{heading} {key} is not in the README's Configuration table"


def _commands() -> list[tuple[str, click.Command, str]]:
    """Every command as (name, command, pattern of its README row); a group's subcommands have rows of their own.

    A subcommand's row may name alternatives (`statuspage new incident|maintenance`, `|` escaped or not).
    """
    found: list[tuple[str, click.Command, str]] = []
    context = click.Context(main)
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        assert command is not None
        if isinstance(command, click.Group):
            for sub in command.list_commands(click.Context(command)):
                subcommand = command.get_command(click.Context(command), sub)
                assert subcommand is not None
                pattern = rf"\| `statuspage {name} (?:[a-z-]+\\?\|)*{re.escape(sub)}\b"
                found.append((f"{name} {sub}", subcommand, pattern))
        else:
            found.append((name, command, rf"\| `statuspage {name}\b"))
    return found


def test_every_command_and_option_is_documented() -> None:
    for name, command, pattern in _commands():
        row = next((line for line in README.splitlines() if re.match(pattern, line)), None)
        assert row is not None, f"statuspage {name} is not in the README's command table"
        for parameter in command.params:
            for option in getattr(parameter, "opts", []):
                if option.startswith("--") and option != "--help":
                    assert option in row, f"{option} of statuspage {name} is not documented"


def test_every_front_matter_key_is_in_the_authoring_guide() -> None:
    from statuspage.sources.content import INCIDENT_KEYS, MAINTENANCE_KEYS

    guide = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
    for key in (*INCIDENT_KEYS, *MAINTENANCE_KEYS):
        assert re.search(rf"^\| `{key}`", guide, re.MULTILINE) or f"| `start`, `{key}`" in guide, (
            f"front matter key {key!r} has no row in docs/authoring.md"
        )


def test_the_docs_the_readme_links_to_exist() -> None:
    for target in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (REPO / target).is_file(), f"README links to {target}, which does not exist"
