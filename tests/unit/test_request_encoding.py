"""The request a subscriber receives: the form encoding is urllib's, byte for byte."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from pbxdesk.domain.wire import _PAIR_CACHE_SIZE, _UNIQUE_FIELDS, _pairs, encode_fields

# Wire names (the cached ones and the per-call ones) and any text at all.
names = st.sampled_from(["CallerIDNum", "CalledNumber", "CallStatus", *sorted(_UNIQUE_FIELDS)]) | st.text()
values = st.text() | st.sampled_from(["000*100", "+79817654321", "Иван Петров", "a b&c=d", "%2B"])


@settings(max_examples=500)
@given(st.dictionaries(names, values, max_size=14))
def test_encode_fields_writes_what_urlencode_writes(fields: dict[str, str]) -> None:
    assert encode_fields(fields) == urlencode(fields)
    assert encode_fields(fields) == urlencode(fields)  # again, from the cache


def test_per_call_fields_do_not_evict_the_pairs_that_repeat() -> None:
    _pairs.clear()
    for i in range(2 * _PAIR_CACHE_SIZE):
        encode_fields({"CallID": f"call-{i}", "EventTime": str(i), "CallerIDNum": "000*100"})
    assert list(_pairs) == [("CallerIDNum", "000*100")]
