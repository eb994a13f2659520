"""The deploy recipes in docs/deploy.md, tried as far as this machine allows.

CI files parse and every ``statuspage`` command in them is one the CLI accepts; the systemd unit
passes ``systemd-analyze verify``; the nginx server block passes ``nginx -t`` and really serves a
built site (skipped where systemd-analyze or nginx is not installed).
"""

from __future__ import annotations

import grp
import http.client
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import NOW, REPO, incident, run

EXAMPLES = REPO / "docs" / "examples"
DEPLOY_DOC = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
MIME_TYPES = Path("/etc/nginx/mime.types")


def statuspage_commands(text: str) -> list[list[str]]:
    """Every ``statuspage ...`` command line in a script or unit file, as arguments."""
    commands = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        match = re.search(r"(?:^|[\s/])statuspage (\w.*)$", line.split(" #")[0])
        if match:
            commands.append(shlex.split(match.group(1)))
    return commands


def accepted(args: list[str]) -> bool:
    """The CLI parses these arguments (known command, known options); --help stops before running."""
    return run(*args, "--help").exit_code == 0


def _lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().splitlines())


def test_doc_shows_every_example_file_verbatim() -> None:
    """The doc shows each file whole (indented inside a list item), so the two cannot drift apart."""
    for path in [*sorted(EXAMPLES.iterdir()), REPO / ".pre-commit-hooks.yaml"]:
        assert _lines(path.read_text(encoding="utf-8")) in _lines(DEPLOY_DOC), f"{path.name} differs from deploy.md"


def test_github_actions_workflow() -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-pages.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    check, deploy = workflow["jobs"]["check"], workflow["jobs"]["deploy"]
    assert any(step.get("run") == "statuspage check" for step in check["steps"])
    assert "refs/heads/main" in deploy["if"] and deploy["needs"] == "check"
    checkout = next(step for step in deploy["steps"] if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # git provenance needs the history
    uses = [step.get("uses", "") for step in deploy["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    runs = "\n".join(step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"])
    commands = statuspage_commands(runs)
    assert ["check"] in commands and ["build", "--out", "build"] in commands
    assert all(accepted(command) for command in commands)


def test_gitlab_ci_job() -> None:
    pipeline = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))
    assert pipeline["check"]["script"] == ["statuspage check"]
    pages = pipeline["pages"]
    assert pages["artifacts"]["paths"] == ["public"]
    assert pages["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert pipeline["variables"]["GIT_DEPTH"] == "0"
    commands = statuspage_commands("\n".join(pipeline["check"]["script"] + pages["script"]))
    assert commands == [["check"], ["build", "--out", "public"]]
    assert all(accepted(command) for command in commands)


def test_pre_commit_hook() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "statuspage-check" and hook["pass_filenames"] is False
    assert hook["entry"].split() == ["statuspage", "check"] and accepted(["check"])
    assert hook["always_run"] is True  # also a commit that only deletes files (see the next test)
    snippet = re.search(r"```yaml\n(# \.pre-commit-config\.yaml.*?)```", DEPLOY_DOC, re.S)
    assert snippet is not None
    config = yaml.safe_load(snippet.group(1))
    assert config["repos"][0]["hooks"] == [{"id": "statuspage-check"}]


def test_systemd_unit_runs_watch_with_git_pull() -> None:
    unit = (EXAMPLES / "statuspage-watch.service").read_text(encoding="utf-8")
    (command,) = statuspage_commands(unit)
    assert command[0] == "watch" and "--git-pull" in command and accepted(command)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    executable = shutil.which("statuspage")
    if executable is None:
        pytest.skip("the statuspage command is not installed (pip install -e .)")
    unit = (EXAMPLES / "statuspage-watch.service").read_text(encoding="utf-8")
    path = tmp_path / "statuspage-watch.service"
    path.write_text(unit.replace("/opt/statuspage/bin/statuspage", executable), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if path.name in line]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def web_root() -> Iterator[Path]:
    """Where nginx's worker, another user, may reach the site: pytest's own temporary folders are 0700."""
    folder = Path(tempfile.mkdtemp(prefix="statuspage-www-"))
    os.chmod(folder, 0o755)
    try:
        yield folder / "site"
    finally:
        shutil.rmtree(folder)


def _worker_user() -> str:
    """nginx's ``user`` line: as root, the worker runs as nobody, as a real server's does (never as root)."""
    if os.geteuid() != 0:
        return ""  # the worker runs as this user, who is not root
    nobody = pwd.getpwnam("nobody")
    return f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};\n"


@pytest.fixture
def nginx(tmp_path: Path, web_root: Path) -> Iterator[tuple[int, Path]]:
    """nginx serving the example site, built in place, by the example server block on 127.0.0.1; its worker not root."""
    if shutil.which("nginx") is None or not MIME_TYPES.is_file():
        if os.environ.get("CI"):
            pytest.fail("nginx must be installed in CI (apt-get install nginx)")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    result = run("build", "--site", str(REPO), "--out", str(web_root), "--now", NOW)
    assert result.exit_code == 0, result.output
    port = _free_port()
    server = (EXAMPLES / "nginx-status.conf").read_text(encoding="utf-8")
    server = server.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("listen [::]:80;", "")
    assert "root /var/www/status/site;" in server
    server = server.replace("root /var/www/status/site;", f"root {web_root};")
    temp = tmp_path / "nginx"
    temp.mkdir()
    temporary = "\n".join(
        f"    {name}_temp_path {temp / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        _worker_user()
        + f"worker_processes 1;\npid {temp / 'nginx.pid'};\nerror_log {temp / 'error.log'};\nevents {{}}\n"
        + f"http {{\n    include {MIME_TYPES};\n    default_type application/octet-stream;\n    access_log off;\n"
        + f"{temporary}\n{server}\n}}\n",
        encoding="utf-8",
    )
    # -e: the startup error log too, so that nginx needs no access to /var/log (non-root developers)
    command = ["nginx", "-e", str(temp / "error.log"), "-c", str(conf)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr + (temp / "error.log").read_text(), checked.stderr  # as written, no warning
    process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError("nginx did not start: " + (temp / "error.log").read_text()) from None
                time.sleep(0.05)
        yield port, web_root
    finally:
        process.terminate()
        process.wait(timeout=10)


def get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path, headers={"Host": "status.example.sk"})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def test_nginx_serves_a_built_site(nginx: tuple[int, Path]) -> None:
    port, web_root = nginx
    slug = sorted((web_root / "incidents").iterdir())[0].name
    expected = {
        "/": "text/html; charset=utf-8",
        f"/incidents/{slug}/": "text/html; charset=utf-8",
        "/api/v2/summary.json": "application/json; charset=utf-8",
        "/feeds/all.atom": "application/atom+xml; charset=utf-8",
        "/feeds/all.rss": "application/rss+xml; charset=utf-8",
        "/calendar/maintenance.ics": "text/calendar; charset=utf-8",
        "/feeds/all.json": "application/feed+json; charset=utf-8",
        "/en/feeds/all.json": "application/feed+json; charset=utf-8",
        "/en/calendar/maintenance.ics": "text/calendar; charset=utf-8",
        "/badge.svg": "image/svg+xml; charset=utf-8",
        "/status.txt": "text/plain; charset=utf-8",
        "/static/style.css": "text/css; charset=utf-8",
    }
    for path, content_type in expected.items():
        response = get(port, path)
        assert response.status == 200, path
        assert response.getheader("Content-Type") == content_type, path
        assert response.getheader("Cache-Control") == "no-cache", path
        relative = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
        assert response.body == (web_root / relative).read_bytes(), path  # type: ignore[attr-defined]
    # Browser-side aggregators read the API and the feeds from other origins.
    for path in ("/api/v2/summary.json", "/api/known-issues.json", "/feeds/all.atom", "/feeds/all.rss",
                 "/feeds/all.json", "/calendar/maintenance.ics", "/badge.svg", "/status.txt"):  # fmt: skip
        response = get(port, path)
        assert response.getheader("Access-Control-Allow-Origin") == "*", path
        assert response.getheader("X-Content-Type-Options") == "nosniff", path
    assert get(port, "/").getheader("Access-Control-Allow-Origin") is None  # pages stay same-origin
    moved = get(port, f"/incidents/{slug}")
    assert moved.status == 301 and moved.getheader("Location", "").endswith(f"/incidents/{slug}/")
    missing = get(port, "/no/such/page/")
    assert missing.status == 404 and missing.body == (web_root / "404.html").read_bytes()  # type: ignore[attr-defined]


def test_nginx_serves_the_new_tree_after_a_watch_swap(nginx: tuple[int, Path], site_factory) -> None:
    """watch replaces the web root by renaming; nginx serves the new files at once, no reload."""
    port, web_root = nginx
    site = site_factory(incidents=[incident(title="Swapped in")])
    assert run("build", "--site", str(site), "--out", str(web_root), "--now", NOW).exit_code == 0
    page = get(port, "/incidents/outage/")
    assert page.status == 200 and b"Swapped in" in page.body  # type: ignore[attr-defined]


def _status(port: int, path: str) -> int:
    """The HTTP status nginx answers ``path`` with (urllib raises for 4xx and 5xx)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": "status.example.sk"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own local server
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def _every_url(root: Path) -> list[str]:
    """The URL of every file of a built tree: a folder's index.html by the folder's own URL."""
    urls = []
    for folder, _, names in os.walk(root):
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "/" if relative == "." else f"/{relative}/"
        urls += [prefix if name == "index.html" else prefix + name for name in names]
    return sorted(urls)


def test_nginx_as_another_user_reads_every_file_of_every_build(nginx: tuple[int, Path], site_factory) -> None:
    """The worker is not root and owns nothing: the tree must be readable by all after builds, rebuilds and swaps."""
    port, web_root = nginx
    assert _status(port, "/") == 200  # the example site, built in place by a clean build
    site = site_factory(incidents=[incident("first", title="First")])
    later = ["2026-11-25T12:01:00+01:00", "2026-11-25T12:02:00+01:00", "2026-11-25T12:03:00+01:00"]
    for number, now in enumerate(later):  # a new tree, then one linked from it, then the spare in turn
        if number == 1:
            (site / "content" / "incidents" / "second.md").write_text(
                incident("second", title="Second")[1], encoding="utf-8"
            )
        assert run("build", "--site", str(site), "--out", str(web_root), "--now", now).exit_code == 0
        urls = _every_url(web_root)
        assert len(urls) > 20 and "/incidents/first/" in urls
        failed = {url: status for url in urls if (status := _status(port, url)) != 200}
        assert failed == {}, f"after the build at {now}"


@pytest.mark.skipif(shutil.which("check-jsonschema") is None, reason="check-jsonschema is not installed")
@pytest.mark.parametrize(("name", "schema"), [("github-pages.yml", "github-workflows"), ("gitlab-ci.yml", "gitlab-ci")])
def test_ci_files_match_the_published_schemas(name: str, schema: str) -> None:
    """check-jsonschema ships the GitHub Actions and GitLab CI schemas, so this needs no network."""
    result = subprocess.run(
        ["check-jsonschema", "--builtin-schema", f"vendor.{schema}", str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_pre_commit_hook_catches_a_commit_that_only_deletes_a_window_a_ticket_waits_for(
    site_factory, tmp_path: Path
) -> None:
    """Real pre-commit and git: the hook as this repository offers it, with the installed command."""
    from conftest import maintenance, ticket

    if shutil.which("pre-commit") is None and not os.environ.get("CI"):
        pytest.skip("pre-commit is not installed")
    site = site_factory(maintenance=[maintenance("upgrade")], tickets=[ticket(7, maintenance="upgrade")])
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    # As a local hook, so that pre-commit runs the `statuspage` installed here instead of
    # installing this repository (and its dependencies) from the network into an environment.
    local = {**hook, "language": "system"}
    (site / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}), encoding="utf-8"
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_CONFIG_GLOBAL": os.devnull}
    env.update(GIT_AUTHOR_NAME="Desk", GIT_AUTHOR_EMAIL="desk@example.sk", GIT_COMMITTER_NAME="Desk",
               GIT_COMMITTER_EMAIL="desk@example.sk")  # fmt: skip

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=site, env=env, capture_output=True, text=True, timeout=120)

    assert git("init", "-q", "-b", "main").returncode == 0
    installed = subprocess.run(
        ["pre-commit", "install"], cwd=site, env=env, capture_output=True, text=True, timeout=120
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git("add", "-A")
    first = git("commit", "-q", "-m", "A site")
    assert first.returncode == 0, first.stdout + first.stderr  # a valid site commits

    git("rm", "-q", "content/maintenance/upgrade.md")
    deleting = git("commit", "-q", "-m", "Drop the window")
    assert deleting.returncode != 0, deleting.stdout + deleting.stderr
    assert "ticket 7" in deleting.stdout + deleting.stderr
    assert "upgrade" in deleting.stdout + deleting.stderr


def test_the_deploy_guide_shows_the_nginx_example_as_it_is_tested() -> None:
    """The server block in docs/deploy.md is docs/examples/nginx-status.conf, the one the nginx tests run."""
    block = re.search(r"\n   ```nginx\n(.*?)\n   ```\n", DEPLOY_DOC, re.S)
    assert block is not None
    shown = "\n".join(line.removeprefix("   ") for line in block.group(1).splitlines())
    assert shown.strip() == (EXAMPLES / "nginx-status.conf").read_text(encoding="utf-8").strip()
