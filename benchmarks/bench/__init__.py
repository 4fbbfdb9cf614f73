"""Every issue-22 target in one table, with the commit and the machine's load average (``make bench``).

Usage: python -m benchmarks.bench [--only GROUP ...] [--skip GROUP ...] [--ci] [--record]

Groups, in order: ``scripts`` (the older benchmark scripts: benchmarks/run.py, races.py, lean.py, real_kernel.py,
kernel_times.py, lab.py; their output above the table, no row), ``runall`` (Run All per ready notebook in
JupyterLab, every widget and figure shown, median of 3 untraced runs), ``clicks`` (in-page bit click to word box
on notebook 01, p90 and median of 30 untraced clicks), ``voila`` (``make app``'s first widget, the page asked for as
the server starts), ``lite`` (the JupyterLite site's size and cold first widget; needs ``make lite``) and ``ci`` (a
fresh clone's ``CI=true bash .ci/run``, only with ``--ci``, ``make bench CI=1``: about 15 minutes).

The run ends with one table: each target, the figure, the goal (issue 22, "Done when") and pass/over, under the
commit (``+dirty`` when the tree has changes), the date and the load average at the start and the end.
``--record`` adds that table, as a new dated section, at the top of docs/performance.md's History part.
``--only clicks`` re-measures one row. Nothing is asserted: figures are printed, and the exit status says only
whether every measurement ran.

Modules: ``table`` (the targets, the table, the record: pure functions), ``measure`` (the measurements) and
``__main__`` (the command line).
"""

from __future__ import annotations

#: The argparse description: the first line of this docstring.
DESCRIPTION = (__doc__ or "").split("\n", 1)[0]
