"""The email's rules (R1–R12) and the facts beyond it (B1–B7), from ``data/rules.toml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .datafiles import load_toml, records
from .errors import FolioVizError

__all__ = ["EMAIL_URL", "Rule", "get_rule", "rules"]

EMAIL_URL: str = load_toml("rules.toml")["email"]


@dataclass(frozen=True)
class Rule:
    """One rule, paraphrased: ``id`` is ``R1``–``R12`` (the email) or ``B1``–``B7`` (beyond it)."""

    id: str
    title: str
    text: str
    notebook: str
    widget: str = ""


@cache
def rules() -> tuple[Rule, ...]:
    """All rules, the email's first, in order."""
    data = load_toml("rules.toml")
    return records(Rule, data["rule"], "rules.toml [[rule]]") + records(Rule, data["beyond"], "rules.toml [[beyond]]")


def get_rule(rule_id: str) -> Rule:
    for rule in rules():
        if rule.id == rule_id:
            return rule
    raise FolioVizError(f"unknown rule {rule_id!r}; rules are R1–R12 and B1–B7")
