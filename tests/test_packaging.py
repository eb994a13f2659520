"""The distribution as users get it: `python3 -m build` makes it, a fresh venv runs it, the docs name it.

This is the acceptance test of the installable tool and it runs in the main suite (CI too). The
distribution is called ``statuspage-static`` (``statuspage`` on PyPI is an unrelated project); the
import package and the command stay ``statuspage``.

The wheel is built from a copy of the checkout with the README's own command, ``python3 -m
build``, which must reach PyPA's build although the checkout has a ``build.py``. It is installed
without dependencies into a new virtual environment that is *not* made with
``--system-site-packages`` (that flag gives the base interpreter's packages, not this
environment's, so it fails whenever the suite runs in a venv): a ``.pth`` file lets the new
environment see the running environment's installed dependencies instead, so no network is needed.
The command then runs ``init``, ``check``, ``build`` and ``serve`` from a directory outside the
repository.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

import statuspage

PACKAGE = REPO / "statuspage"
DISTRIBUTION = "statuspage-static"
WHEEL_PREFIX = "statuspage_static-"


def _run(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(PACKAGE, source / "statuspage", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", "LICENSE", "build.py"):
        shutil.copy2(REPO / name, source / name)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    # README: "python3 -m build" in the repository root (here: a copy of it, with its build.py).
    _run(sys.executable, "-m", "build", "--wheel", "--outdir", "dist", cwd=source, env=env)
    (built,) = (source / "dist").glob(f"{WHEEL_PREFIX}*.whl")
    return built


def test_python_m_build_in_the_checkout_is_pypa_build_and_python_build_py_is_ours(wheel: Path) -> None:
    assert wheel.name.startswith(f"{WHEEL_PREFIX}{statuspage.__version__}-")
    metadata = next(name for name in zipfile.ZipFile(wheel).namelist() if name.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert f"Name: {DISTRIBUTION}\n" in text
    assert "License-File: LICENSE" in text
    shown = subprocess.run(
        [sys.executable, "build.py", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "--out" in shown and "--now" in shown  # `statuspage build`'s options


def test_the_wheel_carries_templates_static_files_translations_and_the_site_template(wheel: Path) -> None:
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


def _fresh_venv(where: Path) -> Path:
    """A new venv that sees this environment's installed packages (the dependencies), not its path hacks."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    # A plain directory line in a .pth only extends sys.path: the editable install's own .pth
    # (this checkout) is not processed, so `statuspage` can only come from the wheel.
    (Path(purelib) / "dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(ours)), encoding="utf-8")
    return python


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_installed_wheel_inits_builds_and_serves_a_site_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    python = _fresh_venv(venv)
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
    listed = _run(sys.executable, "-m", "pip", "--python", python, "list", "--format=freeze", cwd=outside, env=env)
    assert f"{DISTRIBUTION}=={statuspage.__version__}" in listed.stdout.splitlines()
    command = venv / "bin" / "statuspage"
    assert statuspage.__version__ in _run(command, "--version", cwd=outside, env=env).stdout

    _run(command, "init", "site", "--language", "sk", cwd=outside, env=env)
    assert "OK:" in _run(command, "check", "--site", "site", cwd=outside, env=env).stdout
    assert "Built" in _run(command, "build", "--site", "site", cwd=outside, env=env).stdout
    out = outside / "site" / "build"
    for name in ("index.html", "static/style.css", "sitemap.xml", "api/v2/summary.json", "feeds/all.atom"):
        assert (out / name).is_file(), name
    assert 'lang="sk"' in (out / "index.html").read_text(encoding="utf-8")
    assert "Stav služieb" in (out / "index.html").read_text(encoding="utf-8")  # the Slovak catalog is in the wheel

    port = _free_port()
    with subprocess.Popen(
        [command, "serve", "--site", "site", "--port", str(port)],
        cwd=outside,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            page = _fetch_when_up(f"http://127.0.0.1:{port}/", server)
            assert "Stav služieb" in page
            assert '"indicator"' in _fetch_when_up(f"http://127.0.0.1:{port}/api/v2/status.json", server)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _fetch_when_up(url: str, server: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return str(response.read().decode("utf-8"))
        except OSError:
            if server.poll() is not None:
                raise AssertionError(f"serve exited: {server.stderr.read() if server.stderr else ''}") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# Every place that tells a user (or a workflow) what to install.
_INSTALL_SOURCES = [
    REPO / "README.md",
    *sorted((REPO / "docs").glob("*.md")),
    *sorted((REPO / "docs" / "examples").glob("*")),
    *sorted((REPO / "statuspage" / "site_template").glob("*.yml")),
    REPO / ".pre-commit-hooks.yaml",
]
_INSTALL = re.compile(r"\b(?:pip|pipx) install\s+(?P<args>[^\n#`]*)")
_WHAT_TO_INSTALL = re.compile(r"^\s*STATUSPAGE:\s*(?P<value>\S+)", re.MULTILINE)


def _install_targets() -> list[tuple[str, str]]:
    found = []
    for path in _INSTALL_SOURCES:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for match in _INSTALL.finditer(text):
            command = re.split(r"&&|\|\||;|\|", match.group("args"))[0]  # up to the next command
            for word in command.split():
                if not word.startswith("-"):
                    found.append((str(path.relative_to(REPO)), word.strip("'\"")))
        for match in _WHAT_TO_INSTALL.finditer(text):
            found.append((str(path.relative_to(REPO)), match.group("value").strip("'\"")))
    return found


def test_every_install_line_in_the_docs_names_the_real_distribution() -> None:
    targets = _install_targets()
    assert len(targets) >= 6, targets  # README, deploy recipes, init's workflow...
    allowed = re.compile(
        rf"^(?:{DISTRIBUTION}(?:\[[a-z,]+\])?(?:[=<>~!]=?[\w.*]+)?"  # the distribution, maybe pinned
        rf"|\$STATUSPAGE|\"\$STATUSPAGE\"|\$\{{STATUSPAGE\}}"  # a workflow's variable, checked where it is set
        rf"|dist/{WHEEL_PREFIX}\*\.whl|\.|\.\[test\])$"  # the wheel built here, or the checkout itself
    )
    wrong = [(where, target) for where, target in targets if not allowed.match(target)]
    assert not wrong, f"install lines that do not name {DISTRIBUTION}: {wrong}"
    assert any(target.startswith(DISTRIBUTION) for _, target in targets)
