"""The wheel is enough: installed into a fresh virtualenv, it creates and builds a site outside this repository.

This is the acceptance test of the installable tool and it runs in the main suite (CI too): it
builds the wheel from a copy of the sources (so the checkout's build/ and egg-info stay
untouched), installs it without dependencies into a new venv that sees this interpreter's
packages (the dependencies are installed there already; no network is needed), and runs
``statuspage init``, ``check`` and ``build`` from a directory outside the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

import statuspage

PACKAGE = REPO / "statuspage"


def _run(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(PACKAGE, source / "statuspage", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--quiet",
        "-w",
        dist,
        source,
        cwd=source,
        env=dict(os.environ),
    )
    (built,) = dist.glob("statuspage-*.whl")
    return built


def test_the_wheel_carries_templates_static_files_translations_and_the_site_template(wheel: Path) -> None:
    assert wheel.name.startswith(f"statuspage-{statuspage.__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = [
        path
        for path in PACKAGE.rglob("*")
        # messages.pot is the extraction template for translators, not read at run time
        if path.is_file() and path.suffix not in (".py", ".pyc", ".pot") and "__pycache__" not in path.parts
    ]
    missing = [str(path.relative_to(REPO)) for path in data if path.relative_to(REPO).as_posix() not in names]
    assert not missing, f"package data missing from the wheel (see [tool.setuptools.package-data]): {missing}"
    for expected in (
        "statuspage/templates/base.html",
        "statuspage/templates/sitemap.xml",
        "statuspage/static/style.css",
        "statuspage/translations/sk/LC_MESSAGES/messages.po",
        "statuspage/site_template/status-page.yml",
    ):
        assert expected in names


def test_the_installed_wheel_creates_and_builds_a_site_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["SOURCE_DATE_EPOCH"] = "1795604400"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--quiet",
        wheel,
        cwd=outside,
        env=env,
    )

    # The command is the wheel's, not this checkout's editable install.
    where = _run(python, "-c", "import statuspage; print(statuspage.__file__)", cwd=outside, env=env).stdout
    assert Path(where.strip()).is_relative_to(venv), where
    command = venv / "bin" / "statuspage"
    version = _run(command, "--version", cwd=outside, env=env).stdout
    assert statuspage.__version__ in version

    _run(command, "init", "site", "--language", "sk", cwd=outside, env=env)
    assert "OK:" in _run(command, "check", "--site", "site", cwd=outside, env=env).stdout
    built = _run(command, "build", "--site", "site", cwd=outside, env=env).stdout
    assert "Built" in built
    out = outside / "site" / "build"
    for name in ("index.html", "static/style.css", "sitemap.xml", "api/v2/summary.json", "feeds/all.atom"):
        assert (out / name).is_file(), name
    assert 'lang="sk"' in (out / "index.html").read_text(encoding="utf-8")
    assert "Stav služieb" in (out / "index.html").read_text(encoding="utf-8")  # the Slovak catalog is in the wheel
