"""The mapping-word model, era by era: a table of words and what each helper must return."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from folioviz.kernel import (
    BadWordError,
    ContradictoryFolioError,
    MappingKind,
    UnknownEraError,
    decode,
    folio_mapping,
    folio_test_anon,
    folio_test_ksm,
    get_era,
    make_folio,
    parse_word,
)
from folioviz.kernel.poison import poison_name

PTR = 0xFFFF888003A1C000
PRE, EMAIL, NEW = "pre-v6.0", "v6.0-v6.16", "v6.17+"
N = "NULL"

# word, era, flags, kind, target, folio_mapping(), anon, ksm, movable, anon_vma, raw check, folio_mapping check
TABLE = [
    (PTR, EMAIL, {}, "file", "struct address_space", hex(PTR), False, False, False, N, False, False),
    (PTR | 1, EMAIL, {}, "anon", "struct anon_vma", N, True, False, False, hex(PTR), False, True),
    (PTR | 2, EMAIL, {}, "movable", "struct movable_operations", N, False, False, True, N, False, True),
    (PTR | 3, EMAIL, {}, "KSM", "struct ksm_stable_node", N, True, True, False, N, False, True),
    (0, EMAIL, {}, "NULL", "", N, False, False, False, N, True, True),
    (2, EMAIL, {}, "movable", "struct movable_operations", N, False, False, True, N, False, True),
    # before v6.0: the movable tag pointed at a driver's address_space and was masked, not NULL
    (PTR | 2, PRE, {}, "movable", "struct address_space", hex(PTR), False, False, True, N, False, False),
    (PTR | 1, PRE, {}, "anon", "struct anon_vma", N, True, False, False, hex(PTR), False, True),
    (PTR | 3, PRE, {}, "KSM", "struct ksm_stable_node", N, True, True, False, N, False, True),
    (PTR, PRE, {}, "file", "struct address_space", hex(PTR), False, False, False, N, False, False),
    # v6.17+: 0b10 alone is no encoding; movable is a page flag
    (PTR | 2, NEW, {}, "invalid", "", N, False, False, False, N, False, True),
    (PTR | 3, NEW, {}, "KSM", "struct ksm_stable_node", N, True, True, False, N, False, True),
    (PTR | 1, NEW, {}, "anon", "struct anon_vma", N, True, False, False, hex(PTR), False, True),
    (0, NEW, {"movable_ops": True}, "movable", "struct movable_operations", N, False, False, True, N, True, True),
    # slab: folio_mapping() is NULL whatever the word holds
    (PTR | 2, EMAIL, {"slab": True}, "slab", "slab internals", N, False, False, True, N, False, True),
    (PTR, NEW, {"slab": True}, "slab", "slab internals", N, False, False, False, N, False, True),
    # swap cache: folio_mapping() returns the swap cache's address_space, whatever the word says (B3)
    (
        PTR | 1,
        EMAIL,
        {"swapcache": True},
        "anon",
        "struct anon_vma",
        "swap_address_space(folio->swap)",
        True,
        False,
        False,
        hex(PTR),
        False,
        False,
    ),
    (0, EMAIL, {"swapcache": True}, "NULL", "", "swap_address_space(folio->swap)", False, False, False, N, True, False),
    (
        PTR | 1,
        PRE,
        {"swapcache": True},
        "anon",
        "struct anon_vma",
        "swap_address_space(entry)",
        True,
        False,
        False,
        hex(PTR),
        False,
        False,
    ),
]


@pytest.mark.parametrize(
    ("word", "era", "flags", "kind", "target", "fm", "anon", "ksm", "movable", "anon_vma", "raw_t", "fm_t"),
    TABLE,
)
def test_table(word, era, flags, kind, target, fm, anon, ksm, movable, anon_vma, raw_t, fm_t):
    d = decode(word, era, **flags)
    assert d.kind.value == kind
    assert d.target == target
    fm_text = d.helper("folio_mapping").text
    assert fm_text == (fm if fm == N or not fm.startswith("0x") else f"0x{int(fm, 16):016x}")
    assert d.helper("folio_test_anon").value is anon
    assert d.helper("folio_test_ksm").value is ksm
    assert d.helper("folio_test_movable").value is movable
    av = d.helper("folio_anon_vma").text
    assert av == (anon_vma if anon_vma == N else f"0x{int(anon_vma, 16):016x}")
    assert d.raw_check_truncated is raw_t
    assert d.folio_mapping_check_truncated is fm_t
    assert d.checks_disagree is (raw_t != fm_t)


def test_the_emails_point_movable_page_disagrees_only_in_v6_0_to_v6_16():
    """B2: the livelock's precondition holds only in the email's era."""
    word = PTR | 2
    assert decode(word, "6.4").checks_disagree
    assert any("for ever" in n for n in decode(word, "6.4").notes)
    assert not decode(word, "5.10").checks_disagree
    assert decode(word, "6.17").kind is MappingKind.INVALID


def test_era_names_follow_the_kernel():
    assert decode(PTR | 2, EMAIL).tag_name == "PAGE_MAPPING_MOVABLE"
    assert decode(PTR | 2, NEW).tag_name == "FOLIO_MAPPING_ANON_KSM"
    assert decode(PTR | 3, NEW).tag_name == "FOLIO_MAPPING_KSM"
    assert decode(PTR, PRE).helper("folio_mapping").name == "page_mapping(page)"
    assert decode(PTR, NEW).helper("folio_test_movable").name == "page_has_movable_ops(page)"
    assert decode(PTR, EMAIL).helper("folio_test_movable").name == "__folio_test_movable(folio)"


def test_folio_mapping_ksm_trap_is_flagged_for_anon_in_v6_17():
    """B7: mapping & FOLIO_MAPPING_KSM is non-zero for every anon folio."""
    d = decode(PTR | 1, NEW)
    assert (d.word & d.era.KSM) != 0
    assert d.helper("folio_test_ksm").value is False
    assert "B7" in d.helper("folio_test_ksm").note


@pytest.mark.parametrize(
    "text",
    [
        "0xffff888003a1c001",
        "ffff888003a1c001",
        "0XFFFF888003A1C001",
        "FFFF888003A1C001",
        "  0xffff_8880_03a1_c001 ",
        "(struct address_space *)0xffff888003a1c001",
    ],
)
def test_parse_accepts_what_crash_drgn_and_printk_print(text):
    assert parse_word(text) == 0xFFFF888003A1C001


@pytest.mark.parametrize(
    ("value", "bits", "fragment"),
    [
        (-1, 64, "negative"),
        ("-0x10", 64, "negative"),
        (1 << 64, 64, "does not fit in a 64-bit word"),
        (0x1_0000_0000, 32, "does not fit in a 32-bit word"),
        ("0xg00d", 64, "not a hexadecimal word"),
        ("", 64, "not a hexadecimal word"),
        (1.5, 64, "must be an int or a hex string"),
        (True, 64, "must be an int or a hex string"),
        ("(____ptrval____)", 64, "hashed pointer"),
        (1, 16, "64 or 32"),
    ],
)
def test_bad_words_say_what_was_wrong_and_what_is_allowed(value, bits, fragment):
    with pytest.raises(BadWordError, match=fragment) as info:
        parse_word(value, bits)
    assert repr(value)[:8] in str(info.value) or str(bits) in str(info.value)


@pytest.mark.parametrize(
    ("flags", "era", "fragment"),
    [
        ({"slab": True, "swapcache": True}, EMAIL, "slab and in the swap cache"),
        ({"movable_ops": True}, EMAIL, "exists only from v6.17"),
        ({"movable_ops": True, "slab": True}, NEW, "slab folio is not a movable-ops"),
        ({"movable_ops": True, "swapcache": True}, NEW, "never in the swap cache"),
        ({"swapcache": True}, EMAIL, "never in the swap cache"),
        ({"slab": "yes"}, EMAIL, "must be True or False"),
    ],
)
def test_contradictory_folio_states_are_rejected(flags, era, fragment):
    word = PTR | 2 if "slab" not in flags or flags.get("swapcache") else PTR
    with pytest.raises(ContradictoryFolioError, match=fragment):
        decode(word, era, **flags)


def test_anon_word_with_movable_ops_flag_is_rejected():
    with pytest.raises(ContradictoryFolioError, match="anon bit"):
        decode(PTR | 1, NEW, movable_ops=True)


@pytest.mark.parametrize(
    ("given_era", "expected"),
    [
        ("6.4", EMAIL),
        ("v6.12.8", EMAIL),
        ("6.0", EMAIL),
        ("6.16", EMAIL),
        ("5.10", PRE),
        ("v5.19", PRE),
        ("6.17", NEW),
        ("7.3", NEW),
        ("email", EMAIL),
        ("latest", NEW),
        (None, EMAIL),
        ("v6.17+", NEW),
    ],
)
def test_eras_resolve(given_era, expected):
    assert get_era(given_era).id == expected


@pytest.mark.parametrize("bad", ["6.x", "linux", "4.19", 6.4, ""])
def test_unknown_eras_list_what_is_allowed(bad):
    with pytest.raises(UnknownEraError) as info:
        get_era(bad)
    assert "v6.0-v6.16" in str(info.value) or "must be a string" in str(info.value)


def test_32_bit_words():
    d = decode("0xc1234561", "6.4", word_bits=32)
    assert d.word_text == "0xc1234561"
    assert d.kind is MappingKind.ANON
    assert d.helper("folio_anon_vma").text == "0xc1234560"


def test_to_dict_is_complete_and_json_ready():
    import json

    d = decode(PTR | 2, "6.4").to_dict()
    json.dumps(d)
    assert d["kind"] == "movable" and d["tag_bits"] == "10"
    assert d["truncation_checks"] == {"!folio->mapping": False, "!folio_mapping(folio)": True, "disagree": True}
    assert {h["name"] for h in d["helpers"]} >= {"folio->mapping", "folio_mapping(folio)", "folio_anon_vma(folio)"}
    assert all(h["source"].startswith("https://elixir.bootlin.com/linux/v6.1.4/") for h in d["helpers"])


# ----------------------------------------------------------------------------- properties

words64 = st.integers(min_value=0, max_value=(1 << 64) - 1)
era_ids = st.sampled_from([PRE, EMAIL, NEW])


@given(words64, era_ids)
def test_kind_is_decided_by_the_tag_alone(word, era):
    """Any pointer bits give the same kind as the bare tag (except NULL, which needs all zero, and the
    poison values, which are no pointer: TAIL_MAPPING, LIST_POISON1/2, e.g. 0x122 with a delta of 0)."""
    d = decode(word, era)
    tag_only = decode(word & 3, era)
    if word == 0:
        assert d.kind is MappingKind.NULL
    elif poison_name(word):
        assert d.kind is MappingKind.POISON
    elif word & 3 == 0:
        assert d.kind is MappingKind.FILE
    else:
        assert d.kind is tag_only.kind


@given(words64, era_ids)
def test_helpers_agree_with_the_bit_arithmetic(word, era):
    e = get_era(era)
    f = make_folio(word, e)
    assert folio_test_anon(f, e) == bool(word & 1)
    assert folio_test_ksm(f, e) == (word & 3 == 3)
    fm = folio_mapping(f, e)
    if e.folio_mapping_nulls_all_tags:
        assert fm.address == (0 if word & 3 else word)
    else:
        assert fm.address == (0 if word & 1 else word & ~3)
    d = decode(word, e)
    assert d.pointer == word & ~3
    assert d.helper("folio_raw_mapping").value.address == word & ~3
    assert d.raw_check_truncated == (word == 0)


@given(words64, era_ids)
def test_folio_mapping_check_never_says_present_when_the_raw_word_is_null(word, era):
    """Without the swap cache, a NULL word is 'truncated' for both checks."""
    d = decode(word, era)
    if d.raw_check_truncated:
        assert d.folio_mapping_check_truncated


@given(words64)
def test_parse_roundtrips_hex_text(word):
    assert parse_word(f"{word:x}") == word
    assert parse_word(f"0x{word:016X}") == word
    assert parse_word(word) == word


def test_bare_words_with_a_meaning_of_their_own():
    assert any("fsdax" in n for n in decode(1, "6.4").notes)
    assert not any("fsdax" in n for n in decode(1, "6.17").notes)
    assert not any("fsdax" in n for n in decode(PTR | 1, "6.4").notes)
    assert any("__ClearPageMovable" in n for n in decode(2, "5.10").notes)
    assert any("__ClearPageMovable" in n for n in decode(2, "6.4").notes)
    assert decode(2, "5.10").helper("folio_mapping").text == "NULL"  # masked to nothing before v6.0 too


def test_ksm_bit_test_trap_is_flagged_in_every_era():
    for era in (PRE, EMAIL, NEW):
        d = decode(PTR | 1, era)
        assert d.word & d.era.KSM and not d.helper("folio_test_ksm").value
        assert "B7" in d.helper("folio_test_ksm").note
