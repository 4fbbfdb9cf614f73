"""``python -m tools.lite``: build the JupyterLite site (see tools/lite/__init__.py)."""

import sys

from tools.lite.build import main

sys.exit(main())
