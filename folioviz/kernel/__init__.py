"""The model: the kernel's rules for ``folio->mapping`` as plain Python.

No Jupyter, ipywidgets or plotly imports here (a test enforces it), so the model runs in scripts,
the CLI, tests and, one day, in the browser under Pyodide.
"""

from .errors import (
    BadWordError,
    ContradictoryFolioError,
    FolioVizError,
    IllegalTransitionError,
    UnknownEraError,
)
from .mapping import (
    Folio,
    HelperResult,
    MappingDecode,
    MappingKind,
    Pointer,
    decode,
    decode_folio,
    folio_anon_vma,
    folio_mapping,
    folio_raw_mapping,
    folio_test_anon,
    folio_test_ksm,
    folio_test_movable,
    format_word,
    make_folio,
    parse_word,
)
from .sources import SourceRef, lore_url, source_ref
from .versions import DEFAULT_ERA, Era, era_ids, eras, get_era

__all__ = [
    "DEFAULT_ERA",
    "BadWordError",
    "ContradictoryFolioError",
    "Era",
    "Folio",
    "FolioVizError",
    "HelperResult",
    "IllegalTransitionError",
    "MappingDecode",
    "MappingKind",
    "Pointer",
    "SourceRef",
    "UnknownEraError",
    "decode",
    "decode_folio",
    "era_ids",
    "eras",
    "folio_anon_vma",
    "folio_mapping",
    "folio_raw_mapping",
    "folio_test_anon",
    "folio_test_ksm",
    "folio_test_movable",
    "format_word",
    "get_era",
    "lore_url",
    "make_folio",
    "parse_word",
    "source_ref",
]
