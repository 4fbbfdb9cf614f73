"""The workbook's own pages: the notebook index and the map of rules (rendered from data/)."""

from __future__ import annotations

from dataclasses import asdict

from ..kernel.datafiles import workbook_notebooks
from ..kernel.observed import rules_seen
from ..kernel.rules import EMAIL_URL, rules
from ..kernel.versions import default_era, eras
from .markup import Markup, tag
from .tables import style_html

__all__ = ["eras_table_html", "notebook_index_html", "rules_map_html"]


def _notebooks() -> list[dict[str, str]]:
    return [asdict(nb) for nb in workbook_notebooks()]


def notebook_index_html() -> Markup:
    """The notebooks in reading order, linked when ready, marked when still planned."""
    rows = []
    for nb in _notebooks():
        name = nb["id"]
        link = tag("a", name, href=f"{name}.ipynb") if nb["status"] == "ready" else tag("code", name)
        status = "ready" if nb["status"] == "ready" else Markup("<i>planned</i>")
        rows.append(
            Markup("<tr><td>{}</td><td><b>{}</b><br>{}</td><td>{}</td></tr>").format(
                link, nb["title"], nb["about"], status
            )
        )
    head = Markup("<tr><th>notebook</th><th>what it covers</th><th>status</th></tr>")
    table = tag("table", head, *rows, class_="fv-table", aria_label="the notebooks")
    return style_html(controls=False) + tag("div", table, class_="folioviz")


def rules_map_html() -> Markup:
    """Every rule of the email (R1–R12) and beyond it (B1–B7): our paraphrase and where it is taught."""
    status = {nb["id"]: nb["status"] for nb in _notebooks()}
    seen = dict(rules_seen())
    rows = []
    for rule in rules():
        where = rule.notebook
        where_html = (
            tag("a", where, href=f"{where}.ipynb")
            if status.get(where) == "ready"
            else tag("code", where) + Markup(" <i>(planned)</i>")
        )
        builds = seen.get(rule.id, ())
        real = f"● seen on {', '.join(builds)}" if builds else "○ read in source only"
        rows.append(
            Markup("<tr><td><b>{}</b></td><td><b>{}.</b> {}</td><td>{}</td><td>{}</td></tr>").format(
                rule.id, rule.title, rule.text, where_html, real
            )
        )
    caption = Markup(
        '<caption>R1–R12: the rules of <a href="{}">the email</a>, in our words. '
        "B1–B7: what kernel history adds. <i>On a real kernel</i>: the Debian builds the kernel lab booted that "
        'showed the rule (<a href="07_on_a_real_kernel.ipynb">notebook 07</a>), or ○ where it was read in source '
        "only.</caption>"
    ).format(EMAIL_URL)
    head = Markup("<tr><th>id</th><th>rule</th><th>taught in</th><th>on a real kernel</th></tr>")
    table = tag("table", caption, head, *rows, class_="fv-table", aria_label="the rules and where they are taught")
    return style_html(controls=False) + tag("div", table, class_="folioviz")


def eras_table_html() -> Markup:
    """The modelled eras (id to pass to ``set_default_era``, label, release read), the default marked."""
    default = default_era().id
    rows = []
    for era in eras():
        mark = Markup(" <b>(default)</b>") if era.id == default else ""
        rows.append(
            Markup("<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>").format(
                era.id, mark, era.label, era.release
            )
        )
    head = Markup("<tr><th>era id</th><th>kernels</th><th>release read</th></tr>")
    table = tag("table", head, *rows, class_="fv-table", aria_label="the kernel eras")
    return style_html() + tag("div", table, class_="folioviz")
