"""``python build.py [options]`` is ``statuspage build [options]``."""

import sys

from statuspage.cli import main

if __name__ == "__main__":
    main(["build", *sys.argv[1:]])
