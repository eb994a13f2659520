"""The benchmark's own parts, so that ``python3 -m bench`` keeps working between the rounds that run it.

CI never runs the benchmark (minutes of builds); these build a small site of the same kind.
"""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import REPO, run, tree

sys.path.insert(0, str(REPO))  # ``bench`` is a folder of the repository, not of the package

from bench.generate import NOW, Size, touch_one_incident, write_site  # noqa: E402


def test_a_generated_site_builds_and_the_benchmarks_edit_rebuilds_to_the_clean_output(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", Size(incidents=40, maintenance=6, tickets=300))
    out = tmp_path / "out"
    now = NOW.isoformat()
    built = run("build", "--site", str(site), "--out", str(out), "--now", now, "--jobs", "2")
    assert built.exit_code == 0, built.output
    assert len(list((out / "incidents").iterdir())) == 40 and (out / "en" / "incidents").is_dir()

    edited = sorted((site / "content" / "incidents").glob("*.md"))[-1]
    sizes = []
    for count in (1, 2, 3):
        touch_one_incident(site)
        text = edited.read_text(encoding="utf-8")
        assert text.endswith(f"\nEdited {count} times.\n") and text.count("Edited") == 1
        sizes.append(len(text))
        assert run("build", "--site", str(site), "--out", str(out), "--now", now).exit_code == 0
    assert sizes[0] == sizes[1] == sizes[2]  # the site does not grow from edit to edit

    clean = tmp_path / "clean"
    assert run("build", "--site", str(site), "--out", str(clean), "--now", now, "--jobs", "1").exit_code == 0
    assert tree(out) == tree(clean)
    slug = edited.stem
    assert "Edited 3 times." in (out / "incidents" / slug / "index.html").read_text(encoding="utf-8")
