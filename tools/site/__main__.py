"""``python -m tools.site``: build the offline static site (see tools/site/__init__.py)."""

import sys

from tools.site.build import main

sys.exit(main())
