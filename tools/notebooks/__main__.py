"""``python -m tools.notebooks [NAME ...]``: build the workbook (see tools.notebooks.build)."""

import sys

from tools.notebooks.build import main

main(sys.argv[1:])
