"""Content-Type headers read one way, by the client's stream and the kept copies alike."""

from or_jupyter.protocol.media import is_json, media_type


def test_media_type_drops_parameters_and_case():
    assert media_type("Text/Event-Stream; charset=utf-8") == "text/event-stream"
    assert media_type("  application/json  ") == "application/json"
    assert media_type("") == ""


def test_json_includes_structured_suffixes_and_nothing_else():
    assert is_json("application/json") and is_json("application/problem+json")
    assert not is_json("text/html") and not is_json("") and not is_json("application/jsonl")
