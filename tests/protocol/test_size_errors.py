"""Errors caused by a request's size are recognised in every shape, and say how to shrink it."""

from __future__ import annotations

import json

import pytest
from helpers.recordings import recorded

from or_jupyter.protocol import (
    BadRequestError,
    EventTooLargeError,
    ResponseFailedError,
    ResponseTooLargeError,
    error_for_status,
    error_from_event,
    failed_body_error,
    too_large,
)
from or_jupyter.protocol.errors import SIZE_HINT


def recorded_output_limit() -> ResponseFailedError:
    """The in-stream error of a recorded OpenRouter stream that hit its *output* limit."""
    raw, _, _ = recorded("openrouter-midstream-error-chat.0")
    chunk = next(json.loads(line[6:]) for line in raw.decode().splitlines() if '"error"' in line)
    error = error_from_event(chunk)
    return ResponseFailedError(error["message"], code=error["code"])


def body(message: str, **extra) -> bytes:
    return json.dumps({"error": {"code": 400, "message": message, **extra}}).encode()


OPENROUTER = (
    "This endpoint's maximum context length is 131072 tokens. However, you requested about "
    "140241 tokens (140241 of text input). Please reduce the length of either one, or use the "
    '"middle-out" transform to compress your prompt automatically.'
)


@pytest.mark.parametrize(
    "error",
    [
        error_for_status(413, b'{"error":{"code":413,"message":"Request body too large"}}'),
        error_for_status(413, b"<html><body>413 Request Entity Too Large</body></html>"),
        error_for_status(400, body(OPENROUTER)),
        error_for_status(
            400,
            body(
                "Provider returned error",
                metadata={"provider_name": "Anthropic", "raw": "prompt is too long: 210000 tokens"},
            ),
        ),
        error_for_status(
            400, body("Bad request", metadata={"error_type": "context_length_exceeded"})
        ),
        error_for_status(
            400,
            body("The input token count (1200000) exceeds the maximum number of tokens allowed"),
        ),
        failed_body_error(
            {
                "status": "failed",
                "error": {
                    "code": "context_length_exceeded",
                    "message": "Your input exceeds the context window of this model.",
                },
            }
        ),
    ],
    ids=["413-json", "413-html", "openrouter", "anthropic-raw", "error-type", "gemini", "openai"],
)
def test_size_errors_are_recognised_and_their_hint_names_reset_new_and_truncation(error):
    assert too_large(error)
    assert error.hint == SIZE_HINT
    for words in ("`%responses reset`", "`-n`", "truncation=auto", "history_limit"):
        assert words in error.hint


@pytest.mark.parametrize(
    "error",
    [
        error_for_status(400, body("openai/gpt-9 is not a valid model ID")),
        error_for_status(422, body("temperature must be a number", code=["odd", "code"])),
        ResponseTooLargeError("the response body is over 64 MB", limit=1),
        EventTooLargeError("one event is over 16 MB"),
        recorded_output_limit(),  # "Token limit reached": the answer's length, not the input's
    ],
    ids=["bad-model", "unhashable-code", "body-too-large", "event-too-large", "output-limit"],
)
def test_other_errors_keep_their_own_hints(error):
    assert not too_large(error)
    assert error.hint != SIZE_HINT


def test_a_413_is_still_a_bad_request():
    error = error_for_status(413, b"{}")
    assert isinstance(error, BadRequestError) and error.status_code == 413
