"""The emulator's pure parts: token splitting, safe arithmetic, tool arguments, request view."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from or_jupyter.emulator import arithmetic, request, tokens, toolcalls


@given(st.text())
def test_tokens_join_back_to_the_text(text):
    pieces = tokens.split(text)
    assert "".join(pieces) == text
    assert all(pieces) and tokens.count(text) == len(pieces)


def test_tokens_are_token_sized():
    assert tokens.split("Hello, world! 12345") == ["Hello", ",", " world", "!", " 123", "45"]
    assert tokens.truncate("one two three", 2) == "one two"


@pytest.mark.parametrize(
    "expression, value",
    [
        ("10*5", 50),
        ("2 + 3 * 4", 14),
        ("(2 + 3) ^ 2", 25),
        ("7 / 2", 3.5),
        ("-3 * -2", 6),
        ("2**10", 1024),
        ("17 % 5", 2),
        ("9 // 2", 4),
        ("6 × 7", 42),
        ("8 ÷ 4", 2),
    ],
)
def test_arithmetic_evaluates(expression, value):
    assert arithmetic.evaluate(expression) == value


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('true')",
        "x * 2",
        "[1] * 3",
        "'a' * 3",
        "2 ** 99999",
        "10 ** 10 ** 10",
        "(1).__class__",
        "1 if 1 else 2",
        "lambda: 1",
    ],
)
def test_arithmetic_refuses_anything_else(source):
    with pytest.raises(arithmetic.NotArithmetic):
        arithmetic.evaluate(source)


def test_solve_all_skips_dates_ranges_and_prose():
    found = arithmetic.solve_all("On 2025-10-12 call 555-1234 about pages 3-5: what is 4*2.5?")
    assert found == [("4*2.5", "10")]
    assert arithmetic.solve_all("Python 3.12 came out in 2023") == []


def test_schema_examples_follow_the_documented_order():
    root = {"$defs": {"Unit": {"enum": ["kelvin", "celsius"]}}}
    assert toolcalls.example({"type": "string", "const": "c", "enum": ["e"]}, root) == "c"
    assert toolcalls.example({"type": "string", "default": "d", "enum": ["e"]}, root) == "d"
    assert toolcalls.example({"type": "string", "enum": ["e", "f"], "examples": ["x"]}, root) == "e"
    assert toolcalls.example({"type": "string", "examples": ["x"]}, root) == "x"
    assert toolcalls.example({"type": "string", "example": "y"}, root) == "y"
    assert toolcalls.example({"$ref": "#/$defs/Unit"}, root) == "kelvin"
    assert toolcalls.example({"anyOf": [{"type": "null"}, {"type": "integer"}]}, root) == 0
    assert toolcalls.example({"type": ["null", "boolean"]}, root) is False
    assert toolcalls.example({"type": "string", "format": "date"}, root) == "2025-01-01"
    assert toolcalls.example({"type": "integer", "minimum": 3}, root) == 3
    assert toolcalls.example(
        {"type": "array", "items": {"type": "string"}, "minItems": 1}, root
    ) == ["example"]
    nested = {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "string"}},
        "required": ["a"],
    }
    assert toolcalls.example(nested, root) == {"a": 0}


def test_arguments_from_the_prompt_are_converted_to_the_parameter_type():
    tool = {
        "name": "book",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "nights": {"type": "integer"},
                "price": {"type": "number"},
                "breakfast": {"type": "boolean"},
                "tags": {"type": "array"},
                "room": {"type": "string", "enum": ["single", "double"]},
            },
        },
    }
    prompt = 'book city: "Paris, FR" nights=3 price=99.5 breakfast=yes tags=["a"] room=DOUBLE.'
    assert json.loads(toolcalls.arguments(tool, prompt)) == {
        "city": "Paris, FR",
        "nights": 3,
        "price": 99.5,
        "breakfast": True,
        "tags": ["a"],
        "room": "double",
    }
    wrong = json.loads(toolcalls.arguments(tool, "nights=many room=suite"))
    assert wrong["nights"] == 0 and wrong["room"] == "single"


@pytest.mark.parametrize(
    ("prompt", "value"),
    [
        ('location="Lisbon". Is it sunny?', "Lisbon"),
        ("location=Lisbon: do I need a jacket?", "Lisbon"),
        ("location=San Francisco, please", "San Francisco"),
        ("location: Oslo and then stop", "Oslo"),
        ("location=Rome.", "Rome"),
    ],
)
def test_argument_values_end_at_sentence_punctuation(prompt, value):
    tool = {
        "name": "w",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
    }
    assert json.loads(toolcalls.arguments(tool, prompt)) == {"location": value}


def test_tool_names_match_whole_words_only():
    tools = [{"name": "get_time", "parameters": {}}, {"name": "time", "parameters": {}}]
    assert [t["name"] for t in toolcalls.choose(tools, "auto", True, "Call GET_TIME")] == [
        "get_time"
    ]
    assert toolcalls.choose(tools, "auto", True, "my_get_time_x") == []


def test_request_view():
    view = request.parse({"model": "m", "input": "hi", "reasoning": {"effort": "none"}})
    assert view.effort is None and view.last_user_text == "hi" and view.items[0]["role"] == "user"
    view = request.parse({"input": [], "reasoning": {"max_tokens": 100}})
    assert view.effort == "medium" and view.model == "emulator/assistant"
    same = [
        request.parse({"model": m, "input": "x", "stream": s, "store": False}).seed
        for m in ("a", "b")
        for s in (True, False)
    ]
    assert len(set(same)) == 1
    assert request.parse({"input": "y"}).seed != same[0]
