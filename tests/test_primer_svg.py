"""The primer's pictures and 01's folio_mapping() order picture: pure SVG text, labelled, era-aware."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from folioviz.kernel import decode
from folioviz.render.primer import folio_map_svg, folio_mapping_order_svg, write_fault_svg
from folioviz.render.theme import KIND_STYLE

PICTURES = [folio_map_svg, write_fault_svg, folio_mapping_order_svg]


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("picture", PICTURES, ids=lambda f: f.__name__)
def test_each_picture_is_well_formed_labelled_and_on_its_own_background(picture):
    svg = picture()
    root = ET.fromstring(svg)  # well-formed XML
    assert root.get("role") == "img" and len(root.get("aria-label", "")) > 40
    assert root.find("{http://www.w3.org/2000/svg}title") is not None
    first_rect = root.find("{http://www.w3.org/2000/svg}rect")
    assert first_rect is not None and first_rect.get("fill") == "#FFFFFF"  # readable in a dark theme
    assert picture() == svg  # deterministic, for nbval


@pytest.mark.parametrize("picture", PICTURES, ids=lambda f: f.__name__)
def test_presenter_mode_scales_up(picture):
    normal, big = picture(presenter=False), picture(presenter=True)
    width = lambda svg: float(re.search(r'width="([\d.]+)"', svg).group(1))  # noqa: E731
    assert width(big) > width(normal)


def test_the_map_names_both_targets_with_their_kind_colours():
    svg = folio_map_svg()
    texts = _texts(svg)
    assert "struct address_space" in texts and "struct anon_vma" in texts
    assert KIND_STYLE["file"].colour in svg and KIND_STYLE["anon"].colour in svg
    assert any("tag 00" in t for t in texts) and any("tag 01" in t for t in texts)


def test_the_write_fault_picture_shows_the_answers_do_page_mkwrite_judges():
    texts = " ".join(_texts(write_fault_svg()))
    for code in ("VM_FAULT_LOCKED", "VM_FAULT_NOPAGE", "VM_FAULT_SIGBUS", "wp_page_shared()", "do_shared_fault()"):
        assert code in texts, code
    assert "read-only" in texts and "dirty" in texts


@pytest.mark.parametrize(("era", "helper"), [("email", "folio_mapping"), ("5.10", "page_mapping")])
def test_folio_mapping_order_is_slab_then_swap_cache_then_tags(era, helper):
    texts = _texts(folio_mapping_order_svg(era))
    joined = " | ".join(texts)
    slab = re.search(r"slab|Slab", joined).start()
    swap = re.search(r"swapcache|SwapCache", joined).start()
    assert slab < swap < joined.index("bit of mapping")
    assert texts[0].startswith(f"{helper}(")


def test_the_third_test_follows_the_model():
    """What the picture says the tag test does agrees with decode() for a movable word."""
    for era in ("email", "5.10"):
        movable = decode("0xffff888003a1c002", era)
        folio_mapping = next(h for h in movable.helpers if h.name in ("folio_mapping(folio)", "page_mapping(page)"))
        texts = " ".join(_texts(folio_mapping_order_svg(era)))
        if folio_mapping.value.is_null:
            assert "either tag bit" in texts
        else:
            assert "masked off" in texts
