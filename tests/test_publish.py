"""``statuspage publish`` against a real S3 server (moto's server mode, on 127.0.0.1), and the ``_headers`` file.

The CLI runs for real (in-process, or as a subprocess where a reader watches the bucket during
the upload); the bucket is inspected with boto3 as any S3 client would see it.
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from conftest import DEFAULT_CONFIG, NOW, REPO, incident, run

from statuspage.outputs.headers import HEADERS_FILE, SECURITY_HEADERS, kind_of, rules_matching
from statuspage.publish.plan import MANIFEST

if not os.environ.get("CI"):
    pytest.importorskip("moto.server", reason="moto[server] is in the test extras")
import boto3  # noqa: E402
from botocore.config import Config as BotoConfig  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402
from werkzeug.wsgi import get_input_stream  # noqa: E402

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test-key",
    "AWS_SECRET_ACCESS_KEY": "test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}
PUBLISHED = re.compile(
    r"^(?P<name>\S+): (?P<up>\d+) uploaded, (?P<deleted>\d+) deleted, (?P<same>\d+) unchanged$", re.M
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3 HTTP server for the module's tests."""
    port = free_port()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection", "upgrade"}


@pytest.fixture
def wrapped_endpoint(s3_endpoint: str) -> Iterator[Callable[[Callable[[dict[str, Any]], None]], str]]:
    """Another address for the same S3 server: a small HTTP proxy that calls ``hook`` with each request's WSGI environ.

    Only public interfaces: werkzeug's server in front, ``http.client`` to moto's server behind.
    """
    servers = []
    upstream = urlsplit(s3_endpoint)

    def start(hook: Callable[[dict[str, Any]], None]) -> str:
        def proxy(environ: dict[str, Any], start_response: Any) -> Any:
            hook(environ)
            body = get_input_stream(environ).read()  # the body as sent, chunked or not, never past its end
            headers = {
                name[5:].replace("_", "-").title(): value
                for name, value in environ.items()
                if name.startswith("HTTP_") and name[5:].replace("_", "-").lower() not in _HOP_BY_HOP
            }
            if environ.get("CONTENT_TYPE"):
                headers["Content-Type"] = environ["CONTENT_TYPE"]
            headers["Content-Length"] = str(len(body))
            path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            try:
                connection.request(environ["REQUEST_METHOD"], path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                answer = [(name, value) for name, value in response.getheaders() if name.lower() not in _HOP_BY_HOP]
            finally:
                connection.close()
            if not any(name.lower() == "content-length" for name, _ in answer):
                answer.append(("Content-Length", str(len(data))))
            start_response(f"{response.status} {response.reason}", answer)
            return [data]

        server = make_server("127.0.0.1", 0, proxy, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join()


@pytest.fixture
def slow_endpoint(wrapped_endpoint: Callable[[Callable[[dict[str, Any]], None]], str]) -> str:
    """A slow network: every write waits a while, so a publish takes seconds, long enough to watch."""

    def slow(environ: dict[str, Any]) -> None:
        if environ["REQUEST_METHOD"] in ("PUT", "POST", "DELETE"):
            time.sleep(0.15)

    return wrapped_endpoint(slow)


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys only in the environment, as in production; nothing of the machine's own AWS setup."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


def s3(endpoint: str) -> Any:
    config = BotoConfig(request_checksum_calculation="when_required", response_checksum_validation="when_required")
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        config=config,
    )


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"status-{uuid.uuid4().hex[:12]}"
    s3(s3_endpoint).create_bucket(Bucket=name)
    return name


def target(name: str, bucket: str, endpoint: str, prefix: str = "site/", extra: str = "") -> str:
    return f'\n[[publish]]\nname = "{name}"\nurl = "s3://{bucket}/{prefix}"\nendpoint_url = "{endpoint}"\n{extra}'


SiteMaker = Callable[..., Path]


@pytest.fixture
def published_site(site_factory: SiteMaker, bucket: str, s3_endpoint: str) -> Callable[..., Path]:
    """A built site with one target; keyword ``targets`` replaces the [[publish]] tables."""

    def make(*, targets: str | None = None, incidents: list[tuple[str, str]] | None = None) -> Path:
        config = DEFAULT_CONFIG.format(language="sk") + (
            targets if targets is not None else target("primary", bucket, s3_endpoint)
        )
        site = site_factory(
            config=config,
            incidents=incidents
            if incidents is not None
            else [incident("outage"), incident("older", title="Older", date="2026-10-01T09:00:00+02:00")],
        )
        build(site)
        return site

    return make


def build(site: Path) -> None:
    result = run("build", "--site", str(site), "--now", NOW)
    assert result.exit_code == 0, result.output


def publish(site: Path, *args: str) -> tuple[int, str]:
    result = run("publish", "--site", str(site), *args)
    return result.exit_code, result.output


def objects(endpoint: str, bucket: str, prefix: str = "site/") -> dict[str, dict[str, Any]]:
    """Every object below the prefix, path → its head (Content-Type, Cache-Control...)."""
    client = s3(endpoint)
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"][len(prefix) :]] = client.head_object(Bucket=bucket, Key=item["Key"])
    return found


def output_files(site: Path) -> dict[str, bytes]:
    out = site / "build"
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in out.rglob("*") if path.is_file()}


def counts(output: str, name: str = "primary") -> tuple[int, int, int]:
    for match in PUBLISHED.finditer(output):
        if match["name"] == name:
            return int(match["up"]), int(match["deleted"]), int(match["same"])
    raise AssertionError(f"no summary for {name} in:\n{output}")


# --------------------------------------------------------------------------- what arrives


def test_every_file_arrives_with_its_content_type_and_cache_control(
    published_site: Callable[..., Path], bucket: str, s3_endpoint: str
) -> None:
    site = published_site()
    code, output = publish(site)
    assert code == 0, output
    local = output_files(site)
    remote = objects(s3_endpoint, bucket)
    assert remote.pop(MANIFEST)["CacheControl"] == "no-store"  # what the next publish compares with
    assert set(remote) == set(local) - {HEADERS_FILE}
    assert HEADERS_FILE not in remote  # for Netlify and Cloudflare Pages only
    for path, head in remote.items():
        kind = kind_of(path)
        assert head["ContentType"] == kind.content_type, path
        assert head["CacheControl"] == kind.cache_control, path
        body = s3(s3_endpoint).get_object(Bucket=bucket, Key="site/" + path)["Body"].read()
        assert body == local[path], path
    expected = {
        "index.html": ("text/html; charset=utf-8", "public, max-age=60"),
        "calendar/maintenance.ics": ("text/calendar; charset=utf-8", "public, max-age=60"),
        "feeds/all.atom": ("application/atom+xml; charset=utf-8", "public, max-age=60"),
        "feeds/all.rss": ("application/rss+xml; charset=utf-8", "public, max-age=60"),
        "api/v2/summary.json": ("application/json", "public, max-age=60"),
        "badge.svg": ("image/svg+xml; charset=utf-8", "public, max-age=60"),
        "status.txt": ("text/plain; charset=utf-8", "public, max-age=60"),
        "sitemap.xml": ("application/xml; charset=utf-8", "public, max-age=60"),
        "static/style.css": ("text/css; charset=utf-8", "public, max-age=3600"),
    }
    for path, (content_type, cache_control) in expected.items():
        assert (remote[path]["ContentType"], remote[path]["CacheControl"]) == (content_type, cache_control), path
    for path in remote:
        if path.startswith("feeds/") and path.endswith(".json"):  # JSON Feed, where the build writes it
            assert remote[path]["ContentType"] == "application/feed+json"
    rules = s3(s3_endpoint).get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert any(rule["AllowedOrigins"] == ["*"] and "GET" in rule["AllowedMethods"] for rule in rules)
    assert counts(output) == (len(remote), 0, 0)


def test_a_second_publish_with_nothing_changed_uploads_nothing(
    published_site: Callable[..., Path], bucket: str, s3_endpoint: str
) -> None:
    site = published_site()
    assert publish(site)[0] == 0
    before = {path: head["ETag"] for path, head in objects(s3_endpoint, bucket).items()}
    build(site)  # the same sources: the same output
    code, output = publish(site)
    assert code == 0, output
    assert "primary: nothing changed" in output
    after = {path: head["ETag"] for path, head in objects(s3_endpoint, bucket).items()}
    assert after == before


def test_an_edit_uploads_only_what_changed_and_a_removed_incident_is_deleted(
    published_site: Callable[..., Path], bucket: str, s3_endpoint: str
) -> None:
    site = published_site()
    assert publish(site)[0] == 0
    first = output_files(site)
    path = site / "content" / "incidents" / "outage.md"
    path.write_text(path.read_text().replace("We found it.", "We found the cause."), encoding="utf-8")
    build(site)
    second = output_files(site)
    changed = {p for p in second if first.get(p) != second[p]} - {HEADERS_FILE}
    assert changed and "incidents/outage/index.html" in changed
    code, output = publish(site)
    assert code == 0, output
    assert counts(output) == (len(changed), 0, len(second) - 1 - len(changed))
    body = s3(s3_endpoint).get_object(Bucket=bucket, Key="site/incidents/outage/index.html")["Body"].read()
    assert b"We found the cause." in body

    (site / "content" / "incidents" / "older.md").unlink()
    build(site)
    code, output = publish(site)
    assert code == 0, output
    remote = objects(s3_endpoint, bucket)
    assert "incidents/older/index.html" not in remote
    assert "incidents/outage/index.html" in remote
    assert counts(output)[1] >= 1


def test_a_publish_deleting_more_than_the_limit_is_refused(
    published_site: Callable[..., Path], bucket: str, s3_endpoint: str
) -> None:
    site = published_site(targets=target("primary", bucket, s3_endpoint, extra="max_deletions = 0\n"))
    assert publish(site)[0] == 0
    before = {path: head["ETag"] for path, head in objects(s3_endpoint, bucket).items()}
    (site / "content" / "incidents" / "older.md").unlink()
    build(site)
    code, output = publish(site)
    assert code == 1
    assert "primary: failed: would delete" in output and "max_deletions = 0" in output
    assert "Traceback" not in output
    after = {path: head["ETag"] for path, head in objects(s3_endpoint, bucket).items()}
    assert after == before  # nothing deleted, nothing uploaded


def test_one_target_down_does_not_stop_the_other(
    published_site: Callable[..., Path], bucket: str, s3_endpoint: str
) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    targets = target("fallback", bucket, down) + target("primary", bucket, s3_endpoint)
    site = published_site(targets=targets)
    code, output = publish(site)
    assert code == 1
    assert "fallback: failed:" in output
    assert "Error: publishing failed for fallback; 1 of 2 targets done" in output
    assert "Traceback" not in output
    assert "index.html" in objects(s3_endpoint, bucket)


def test_dry_run_prints_the_plan_and_sends_nothing(
    published_site: Callable[..., Path], bucket: str, s3_endpoint: str
) -> None:
    site = published_site()
    code, output = publish(site, "--dry-run")
    assert code == 0, output
    assert re.search(r"^primary \(s3://.+/site/\): would upload \d+, delete 0, keep 0$", output, re.M)
    assert "upload (front pages) index.html" in output
    assert objects(s3_endpoint, bucket) == {}
    with pytest.raises(Exception, match="NoSuchCORSConfiguration"):
        s3(s3_endpoint).get_bucket_cors(Bucket=bucket)


def test_config_errors_point_at_the_line(site_factory: SiteMaker) -> None:
    config = DEFAULT_CONFIG.format(language="sk") + (
        '\n[[publish]]\nname = "primary"\nurl = "https://bucket/x"\nsecret = "hunter2"\nmax_deletions = -1\n'
    )
    site = site_factory(config=config)
    code, output = publish(site)
    assert code == 1
    lines = config.splitlines()
    line_of = {key: lines.index(next(line for line in lines if line.startswith(key))) + 1 for key in ("url", "secret")}
    assert f"statuspage.toml:{line_of['url']}: url must look like s3://bucket/prefix/" in output
    # A secret in the file is refused as such, not merely as an unknown key.
    assert f"statuspage.toml:{line_of['secret']}: 'secret': secrets are not written in statuspage.toml" in output
    assert "max_deletions must be a whole number" in output
    assert "Traceback" not in output


def test_no_target_is_a_clear_error(site_factory: SiteMaker) -> None:
    site = site_factory()
    build(site)
    code, output = publish(site)
    assert code == 1 and "no [[publish]] target" in output


def checksum_headers(environ: dict[str, Any]) -> list[str]:
    names = [name.lower() for name in environ if name.startswith("HTTP_")]
    found = [name for name in names if "checksum" in name or "trailer" in name]
    if "aws-chunked" in environ.get("HTTP_CONTENT_ENCODING", ""):
        found.append("content-encoding: aws-chunked")
    return found


def test_other_s3_servers_get_no_checksums_they_did_not_ask_for(
    site_factory: SiteMaker,
    bucket: str,
    wrapped_endpoint: Callable[[Callable[[dict[str, Any]], None]], str],
) -> None:
    """botocore >= 1.36 adds CRC32 checksums to every upload; servers other than AWS reject or mishandle them."""
    seen: list[tuple[str, list[str]]] = []

    def record(environ: dict[str, Any]) -> None:
        # PutBucketCors is one of the operations S3 itself requires a checksum for: it keeps one.
        method = environ["REQUEST_METHOD"] + ("?cors" if "cors" in environ.get("QUERY_STRING", "") else "")
        seen.append((method, checksum_headers(environ)))

    endpoint = wrapped_endpoint(record)
    default_client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    default_client.put_object(Bucket=bucket, Key="probe", Body=b"x")
    assert seen[-1][1], "boto3's defaults send checksums: the test can tell"
    default_client.delete_object(Bucket=bucket, Key="probe")
    seen.clear()
    site = site_factory(config=DEFAULT_CONFIG.format(language="sk") + target("other", bucket, endpoint))
    build(site)
    code, output = publish(site)
    assert code == 0, output
    puts = [headers for method, headers in seen if method == "PUT"]
    assert len(puts) > 10
    assert all(not headers for headers in puts), puts[:3]


# --------------------------------------------------------------------------- never a broken mix


def page_links(key: str, html: bytes, prefix: str) -> set[str]:
    """The bucket keys a page links to (href/src, relative links resolved), pages as their index.html."""
    base = "https://site.test/" + key[len(prefix) :]
    found = set()
    for tag in BeautifulSoup(html, "html.parser").find_all(["a", "link", "script", "img"]):
        for attribute in ("href", "src"):
            value = tag.get(attribute)
            if not value or urlsplit(value).scheme or value.startswith(("#", "//")):
                continue
            path = urlsplit(urljoin(base, value)).path.lstrip("/")
            found.add(prefix + (path + "index.html" if path == "" or path.endswith("/") else path))
    return found


def feed_links(xml: bytes, prefix: str) -> set[str]:
    """The bucket keys an Atom feed's entries link to (absolute links to the site's base_url)."""
    hrefs = [link.get("href", "") for link in ElementTree.fromstring(xml).iter("{http://www.w3.org/2005/Atom}link")]
    paths = [href.removeprefix("https://status.test/") for href in hrefs if href.startswith("https://status.test/")]
    return {prefix + (path + "index.html" if path == "" or path.endswith("/") else path) for path in paths}


def test_a_reader_during_a_publish_never_finds_a_page_linking_to_a_missing_object(
    published_site: Callable[..., Path], bucket: str, s3_endpoint: str, slow_endpoint: str
) -> None:
    many = [
        incident(f"old-{n}", title=f"Old {n}", date=f"2026-0{1 + n % 9}-0{1 + n % 9}T09:00:00+01:00") for n in range(8)
    ]
    site = published_site(incidents=many)
    assert publish(site)[0] == 0
    config = site / "statuspage.toml"
    config.write_text(config.read_text().replace(s3_endpoint, slow_endpoint), encoding="utf-8")
    # The next version: new incidents (new pages the front page links to), edits and removals.
    folder = site / "content" / "incidents"
    for n in range(4):
        (folder / f"old-{n}.md").unlink()
    for n in range(6):
        slug, text = incident(f"new-{n}", title=f"New {n}", date=f"2026-11-2{n}T09:00:00+01:00", body="New.\n")
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
    build(site)

    client = s3(s3_endpoint)
    stop = threading.Event()
    broken: list[str] = []
    rounds = [0]

    def listing() -> set[str]:
        keys: set[str] = set()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="site/"):
            keys.update(item["Key"] for item in page.get("Contents", []))
        return keys

    def read() -> None:
        """Round after round: list, read the front pages and a few others, list again."""
        turn = 0
        while not stop.is_set():
            before = listing()
            pages = sorted(key for key in before if key.endswith(".html"))
            fronts = [key for key in pages if key.count("/") <= 2 and key.endswith("/index.html")]
            others = [key for key in pages if key not in fronts]
            chosen = fronts + others[turn % max(1, len(others)) :][:8] + ["site/feeds/all.atom"]
            turn += 8
            read_pages = {}
            for key in chosen:
                try:
                    read_pages[key] = client.get_object(Bucket=bucket, Key=key)["Body"].read()
                except client.exceptions.NoSuchKey:
                    continue  # deleted after the listing: a page no page links to any more
            after = listing()
            # Missing before the pages were read and still missing after: missing while they were read
            # (one publish never adds an object and deletes it again).
            for key, body in read_pages.items():
                links = feed_links(body, "site/") if key.endswith(".atom") else page_links(key, body, "site/")
                missing = {link for link in links if link not in before and link not in after}
                broken.extend(f"{key} → {link}" for link in sorted(missing))
            rounds[0] += 1

    reader = threading.Thread(target=read)
    reader.start()
    try:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        done = subprocess.run(
            [sys.executable, "-m", "statuspage", "publish", "--site", str(site)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        time.sleep(0.2)
    finally:
        stop.set()
        reader.join()
    assert done.returncode == 0, done.stdout + done.stderr
    up, deleted, _ = counts(done.stdout)
    assert up > 10 and deleted >= 4
    assert rounds[0] >= 1
    assert not broken, "pages or feeds linking to missing objects during the publish:\n" + "\n".join(broken[:20])


# --------------------------------------------------------------------------- Netlify and Cloudflare Pages


def parse_headers_file(text: str) -> dict[str, dict[str, str]]:
    rules: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("  "):
            name, value = line.strip().split(": ", 1)
            assert name not in current, f"{name} twice in one rule"
            current[name] = value
        else:
            assert line not in rules, f"rule {line} twice"
            current = rules[line] = {}
    return rules


def test_headers_file_gives_every_file_one_rule_with_the_headers_publish_sends(example_build: Path) -> None:
    rules = parse_headers_file((example_build / HEADERS_FILE).read_text(encoding="utf-8"))
    assert rules["/*"] == SECURITY_HEADERS
    prefixes = ["", "en/"]  # the example site's languages
    pages = sorted({path.name.split(".")[0] for path in (REPO / "content" / "pages").glob("*.md")} - {"support"})
    assert pages  # the example has pages of its own, each a top-level folder with its rule
    for file in sorted(example_build.rglob("*")):
        path = file.relative_to(example_build).as_posix()
        if not file.is_file() or path == HEADERS_FILE:
            continue
        urls = ["/" + path] + (["/" + path.removesuffix("index.html")] if path.endswith("index.html") else [])
        for url in urls:
            matching = rules_matching(url, prefixes, pages)
            assert len(matching) == 1, f"{url} matches {matching}: a header would be sent twice or not at all"
            expected = kind_of(path).headers()
            if path.split("/")[0] == "static" or path.startswith("en/static/"):
                expected = {"Cache-Control": expected["Cache-Control"]}  # the host knows a theme file's type
            assert rules[matching[0]] == expected, url
    assert "Access-Control-Allow-Origin" in rules["/api/*"] and "Access-Control-Allow-Origin" in rules["/feeds/*.atom"]
    assert "/en/feeds/*.rss" in rules and "/en/sitemap.xml" not in rules


# --------------------------------------------------------------------------- watch --publish


def test_watch_publishes_after_each_build_and_retries_a_failed_publish(
    published_site: Callable[..., Path], bucket: str, s3_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    from statuspage.watch import Watcher, WatchSettings

    down = f"http://127.0.0.1:{free_port()}"
    site = published_site(targets=target("primary", bucket, s3_endpoint) + target("fallback", bucket, down, "other/"))
    watcher = Watcher(WatchSettings(site_dir=site, out=site / "build", interval=0.2, debounce=0.1, publish=True))
    assert watcher.publisher is not None
    watcher.publisher.first_retry = 0.2
    caplog.set_level(logging.INFO, logger="statuspage")
    watcher.start()
    try:
        deadline = time.monotonic() + 60
        while "index.html" not in objects(s3_endpoint, bucket) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "index.html" in objects(s3_endpoint, bucket)  # the failing fallback did not stop the primary
        path = site / "content" / "incidents" / "outage.md"
        path.write_text(path.read_text().replace("We found it.", "Fixed by watch."), encoding="utf-8")
        key = "site/incidents/outage/index.html"
        while time.monotonic() < deadline:
            if b"Fixed by watch." in s3(s3_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read():
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the rebuilt page was not published")
    finally:
        watcher.stop()
    failures = [r.getMessage() for r in caplog.records if r.getMessage().startswith("publish to fallback failed")]
    assert len(failures) >= 2, "a failed publish is logged and tried again"
    assert any("will be retried" in r.getMessage() for r in caplog.records)


def test_headers_file_follows_the_site_languages_on_a_rebuild(site_factory: SiteMaker) -> None:
    site = site_factory(languages=["sk", "en"])
    build(site)
    first = (site / "build" / HEADERS_FILE).read_text(encoding="utf-8")
    assert "/en/feeds/*.atom" in first and "/sk/" not in first
    config = site / "statuspage.toml"
    config.write_text(config.read_text().replace('["sk", "en"]', '["en", "sk"]'), encoding="utf-8")
    build(site)
    second = (site / "build" / HEADERS_FILE).read_text(encoding="utf-8")
    assert "/sk/feeds/*.atom" in second and "/en/" not in second
    config.write_text(config.read_text().replace('["en", "sk"]', '["en"]'), encoding="utf-8")
    build(site)
    third = (site / "build" / HEADERS_FILE).read_text(encoding="utf-8")
    assert "/feeds/*.atom" in third and "/sk/" not in third and "/en/" not in third  # one language, at the root


# --------------------------------------------------------------------------- progress and watch


def test_a_terminal_gets_a_progress_bar(published_site: Callable[..., Path]) -> None:
    import pty

    site = published_site()
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    with os.fdopen(leader, "rb", buffering=0) as terminal:
        done = subprocess.Popen(
            [sys.executable, "-m", "statuspage", "publish", "--site", str(site)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=follower,
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = terminal.read(4096)
            except OSError:  # the program ended and closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        stdout, _ = done.communicate(timeout=120)
    assert done.returncode == 0
    assert b"primary" in seen and b"100%" in seen  # click's bar on the terminal
    assert b"uploaded" not in seen and b"primary: uploaded" not in stdout  # not the plain lines
    assert counts(stdout.decode())[0] > 0


def test_without_a_terminal_progress_is_plain_lines(published_site: Callable[..., Path]) -> None:
    site = published_site()
    code, output = publish(site)
    assert code == 0
    assert re.search(r"^primary: uploaded \d+ assets$", output, re.M)
    assert re.search(r"^primary: uploaded \d+ front pages$", output, re.M)


def test_watch_publish_without_a_target_stops_at_once(site_factory: SiteMaker) -> None:
    site = site_factory()
    result = run("watch", "--site", str(site), "--publish")
    assert result.exit_code == 1
    assert "no [[publish]] target" in result.output


def test_publishing_an_output_that_was_never_built_is_a_clear_error(
    site_factory: SiteMaker, bucket: str, s3_endpoint: str
) -> None:
    site = site_factory(config=DEFAULT_CONFIG.format(language="sk") + target("primary", bucket, s3_endpoint))
    code, output = publish(site, "--out", str(site / "nothing-here"))
    assert code == 1
    assert "no built site here" in output and "Traceback" not in output
    assert objects(s3_endpoint, bucket) == {}
