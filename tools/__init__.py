"""Build and maintenance tools of the repository (not shipped in the wheel).

Run them from the repository root as modules: ``python -m tools.site``, ``python -m tools.lite``,
``python -m tools.notebooks``. Their shared pieces are modules here (``tools.pinned``: every pinned download).
"""
