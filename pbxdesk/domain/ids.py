"""The PBX's id formats, as the public record shows them (pbx-api-public.md, 8.2 and 8.3).

- ``CallID``: 32 lower-case hex digits, a UUID without its dashes.
- ``SubCallID``: ``<extension id>-<32 hex>``; the prefix is the extension the event belongs
  to. For the extension that started the call the hex is the ``CallID``; every other party
  of the call has a hex of its own.
- ``CallAPIID``: ``<10 digits>-<CallID as a dashed UUID>``; for a call started by the
  callback API ``cb-<10 digits>-<CallID>``.
- ``CallBackID``: the ``CallID`` (and the callback answer's ``call_id``).
- ``RecID``: the ``SubCallID`` of the hangup that carries it (the recorded sample shows them
  equal; REST lists it upper-cased as ``record_uuid``).

Pure functions of random bits: the simulator owns the random source, so a seeded scenario
gives the same ids and an unseeded one new ids at every start.
"""

from __future__ import annotations

import re

_VERSION_MASK = ~(0xF << 76) & ((1 << 128) - 1)
_VARIANT_MASK = ~(0x3 << 62) & ((1 << 128) - 1)

CALL_ID_RE = re.compile(r"[0-9a-f]{32}")
SUB_CALL_ID_RE = re.compile(r"[1-9][0-9]*-[0-9a-f]{32}")
CALL_API_ID_RE = re.compile(
    r"[0-9]{10}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|cb-[0-9]{10}-[0-9a-f]{32}"
)


def hex_id(bits: int) -> str:
    """128 random bits as a random (version 4) UUID's 32 lower-case hex digits."""
    return f"{(bits & _VERSION_MASK & _VARIANT_MASK) | (4 << 76) | (2 << 62):032x}"


def sub_call_id(extension_id: int, hex32: str) -> str:
    return f"{extension_id}-{hex32}"


def dashed(hex32: str) -> str:
    """``0123…`` as ``01234567-89ab-cdef-…``: the UUID's usual text form."""
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


def call_api_id(number: int, call_id: str, *, callback: bool = False) -> str:
    """The call's id in the API (``number`` is its 10-digit part)."""
    if callback:
        return f"cb-{number:010d}-{call_id}"
    return f"{number:010d}-{dashed(call_id)}"
