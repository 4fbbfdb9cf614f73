"""``python tools/build_notebooks.py [NAME ...]``: the same as ``python -m tools.notebooks`` (the README and the
developers' guide name this path). The builder is tools/notebooks/build.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.notebooks.build import main

main(sys.argv[1:])
