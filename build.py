"""``python build.py [options]`` is ``statuspage build [options]``.

The name is kept because the project's contract promises it, but Python puts the current
directory first on ``sys.path`` for ``python -m``, so ``python3 -m build`` in this checkout would
find this file instead of PyPA's ``build``.  Run as a module, it therefore steps aside: it leaves
the checkout off the path and runs PyPA's ``build`` as if this file were not here.
"""

import os
import runpy
import sys


def _run_pypa_build() -> None:
    """Run the installed PyPA ``build`` package's command line with this process's arguments."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]
    sys.modules.pop("build", None)  # in case this file was imported under PyPA's name
    try:
        runpy.run_module("build", run_name="__main__", alter_sys=True)
    except ImportError:
        sys.exit("python3 -m build needs PyPA's build: python3 -m pip install build")


if __name__ == "__main__":
    if __spec__ is not None and __spec__.name == "build":  # python3 -m build
        _run_pypa_build()
    else:  # python3 build.py
        from statuspage.cli import run

        run(["build", *sys.argv[1:]])
