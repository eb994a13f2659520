"""Releases: a tag vX.Y.Z, the package's version and a dated CHANGELOG section agree, and the workflow is valid."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from packaging.version import Version

import statuspage

WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
RELEASED = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d\d-\d\d)$", re.MULTILINE)


def test_the_release_workflow_matches_the_github_workflow_schema() -> None:
    if shutil.which("check-jsonschema") is None and not os.environ.get("CI"):
        pytest.skip("check-jsonschema is not installed")
    result = subprocess.run(
        ["check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_release_workflow_builds_on_tags_only_and_publishes_with_trusted_publishing() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers == {"push": {"tags": ["v*"]}}
    publish = workflow["jobs"]["pypi"]
    assert publish["permissions"] == {"id-token": "write"}
    assert any(step.get("uses", "").startswith("pypa/gh-action-pypi-publish@") for step in publish["steps"])
    assert not any("password" in (step.get("with") or {}) for step in publish["steps"])  # no stored token
    assert publish["environment"]["url"].endswith("/statuspage-static")


def _agreement_step() -> str:
    steps = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["dist"]["steps"]
    return next(step["run"] for step in steps if "CHANGELOG" in step.get("name", ""))


@pytest.mark.parametrize(
    ("tag", "version", "changelog", "agrees"),
    [
        ("v1.2.3", "1.2.3", "## Unreleased\n\n## [1.2.3] - 2026-12-07\n- x\n", True),
        ("v1.2.4", "1.2.3", "## [1.2.3] - 2026-12-07\n", False),  # the tag is not the code's version
        ("v1.2.3", "1.2.3", "## Unreleased\n- x\n", False),  # no CHANGELOG section for it
        ("v1.2.3", "1.2.3", "## [1.2.3]\n- x\n", False),  # a section without its date
    ],
)
def test_a_release_needs_the_tag_the_version_and_a_dated_changelog_to_agree(
    tmp_path: Path, tag: str, version: str, changelog: str, agrees: bool
) -> None:
    (tmp_path / "statuspage").mkdir()
    (tmp_path / "statuspage" / "__init__.py").write_text(f'"""x"""\n\n__version__ = "{version}"\n', encoding="utf-8")
    (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n{changelog}", encoding="utf-8")
    result = subprocess.run(
        ["bash", "-e", "-c", _agreement_step()],
        cwd=tmp_path,
        env={**os.environ, "GITHUB_REF_NAME": tag},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode == 0) == agrees, result.stdout + result.stderr


def test_the_changelog_lists_released_versions_with_dates_newest_first() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.split("\n## ", 1)[1].startswith("Unreleased\n"), "the first section is ## Unreleased"
    released = [(Version(match["version"]), date.fromisoformat(match["date"])) for match in RELEASED.finditer(text)]
    assert released, "no released version"
    assert released == sorted(released, reverse=True), "released versions and dates go newest first"
    # Between releases the code carries the next version's development release.
    current = Version(statuspage.__version__)
    assert current >= released[0][0]
    assert current == released[0][0] or current.is_devrelease
