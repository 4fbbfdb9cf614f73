"""The workbook's own pages: the notebook index and the map of rules (rendered from data/)."""

from __future__ import annotations

from dataclasses import asdict
from html import escape

from ..kernel.datafiles import workbook_notebooks
from ..kernel.observed import rules_seen
from ..kernel.rules import EMAIL_URL, rules
from ..kernel.versions import default_era, eras
from .tables import style_html

__all__ = ["eras_table_html", "notebook_index_html", "rules_map_html"]


def _notebooks() -> list[dict[str, str]]:
    return [asdict(nb) for nb in workbook_notebooks()]


def notebook_index_html() -> str:
    """The notebooks in reading order, linked when ready, marked when still planned."""
    rows = []
    for nb in _notebooks():
        name = escape(nb["id"])
        title = escape(nb["title"])
        link = f'<a href="{name}.ipynb">{name}</a>' if nb["status"] == "ready" else f"<code>{name}</code>"
        status = "ready" if nb["status"] == "ready" else "<i>planned</i>"
        rows.append(f"<tr><td>{link}</td><td><b>{title}</b><br>{escape(nb['about'])}</td><td>{status}</td></tr>")
    return (
        style_html(controls=False) + '<div class="folioviz"><table class="fv-table" aria-label="the notebooks">'
        "<tr><th>notebook</th><th>what it covers</th><th>status</th></tr>" + "".join(rows) + "</table></div>"
    )


def rules_map_html() -> str:
    """Every rule of the email (R1–R12) and beyond it (B1–B7): our paraphrase and where it is taught."""
    status = {nb["id"]: nb["status"] for nb in _notebooks()}
    seen = dict(rules_seen())
    rows = []
    for rule in rules():
        where = rule.notebook
        where_html = (
            f'<a href="{escape(where)}.ipynb">{escape(where)}</a>'
            if status.get(where) == "ready"
            else f"<code>{escape(where)}</code> <i>(planned)</i>"
        )
        builds = seen.get(rule.id, ())
        real = f"● seen on {escape(', '.join(builds))}" if builds else "○ read in source only"
        rows.append(
            f"<tr><td><b>{escape(rule.id)}</b></td><td><b>{escape(rule.title)}.</b> {escape(rule.text)}</td>"
            f"<td>{where_html}</td><td>{real}</td></tr>"
        )
    return (
        style_html(controls=False)
        + '<div class="folioviz"><table class="fv-table" aria-label="the rules and where they are taught">'
        f'<caption>R1–R12: the rules of <a href="{escape(EMAIL_URL)}">the email</a>, in our words. '
        "B1–B7: what kernel history adds. <i>On a real kernel</i>: the Debian builds the kernel lab booted that "
        'showed the rule (<a href="07_on_a_real_kernel.ipynb">notebook 07</a>), or ○ where it was read in source '
        "only.</caption>"
        "<tr><th>id</th><th>rule</th><th>taught in</th><th>on a real kernel</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )


def eras_table_html() -> str:
    """The modelled eras (id to pass to ``set_default_era``, label, release read), the default marked."""
    default = default_era().id
    rows = []
    for era in eras():
        mark = " <b>(default)</b>" if era.id == default else ""
        rows.append(
            f"<tr><td><code>{escape(era.id)}</code>{mark}</td><td>{escape(era.label)}</td>"
            f"<td>{escape(era.release)}</td></tr>"
        )
    return (
        style_html() + '<div class="folioviz"><table class="fv-table" aria-label="the kernel eras">'
        "<tr><th>era id</th><th>kernels</th><th>release read</th></tr>" + "".join(rows) + "</table></div>"
    )
