"""folioviz.drgn.btf on malformed BTF: only BtfError, whatever the bytes, and no unbounded recursion on a type that
refers to itself."""

from __future__ import annotations

import contextlib
import struct
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from folioviz.drgn.btf import BTF_MAGIC, CONST, INT, PTR, STRUCT, TYPEDEF, VOLATILE, Btf, BtfError

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def blob(types: list[bytes], strings: bytes = b"\0int\0node\0") -> bytes:
    """A little-endian BTF blob: header, type section, string section."""
    body = b"".join(types)
    header = struct.pack("<HBBIIIII", BTF_MAGIC, 1, 0, 24, 0, len(body), len(body), len(strings))
    return header + body + strings


def btf_type(name_off: int, kind: int, vlen: int, size_or_type: int, extra: bytes = b"", kind_flag: int = 0) -> bytes:
    return struct.pack("<III", name_off, (kind_flag << 31) | (kind << 24) | vlen, size_or_type) + extra


INT_T = btf_type(1, INT, 0, 4, struct.pack("<I", 32))
GOOD = blob([INT_T, btf_type(0, PTR, 0, 1)])


def test_a_good_blob_reads():
    assert len(Btf(GOOD)) == 2


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes(data):
    with pytest.raises(BtfError):
        Btf(data)


@FUZZ
@given(cut=st.integers(0, len(GOOD)), flips=st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255))))
def test_damaged_blobs_raise_only_btf_error(cut, flips):
    data = bytearray(GOOD[:cut] if cut < len(GOOD) else GOOD)
    for at, value in flips:
        if at < len(data):
            data[at] = value
    with contextlib.suppress(BtfError):
        Btf(bytes(data))


@pytest.mark.parametrize(
    "data",
    [
        blob([INT_T], strings=b"\0int"),  # a name with no NUL at its end
        blob([INT_T], strings=b"\0\xff\xfe\0"),  # a name that is not UTF-8
        blob([btf_type(999, INT, 0, 4, struct.pack("<I", 32))]),  # a name past the strings
        blob([INT_T[:14]]),  # a type cut short
        blob([btf_type(0, STRUCT, 3, 8)]),  # members promised, none there
        blob([INT_T, btf_type(0, PTR, 0, 77)]),  # a pointer to a type id that does not exist
        GOOD[:8] + struct.pack("<IIIII", 24, 0, 10**9, 0, 10**9)[:16] + GOOD[24:],  # sections past the end
        struct.pack("<HBBI", BTF_MAGIC, 1, 0, 10**9) + b"\0" * 40,  # a header longer than the blob
    ],
)
def test_malformed_blobs(data):
    with pytest.raises(BtfError):
        Btf(data)


def _prog():
    drgn = pytest.importorskip("drgn")
    return drgn.Program(drgn.host_platform)


@pytest.mark.parametrize(
    "types",
    [
        [btf_type(0, PTR, 0, 1)],  # a pointer to itself
        [btf_type(2, TYPEDEF, 0, 1)],  # a typedef of itself
        [btf_type(0, CONST, 0, 2), btf_type(0, VOLATILE, 0, 1)],  # const -> volatile -> const
        [btf_type(2, TYPEDEF, 0, 2), btf_type(0, PTR, 0, 1)],  # typedef -> pointer -> typedef
    ],
)
def test_self_referencing_types_raise_btf_error(types):
    from folioviz.drgn.btf import DrgnTypes

    prog = _prog()
    btf = Btf(blob(types))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # a runaway would hit this fast, not wait for the default
    try:
        with pytest.raises(BtfError, match="refers to itself"):
            DrgnTypes(btf, prog).get(1)
    finally:
        sys.setrecursionlimit(limit)


def test_a_struct_may_point_to_itself():
    """struct node { struct node *next; }: through a member, which drgn resolves lazily, a cycle is fine."""
    from folioviz.drgn.btf import DrgnTypes

    prog = _prog()
    member = struct.pack("<III", 5, 2, 0)  # "node", type 2 (the pointer), bit offset 0
    btf = Btf(blob([btf_type(5, STRUCT, 1, 8, member), btf_type(0, PTR, 0, 1)]))
    node = DrgnTypes(btf, prog).get(1)
    assert node.members[0].type.type.tag == "node"
