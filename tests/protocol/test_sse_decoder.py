"""The incremental SSE decoder: framing rules and chunk-independence."""

from __future__ import annotations

import pytest
from helpers.recordings import FIXTURES, recorded_streams
from hypothesis import given, settings
from hypothesis import strategies as st

from or_jupyter.protocol import SSEDecoder


def decode(chunks: list[bytes]) -> list[tuple[str, bytes]]:
    decoder = SSEDecoder()
    out = [m for chunk in chunks for m in decoder.feed(chunk)]
    out += decoder.close()
    return [(m.event, m.data) for m in out]


def test_comments_and_keepalives_are_skipped():
    body = b': OPENROUTER PROCESSING\n\n: \n\ndata: {"a":1}\n\n'
    assert decode([body]) == [("message", b'{"a":1}')]


def test_event_lines_name_the_event_and_reset_after_dispatch():
    body = b"event: response.created\ndata: {}\n\ndata: {}\n\n"
    assert decode([body]) == [("response.created", b"{}"), ("message", b"{}")]


def test_multi_line_data_is_joined_with_newlines():
    assert decode([b'data: {\ndata: "a": 1\ndata: }\n\n']) == [("message", b'{\n"a": 1\n}')]


def test_crlf_lf_and_lone_cr_line_ends_are_equivalent():
    lf = decode([b"data: x\n\ndata: y\n\n"])
    assert decode([b"data: x\r\n\r\ndata: y\r\n\r\n"]) == lf
    assert decode([b"data: x\r\rdata: y\r\r"]) == lf


def test_crlf_split_between_chunks_is_one_line_end():
    assert decode([b"data: x\r", b"\n\r", b"\ndata: y\r\n\r\n"]) == [
        ("message", b"x"),
        ("message", b"y"),
    ]


def test_utf8_character_split_across_chunks_survives():
    body = 'data: {"t":"héllo ✓ 🙂"}\n\n'.encode()
    cut = body.index("✓".encode()) + 1
    assert decode([body[:cut], body[cut:]]) == [("message", '{"t":"héllo ✓ 🙂"}'.encode())]


def test_field_without_space_after_colon_and_done_marker():
    assert decode([b"data:[DONE]\n\n"]) == [("message", b"[DONE]")]


def test_last_event_without_blank_line_is_flushed_at_close():
    assert decode([b'data: {"a":1}']) == [("message", b'{"a":1}')]


def test_unknown_fields_are_ignored():
    assert decode([b"id: 7\nretry: 100\nfoo: bar\ndata: z\n\n"]) == [("message", b"z")]


def _split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(body) + 1) for c in cuts})
    pieces, start = [], 0
    for point in points + [len(body)]:
        pieces.append(body[start:point])
        start = point
    return pieces


SMALL_STREAMS = [
    (FIXTURES / f"{name}.response.sse").read_bytes()
    for name in recorded_streams()
    if (FIXTURES / f"{name}.response.sse").stat().st_size < 20_000
]


@settings(max_examples=200, deadline=None)
@given(
    body=st.sampled_from(SMALL_STREAMS),
    cuts=st.lists(st.integers(min_value=0, max_value=10**6), max_size=40),
    crlf=st.booleans(),
)
def test_any_split_of_a_recorded_stream_decodes_to_the_same_events(body, cuts, crlf):
    if crlf:
        body = body.replace(b"\n", b"\r\n")
    assert decode(_split(body, cuts)) == decode([body])


events = st.lists(
    st.tuples(
        st.sampled_from(["", "response.output_text.delta", "error"]),
        st.lists(
            st.text(
                alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
                max_size=20,
            ),
            min_size=1,
            max_size=3,
        ),
    ),
    max_size=8,
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(events=events, cuts=st.lists(st.integers(min_value=0, max_value=10**4), max_size=30))
def test_any_split_of_any_valid_stream_decodes_to_the_events_written(events, cuts):
    body = b""
    expected = []
    for name, lines in events:
        if name:
            body += f"event: {name}\n".encode()
        body += b": keep-alive\n"
        body += "".join(f"data: {line}\n" for line in lines).encode() + b"\n"
        expected.append((name or "message", "\n".join(lines).encode()))
    assert decode(_split(body, cuts)) == expected


def test_a_multi_megabyte_event_in_many_chunks_decodes_byte_identical():
    payload = ('{"delta":"' + "héllo ✓ wörld 🙂 " * 200_000 + '"}').encode()
    body = b"event: big\ndata: " + payload + b"\r\n\r\ndata: after\n\n"
    chunks = [body[i : i + 4093] for i in range(0, len(body), 4093)]
    assert len(payload) > 4_000_000 and len(chunks) > 1000
    assert decode(chunks) == [("big", payload), ("message", b"after")]


def test_a_cr_ending_a_chunk_then_an_empty_chunk_then_lf_is_one_line_end():
    assert decode([b"data: x\r", b"", b"\n", b"\r\n", b"data: y\n\n"]) == [
        ("message", b"x"),
        ("message", b"y"),
    ]


def test_a_long_last_line_without_its_line_end_is_flushed_at_close():
    line = b"x" * 300_000
    chunks = [b"data: "] + [line[i : i + 1000] for i in range(0, len(line), 1000)]
    assert decode(chunks) == [("message", line)]


long_line_streams = st.lists(
    st.tuples(
        st.sampled_from(["", "response.output_text.delta"]),
        st.lists(
            st.one_of(
                st.binary(max_size=30).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
                st.integers(min_value=1_000, max_value=60_000).map(lambda n: b"\xc3\xa9" * n),
            ),
            min_size=1,
            max_size=3,
        ),
        st.sampled_from([b"\n", b"\r\n", b"\r"]),
    ),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(
    events=long_line_streams,
    cuts=st.lists(st.integers(min_value=0, max_value=10**6), max_size=60),
    final_blank=st.booleans(),
)
@pytest.mark.slow
def test_any_split_of_a_stream_with_long_lines_gives_the_messages_of_feeding_it_whole(
    events, cuts, final_blank
):
    body = b""
    for name, lines, end in events:
        if name:
            body += f"event: {name}".encode() + end
        body += b": comment" + end
        body += b"".join(b"data: " + line + end for line in lines) + end
    if not final_blank and body:
        body = body[: -len(events[-1][2])]
    whole = decode([body])
    assert len(whole) == len(events)
    assert decode(_split(body, cuts)) == whole
