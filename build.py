"""``python build.py [options]`` is ``statuspage build [options]``."""

import sys

from statuspage.cli import run

if __name__ == "__main__":
    run(["build", *sys.argv[1:]])
