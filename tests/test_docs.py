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
        heading = f"[[{table}]]" if table == "components" else f"[{table}]"
        for key in keys:
            assert f"`{heading} {key}`" in README, f"{heading} {key} is not in the README's Configuration table"


def test_every_command_and_option_is_documented() -> None:
    context = click.Context(main)
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        assert command is not None
        row = next((line for line in README.splitlines() if re.match(rf"\| `statuspage {name}\b", line)), None)
        assert row is not None, f"statuspage {name} is not in the README's command table"
        for parameter in command.params:
            for option in getattr(parameter, "opts", []):
                if option.startswith("--") and option != "--help":
                    assert option in row, f"{option} of statuspage {name} is not documented"
