"""Themes: a site's templates/ and static/ override ours file by file, and docs/theming.md names all a theme can use."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import jinja2
import jinja2.meta
import pytest
from bs4 import BeautifulSoup
from conftest import NOW, REPO, incident, run
from jinja2 import nodes

from statuspage.clock import parse_time
from statuspage.sources.site import load_site
from statuspage.state import derive
from statuspage.web import create_app
from statuspage.web.app import PACKAGE_STATIC, PACKAGE_TEMPLATES

THEMING = (REPO / "docs" / "theming.md").read_text(encoding="utf-8")
FLASK_GLOBALS = {"g", "request", "session", "get_flashed_messages"}  # Flask's own, not part of our theme API


def documented(name: str) -> bool:
    return f"`{name}`" in THEMING or f"`{name}(" in THEMING


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> tuple[jinja2.Environment, set[str]]:
    """The Jinja environment of a real build, and the names its context processors add."""
    from conftest import make_site

    site = make_site(tmp_path_factory.mktemp("theme") / "site")
    state = derive(load_site(site), parse_time(NOW, load_site(site).config.timezone))
    app = create_app(state)
    with app.test_request_context():
        processed: set[str] = set()
        for processors in app.template_context_processors.values():
            for processor in processors:
                processed |= set(processor())
    return app.jinja_env, processed


def templates() -> list[Path]:
    return sorted(path for path in PACKAGE_TEMPLATES.iterdir() if path.is_file())


def test_every_template_is_documented() -> None:
    missing = [path.name for path in templates() if not documented(path.name)]
    assert not missing, f"docs/theming.md does not list these templates: {missing}"


def test_every_block_and_macro_is_documented() -> None:
    for path in templates():
        text = path.read_text(encoding="utf-8")
        for kind in ("block", "macro"):
            for name in re.findall(rf"{{%-?\s*{kind}\s+(\w+)", text):
                assert documented(name), f"{kind} {name!r} of {path.name} is not in docs/theming.md"


def test_every_variable_a_view_passes_is_documented(environment: tuple[jinja2.Environment, set[str]]) -> None:
    env, processed = environment
    for path in templates():
        tree = env.parse(path.read_text(encoding="utf-8"))
        local = {target.name for target in tree.find_all(nodes.Name) if target.ctx == "store"}
        local |= {macro.name for macro in tree.find_all(nodes.Macro)}
        for imported in tree.find_all(nodes.FromImport):
            local |= {name if isinstance(name, str) else name[1] for name in imported.names}
        from_view = jinja2.meta.find_undeclared_variables(tree) - local - set(env.globals) - processed
        for name in sorted(from_view):
            assert documented(name), f"variable {name!r} of {path.name} is not in docs/theming.md"


def test_every_global_and_filter_is_documented(environment: tuple[jinja2.Environment, set[str]]) -> None:
    env, processed = environment
    plain = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    for name in sorted((set(env.globals) | processed) - set(plain.globals) - FLASK_GLOBALS):
        assert documented(name), f"global {name!r} is not in docs/theming.md"
    for name in sorted(set(env.filters) - set(plain.filters)):
        assert documented(name), f"filter {name!r} is not in docs/theming.md"


# --------------------------------------------------------------------------- overrides change the output


def build(site: Path, out: Path) -> Path:
    result = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.output
    return out


def page(out: Path, name: str = "index.html") -> BeautifulSoup:
    return BeautifulSoup((out / name).read_text(encoding="utf-8"), "html.parser")


def test_a_template_override_changes_the_output_and_removing_it_restores_it(
    site_factory: Callable[..., Path], tmp_path: Path
) -> None:
    default = page(build(site_factory(), tmp_path / "default"))
    site = site_factory(files={"templates/footer.html": '<p class="our-footer">Example Ltd.</p>\n'})
    themed = page(build(site, tmp_path / "themed"))
    assert [p.get_text() for p in themed.select("footer.site .our-footer")] == ["Example Ltd."]
    assert themed.select_one("footer.site").get_text() != default.select_one("footer.site").get_text()

    (site / "templates" / "footer.html").unlink()
    restored = page(build(site, tmp_path / "restored"))
    assert not restored.select("footer.site .our-footer")
    assert str(restored.select_one("footer.site")) == str(default.select_one("footer.site"))


def test_a_theme_extends_the_bundled_base_and_adds_static_files(
    site_factory: Callable[..., Path], tmp_path: Path
) -> None:
    base = (
        '{% extends "statuspage/base.html" %}\n'
        "{% block head %}"
        "<link rel=\"stylesheet\" href=\"{{ url_for('static', filename='theme.css') }}\">"
        "{% endblock %}\n"
        '{% block navigation %}{{ super() }}<li><a href="https://example.com/">Home</a></li>{% endblock %}\n'
    )
    site = site_factory(
        incidents=[incident()],
        files={
            "templates/base.html": base,
            "static/theme.css": "header.site { background: #0a3d62; }\n",
            "static/style.css": "/* our own stylesheet */\n",
            "static/img/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
        },
    )
    out = build(site, tmp_path / "out")
    for name in ("index.html", "incidents/outage/index.html", "404.html"):
        html = page(out, name)
        assert html.select_one('link[rel=stylesheet][href$="static/theme.css"]') is not None, name
        links = [a.get_text() for a in html.select("header.site nav li a")]
        assert links[-1] == "Home" and len(links) == 6, name  # ours, then the theme's
    assert (out / "static" / "theme.css").read_text(encoding="utf-8").startswith("header.site")
    assert (out / "static" / "style.css").read_text(encoding="utf-8") == "/* our own stylesheet */\n"
    assert (out / "static" / "img" / "logo.svg").is_file()  # published although no page links it

    (site / "static" / "style.css").unlink()
    again = build(site, tmp_path / "again")
    assert (again / "static" / "style.css").read_bytes() == (PACKAGE_STATIC / "style.css").read_bytes()


def test_a_broken_theme_is_one_clean_line_and_keeps_the_previous_output(
    site_factory: Callable[..., Path], tmp_path: Path
) -> None:
    site = site_factory()
    out = build(site, tmp_path / "out")
    before = (out / "index.html").read_bytes()

    (site / "templates").mkdir()
    (site / "templates" / "footer.html").write_text("<p>\n{{ config.title( }}</p>\n", encoding="utf-8")
    check = run("check", "--site", str(site))
    assert check.exit_code == 1
    assert f"{site / 'templates' / 'footer.html'}:2: template syntax:" in check.output

    (site / "templates" / "footer.html").write_text("<p>\n{{ config.title|shout }}</p>\n", encoding="utf-8")
    failed = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert failed.exit_code == 1
    assert "footer.html:2: template error: No filter named 'shout'" in failed.output
    assert "Traceback" not in failed.output

    (site / "templates" / "footer.html").write_text("<p>\n{{ config.title + 1 }}</p>\n", encoding="utf-8")
    failed = run("build", "--site", str(site), "--out", str(out), "--now", NOW)
    assert failed.exit_code == 1 and "footer.html:2: template error:" in failed.output
    assert (out / "index.html").read_bytes() == before
