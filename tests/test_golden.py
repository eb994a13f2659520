"""The example site's output, byte for byte, against the reviewed snapshot in tests/golden/example.

After an intended output change: ``python3 tools/update_golden.py`` and review the diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from conftest import REPO

GOLDEN = REPO / "tests" / "golden" / "example"


def files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_example_output_matches_the_golden_snapshot(example_build: Path) -> None:
    expected, actual = files(GOLDEN), files(example_build)
    assert sorted(actual) == sorted(expected), "pages added or removed: run python3 tools/update_golden.py"
    changed = [name for name in expected if expected[name] != actual[name]]
    if changed:
        first = changed[0]
        diff = difflib.unified_diff(
            expected[first].decode().splitlines(), actual[first].decode().splitlines(), first, first, lineterm="", n=1
        )
        detail = "\n".join(list(diff)[:40])
        raise AssertionError(f"{len(changed)} files differ; first {first}:\n{detail}\n(python3 tools/update_golden.py)")
