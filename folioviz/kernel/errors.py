"""Errors a learner can read: each says what was wrong and what is allowed.

Every public entry point raises one of these (all are ``ValueError`` subclasses), never a
traceback from deep inside the model.
"""

from __future__ import annotations

__all__ = [
    "BadWordError",
    "ContradictoryFolioError",
    "FolioVizError",
    "IllegalTransitionError",
    "MkwriteInputError",
    "UnknownEraError",
]


class FolioVizError(ValueError):
    """Base class: bad input to a folioviz model, with a message meant for people."""


class BadWordError(FolioVizError):
    """A mapping word that is not a number, is negative, or is wider than the word size."""


class UnknownEraError(FolioVizError):
    """A kernel era or version that folioviz does not model."""


class ContradictoryFolioError(FolioVizError):
    """Folio state that no kernel could produce (for example slab and swap cache at once)."""


class MkwriteInputError(FolioVizError):
    """An input to the ``do_page_mkwrite()`` model that is not one of the allowed values."""


class IllegalTransitionError(FolioVizError):
    """A step the kernel's debug checks would catch (the message names the check)."""

    def __init__(self, message: str, *, check: str = "", function: str = "") -> None:
        super().__init__(message)
        self.check = check
        self.function = function
