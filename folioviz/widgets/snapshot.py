"""The snapshot mixin: every widget's display bundle also carries a static HTML snapshot.

The snapshot's HTML is built by :mod:`folioviz.render.snapshot` (pure renderers, in their ``static=True`` form
where the live view differs); this module only adds it to an ipywidget's ``_repr_mimebundle_``.
"""

from __future__ import annotations

from typing import Any

from ..render.markup import Markup
from ..render.snapshot import snapshot_html

__all__ = ["SnapshotMixin"]


class SnapshotMixin:
    """Add a static HTML snapshot to an ipywidget's display bundle.

    Put it first among the bases (``class MappingWordWidget(SnapshotMixin, w.VBox)``) and give the
    class a ``_snapshot_html()`` that returns the snapshot's body, built from pure renderers. The
    snapshot never breaks the live view: if building it fails, the bundle is the plain widget's.
    """

    def _snapshot_html(self) -> Markup:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        if not bundle:
            return bundle
        try:
            body = self._snapshot_html()
        except Exception:  # the live widget matters more than its snapshot (tests call .snapshot)
            return bundle
        return {**bundle, "text/html": str(snapshot_html(type(self).__name__, body))}

    @property
    def snapshot(self) -> Markup:
        """The static HTML snapshot of the current state (as stored with the notebook's outputs)."""
        return snapshot_html(type(self).__name__, self._snapshot_html())
