"""Rebuild the golden snapshot of the example site (tests/golden/example) at the tests' fixed time.

Run it after a change that is meant to alter the output, then review the diff:
    python3 tools/update_golden.py && git diff --stat tests/golden
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import NOW  # noqa: E402

from statuspage.build import build_site  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "example"


def main() -> None:
    shutil.rmtree(GOLDEN, ignore_errors=True)
    # Without git provenance: this checkout's history changes with every commit (see README).
    result = build_site(ROOT, GOLDEN, NOW, provenance=False)
    print(f"wrote {result.files} files into {GOLDEN.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
