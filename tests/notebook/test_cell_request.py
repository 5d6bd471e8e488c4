"""Reading a `%%responses` cell into a request, without a shell: the options, the settings
they fall back on, and a one-line `UsageError` for every bad value."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from or_jupyter.notebook.request import CellDefaults, read_cell

DEFAULTS = CellDefaults(model="emulator/echo")


def test_a_bare_cell_is_its_prompt_sent_to_the_default_model_of_the_default_conversation():
    request = read_cell("", "  Hello there  \n", DEFAULTS, {})
    assert request.prompt == "Hello there"
    assert request.overrides == {"model": "emulator/echo"}
    assert (request.chat, request.new, request.stream, request.models) == (
        "default",
        False,
        True,
        [],
    )


def test_options_override_the_settings_and_the_settings_fill_the_rest():
    defaults = CellDefaults(
        model="emulator/echo", reasoning="low", temperature=0.5, instructions="Be brief."
    )
    request = read_cell(
        "-m openai/gpt-5-mini --summary auto --temperature 0 --max-output-tokens 64 "
        "--tool-choice required -c side -n --no-stream -o answer",
        "Hi",
        defaults,
        {},
    )
    assert request.overrides == {
        "model": "openai/gpt-5-mini",
        "reasoning": {"effort": "low", "summary": "auto"},
        "max_output_tokens": 64,
        "temperature": 0.0,
        "instructions": "Be brief.",
        "tool_choice": "required",
    }
    assert (request.chat, request.new, request.stream, request.out) == (
        "side",
        True,
        False,
        "answer",
    )


def test_notebook_values_are_filled_in_and_tools_are_named_not_looked_up():
    request = read_cell("-t area,volume --context 2", "Side {side}", DEFAULTS, {"side": 3})
    assert request.prompt == "Side 3"
    assert request.tools == ["area", "volume"]
    assert request.context == 2


def test_several_models_compare_without_a_model_override():
    request = read_cell("-m a/one,b/two", "Hi", DEFAULTS, {})
    assert request.models == ["a/one", "b/two"]
    assert "model" not in request.overrides


def test_routing_web_and_image_output_become_request_parameters():
    defaults = CellDefaults(model="a/one", provider="sort=price")
    request = read_cell(
        "--fallback b/two --provider zdr --web-max-results 3 --image-out", "Hi", defaults, {}
    )
    assert request.overrides["models"] == ["a/one", "b/two"]
    assert request.overrides["provider"] == {"sort": "price", "zdr": True}
    assert request.overrides["web"] == {"max_results": 3}
    assert request.overrides["modalities"] == ["image", "text"]


@pytest.mark.parametrize(
    ("line", "cell", "message"),
    [
        ("--reasoning loud", "Hi", "--reasoning must be one of"),
        ("--summary long", "Hi", "--summary must be one of"),
        ("--context 0", "Hi", "--context takes a positive number of cells"),
        ("--max-output-tokens many", "Hi", "invalid int value"),
        ("-m a/one,a/one", "Hi", "a model is named twice"),
        ("-m a/one,b/two --fallback c/three", "Hi", "--fallback works with one model"),
        ("--fallback ,", "Hi", "--fallback needs model ids"),
        ("--provider sort=cheapest", "Hi", "--provider"),
        ("--web-domains a.com --web-exclude b.com", "Hi", "cannot be used together"),
        ("--schema Missing", "Hi", "--schema Missing: no variable 'Missing' in the notebook"),
        ("--image nowhere.png", "Hi", "--image nowhere.png"),
        ("", "   \n", "the cell is empty"),
        ("--no-such-option", "Hi", "unrecognized arguments"),
    ],
)
def test_a_bad_value_is_one_line_of_usage(line, cell, message):
    with pytest.raises(UsageError) as raised:
        read_cell(line, cell, DEFAULTS, {})
    text = str(raised.value)
    assert message in text
    assert "\n" not in text.strip()


def test_the_defaults_are_read_from_the_magics_settings():
    class Settings:
        model, reasoning, summary, max_output_tokens = "a/one", "high", None, 10
        temperature, instructions, provider, truncation = None, "Hi", None, "auto"

    assert CellDefaults.of(Settings()) == CellDefaults(
        model="a/one", reasoning="high", max_output_tokens=10, instructions="Hi", truncation="auto"
    )


def test_the_magic_default_model_is_the_conversations():
    from or_jupyter.chat.conversation import Conversation
    from or_jupyter.notebook.options import DEFAULT_MODEL as MAGIC_DEFAULT

    assert Conversation().model == MAGIC_DEFAULT
