"""A small BTF reader that gives drgn a kernel's real types when no DWARF debug info is at hand.

BTF ("BPF Type Format") is the compact type description that kernels built with
``CONFIG_DEBUG_INFO_BTF`` carry in the ``.BTF`` section of vmlinux and expose at
``/sys/kernel/btf/vmlinux``. The format is documented in the kernel's
``Documentation/bpf/btf.rst`` (https://docs.kernel.org/bpf/btf.html); this module follows that
document, not any other implementation.

drgn 0.3.0 has no BTF type finder of its own, so folioviz's tests use this one to run drgn's real
helpers (``compound_head()``, ``PageSlab()``, ``xa_for_each()``...) on real kernel types over memory
they lay out byte by byte. A mentor with only BTF (no vmlinux debug info) can use it too::

    from folioviz.drgn.btf import Btf
    Btf.from_file("/sys/kernel/btf/vmlinux").register(prog)

Parsing (:class:`Btf`) is plain Python; only :meth:`Btf.register` needs drgn.
"""

from __future__ import annotations

import lzma
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Btf", "BtfError", "BtfType", "DrgnTypes"]

BTF_MAGIC = 0xEB9F

# Kind numbers (Documentation/bpf/btf.rst, "BTF Type Encoding").
INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT = range(1, 12)
FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 = range(12, 20)

INT_SIGNED, INT_CHAR, INT_BOOL = 1, 2, 4


class BtfError(ValueError):
    """The data is not BTF this reader understands."""


@dataclass(frozen=True)
class BtfType:
    """One BTF type record: ``kind``, ``name``, and the kind's own data in ``info``."""

    id: int
    kind: int
    name: str
    kind_flag: bool
    size_or_type: int
    items: tuple[Any, ...]
    """Members ``(name, type_id, bit_offset, bitfield_size)``, enumerators ``(name, value)``,
    parameters ``(name, type_id)``, an array's ``(elem_type, index_type, nelems)`` or an int's
    ``(encoding, offset, bits)``."""


class Btf:
    """The types of one BTF blob, by id and by name."""

    def __init__(self, data: bytes) -> None:
        """Read ``data``; anything malformed (cut short, offsets past the end, names that are not UTF-8, a type id
        that does not exist) raises :class:`BtfError`, never another exception."""
        try:
            self._read(data)
        except BtfError:
            raise
        except (struct.error, IndexError, ValueError, UnicodeDecodeError, OverflowError) as error:
            raise BtfError(f"malformed BTF: {type(error).__name__}: {error}") from None

    def _read(self, data: bytes) -> None:
        if len(data) < 24:
            raise BtfError("too short to be BTF")
        magic, version, _flags, hdr_len = struct.unpack_from("<HBBI", data, 0)
        if magic != BTF_MAGIC:
            raise BtfError(f"bad BTF magic {magic:#x} (want {BTF_MAGIC:#x}; big-endian BTF is not supported)")
        if version != 1:
            raise BtfError(f"BTF version {version} is not supported (want 1)")
        type_off, type_len, str_off, str_len = struct.unpack_from("<IIII", data, 8)
        if hdr_len < 24 or hdr_len + max(type_off + type_len, str_off + str_len) > len(data):
            raise BtfError(f"the BTF header names sections past the end of its {len(data)} bytes")
        self._strings = data[hdr_len + str_off : hdr_len + str_off + str_len]
        self.types: list[BtfType | None] = [None]  # id 0 is void
        self._parse(data[hdr_len + type_off : hdr_len + type_off + type_len])
        self.by_name: dict[str, list[int]] = {}
        self.enumerators: dict[str, tuple[int, int]] = {}
        for t in self.types[1:]:
            assert t is not None
            for ref in _references(t):
                if not 0 <= ref < len(self.types):
                    raise BtfError(f"type id {t.id} refers to type id {ref}, which does not exist")
            if t.name:
                self.by_name.setdefault(t.name, []).append(t.id)
            if t.kind in (ENUM, ENUM64):
                for name, value in t.items:
                    self.enumerators.setdefault(name, (t.id, value))

    @classmethod
    def from_file(cls, path: str | Path) -> Btf:
        """Read raw BTF (``/sys/kernel/btf/vmlinux``) or an ``.xz``-compressed copy of it."""
        raw = Path(path).read_bytes()
        if raw[:6] == b"\xfd7zXZ\x00":
            raw = lzma.decompress(raw)
        return cls(raw)

    def _str(self, offset: int) -> str:
        if offset >= len(self._strings):
            raise BtfError(f"a name at offset {offset}, past the {len(self._strings)} bytes of strings")
        end = self._strings.find(b"\0", offset)
        if end < 0:
            raise BtfError(f"the name at offset {offset} has no NUL at its end")
        return self._strings[offset:end].decode()

    def _parse(self, blob: bytes) -> None:
        pos, n = 0, len(blob)
        next_id = 1
        while pos < n:
            name_off, info, size_or_type = struct.unpack_from("<III", blob, pos)
            pos += 12
            vlen, kind, kind_flag = info & 0xFFFF, (info >> 24) & 0x1F, bool(info >> 31)
            reader = _READERS.get(kind)
            if reader is None:
                raise BtfError(f"unknown BTF kind {kind} at type id {next_id}")
            items, pos = reader(self, blob, pos, vlen, kind_flag)
            self.types.append(BtfType(next_id, kind, self._str(name_off), kind_flag, size_or_type, items))
            next_id += 1

    # One reader per kind: what follows the 12-byte struct btf_type (Documentation/bpf/btf.rst).

    def _int(self, blob: bytes, pos: int, vlen: int, kind_flag: bool) -> tuple[tuple[Any, ...], int]:
        (enc,) = struct.unpack_from("<I", blob, pos)
        return ((enc >> 24) & 0xF, (enc >> 16) & 0xFF, enc & 0xFF), pos + 4

    def _array(self, blob: bytes, pos: int, vlen: int, kind_flag: bool) -> tuple[tuple[Any, ...], int]:
        return struct.unpack_from("<III", blob, pos), pos + 12

    def _members(self, blob: bytes, pos: int, vlen: int, kind_flag: bool) -> tuple[tuple[Any, ...], int]:
        members = []
        for _ in range(vlen):
            m_name, m_type, m_off = struct.unpack_from("<III", blob, pos)
            pos += 12
            # With kind_flag, the offset word holds the bitfield size (top 8 bits) and the bit offset.
            bit_offset, bits = (m_off & 0xFFFFFF, m_off >> 24) if kind_flag else (m_off, 0)
            members.append((self._str(m_name), m_type, bit_offset, bits))
        return tuple(members), pos

    def _enum(self, blob: bytes, pos: int, vlen: int, kind_flag: bool) -> tuple[tuple[Any, ...], int]:
        values = []
        for _ in range(vlen):
            e_name, e_val = struct.unpack_from("<Ii", blob, pos)
            pos += 8
            values.append((self._str(e_name), e_val if kind_flag else e_val & 0xFFFFFFFF))
        return tuple(values), pos

    def _enum64(self, blob: bytes, pos: int, vlen: int, kind_flag: bool) -> tuple[tuple[Any, ...], int]:
        values = []
        for _ in range(vlen):
            e_name, lo, hi = struct.unpack_from("<III", blob, pos)
            pos += 12
            value = (hi << 32) | lo
            if kind_flag and value >> 63:
                value -= 1 << 64
            values.append((self._str(e_name), value))
        return tuple(values), pos

    def _params(self, blob: bytes, pos: int, vlen: int, kind_flag: bool) -> tuple[tuple[Any, ...], int]:
        params = []
        for _ in range(vlen):
            p_name, p_type = struct.unpack_from("<II", blob, pos)
            pos += 8
            params.append((self._str(p_name), p_type))
        return tuple(params), pos

    def _skip4(self, blob: bytes, pos: int, vlen: int, kind_flag: bool) -> tuple[tuple[Any, ...], int]:
        return (), pos + 4

    def _datasec(self, blob: bytes, pos: int, vlen: int, kind_flag: bool) -> tuple[tuple[Any, ...], int]:
        return (), pos + 12 * vlen

    def _nothing(self, blob: bytes, pos: int, vlen: int, kind_flag: bool) -> tuple[tuple[Any, ...], int]:
        return (), pos

    def __len__(self) -> int:
        return len(self.types) - 1

    def named(self, name: str, kinds: tuple[int, ...]) -> Iterator[BtfType]:
        for type_id in self.by_name.get(name, ()):
            t = self.types[type_id]
            if t is not None and t.kind in kinds:
                yield t

    def enum_values(self, tag: str) -> dict[str, int]:
        """The enumerators of ``enum <tag>`` (e.g. ``pageflags``), by name."""
        for t in self.named(tag, (ENUM, ENUM64)):
            return dict(t.items)
        raise KeyError(f"no enum {tag!r} in this BTF")

    # ------------------------------------------------------------------ drgn

    def register(self, prog: Any, name: str = "folioviz-btf") -> None:
        """Register a type finder and an enumerator object finder for these types on a drgn Program."""
        DrgnTypes(self, prog).register(name)


_READERS = {
    INT: Btf._int,
    ARRAY: Btf._array,
    STRUCT: Btf._members,
    UNION: Btf._members,
    ENUM: Btf._enum,
    ENUM64: Btf._enum64,
    FUNC_PROTO: Btf._params,
    VAR: Btf._skip4,
    DECL_TAG: Btf._skip4,
    DATASEC: Btf._datasec,
    **{kind: Btf._nothing for kind in (PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG)},
}


def _references(t: BtfType) -> tuple[int, ...]:
    """The type ids ``t`` refers to."""
    if t.kind in (PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, TYPE_TAG, VAR, DECL_TAG):
        return (t.size_or_type,)
    if t.kind == ARRAY:
        return (t.items[0], t.items[1])
    if t.kind in (STRUCT, UNION):
        return tuple(m[1] for m in t.items)
    if t.kind == FUNC_PROTO:
        return (t.size_or_type, *(p[1] for p in t.items))
    return ()


class DrgnTypes:
    def __init__(self, btf: Btf, prog: Any) -> None:
        import drgn

        self.drgn = drgn
        self.btf = btf
        self.prog = prog
        self.cache: dict[int, Any] = {}
        self.making: list[int] = []  # the ids being made, outermost first: a repeat is a cycle

    def register(self, name: str) -> None:
        self.prog.register_type_finder(name, self.find_type, enable_index=0)
        self.prog.register_object_finder(name, self.find_object, enable_index=0)

    def find_type(self, prog: Any, kinds: Any, name: str, filename: str | None) -> Any:
        drgn = self.drgn
        wanted: list[int] = []
        for kind in kinds:
            wanted.extend(
                {
                    drgn.TypeKind.STRUCT: (STRUCT,),
                    drgn.TypeKind.UNION: (UNION,),
                    drgn.TypeKind.ENUM: (ENUM, ENUM64),
                    drgn.TypeKind.TYPEDEF: (TYPEDEF,),
                    drgn.TypeKind.INT: (INT,),
                    drgn.TypeKind.BOOL: (INT,),
                    drgn.TypeKind.FLOAT: (FLOAT,),
                }.get(kind, ())
            )
        for t in self.btf.named(name, tuple(wanted)):
            return self.get(t.id)
        # A forward declaration stands in only when no complete type exists.
        for kind in kinds:
            if kind in (drgn.TypeKind.STRUCT, drgn.TypeKind.UNION):
                for t in self.btf.named(name, (FWD,)):
                    if bool(t.kind_flag) == (kind == drgn.TypeKind.UNION):
                        return self.get(t.id)
        return None

    def find_object(self, prog: Any, name: str, flags: Any, filename: str | None) -> Any:
        if not flags & self.drgn.FindObjectFlags.CONSTANT or name not in self.btf.enumerators:
            return None
        type_id, value = self.btf.enumerators[name]
        return self.drgn.Object(prog, self.get(type_id), value)

    def get(self, type_id: int) -> Any:
        try:
            return self.cache[type_id]
        except KeyError:
            pass
        if type_id in self.making:
            cycle = " -> ".join(str(i) for i in [*self.making[self.making.index(type_id) :], type_id])
            raise BtfError(f"type id {type_id} refers to itself ({cycle}) with no struct or union between")
        if len(self.making) > 256:
            raise BtfError(f"type id {self.making[0]} nests more than 256 types deep")
        self.making.append(type_id)
        try:
            result = self._make(type_id)
        finally:
            self.making.pop()
        self.cache[type_id] = result
        return result

    def _lazy(self, type_id: int, bit_field_size: int = 0) -> Any:
        if bit_field_size:
            return lambda: self.drgn.Object(self.prog, self.get(type_id), bit_field_size=bit_field_size)
        return lambda: self.get(type_id)

    def _make(self, type_id: int) -> Any:
        if type_id == 0:
            return self.prog.void_type()
        t = self.btf.types[type_id]
        assert t is not None
        maker = {
            INT: self._int,
            FLOAT: lambda t: self.prog.float_type(t.name, t.size_or_type),
            PTR: lambda t: self.prog.pointer_type(self.get(t.size_or_type), 8),
            ARRAY: lambda t: self.prog.array_type(self.get(t.items[0]), t.items[2]),
            STRUCT: self._compound,
            UNION: self._compound,
            ENUM: self._enum,
            ENUM64: self._enum,
            FWD: lambda t: (self.prog.union_type if t.kind_flag else self.prog.struct_type)(t.name or None),
            TYPEDEF: lambda t: self.prog.typedef_type(t.name, self._lazy_type(t.size_or_type)),
            VOLATILE: self._qualified,
            CONST: self._qualified,
            RESTRICT: self._qualified,
            TYPE_TAG: lambda t: self.get(t.size_or_type),
            FUNC_PROTO: self._function,
            FUNC: lambda t: self.get(t.size_or_type),
        }.get(t.kind)
        if maker is None:
            raise BtfError(f"BTF kind {t.kind} (type id {type_id}) is not a type drgn can use")
        return maker(t)

    def _int(self, t: BtfType) -> Any:
        encoding = t.items[0]
        if encoding & INT_BOOL:
            return self.prog.bool_type(t.name, t.size_or_type)
        return self.prog.int_type(t.name, t.size_or_type, bool(encoding & INT_SIGNED))

    def _compound(self, t: BtfType) -> Any:
        members = [
            self.drgn.TypeMember(self._lazy(m_type, bits), m_name or None, bit_off)
            for m_name, m_type, bit_off, bits in t.items
        ]
        make = self.prog.struct_type if t.kind == STRUCT else self.prog.union_type
        return make(t.name or None, t.size_or_type, members)

    def _enum(self, t: BtfType) -> Any:
        if not t.items:
            return self.prog.enum_type(t.name or None)
        signed = t.kind_flag
        compatible = self.prog.int_type(
            ("" if signed else "unsigned ") + ("int" if t.size_or_type <= 4 else "long"), t.size_or_type, signed
        )
        enumerators = [self.drgn.TypeEnumerator(name, value) for name, value in t.items]
        return self.prog.enum_type(t.name or None, compatible, enumerators)

    def _qualified(self, t: BtfType) -> Any:
        inner = self.get(t.size_or_type)
        qualifier = {
            VOLATILE: self.drgn.Qualifiers.VOLATILE,
            CONST: self.drgn.Qualifiers.CONST,
            RESTRICT: self.drgn.Qualifiers.RESTRICT,
        }[t.kind]
        return inner.qualified(inner.qualifiers | qualifier)

    def _function(self, t: BtfType) -> Any:
        params = [self.drgn.TypeParameter(self._lazy(p_type), p_name or None) for p_name, p_type in t.items if p_type]
        variadic = bool(t.items) and t.items[-1][1] == 0
        return self.prog.function_type(self.get(t.size_or_type), params, variadic)

    def _lazy_type(self, type_id: int) -> Any:
        # typedef_type() takes a Type, not a thunk; typedefs of structs resolve their members lazily anyway.
        return self.get(type_id)
