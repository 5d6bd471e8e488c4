"""What an MCP tool's result becomes for the model, and what of a server's tool listing is
sent: pure conversions, on objects shaped as the `mcp` SDK's (no server needed)."""

from __future__ import annotations

import base64
from types import SimpleNamespace as Obj

import pytest

from or_jupyter.tools.mcp_servers import McpServerError, ServerHub
from or_jupyter.tools.mcp_tools import SCHEMA_LIMIT, McpTool, convert

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()


def result(*content, structured=None, error=False):
    return Obj(content=list(content), structured_content=structured, is_error=error)


def test_structured_content_is_sent_as_json_when_no_text_says_it():
    assert convert(result(structured={"temp": 21, "unit": "C"}), 100) == (
        '{"temp":21,"unit":"C"}',
        None,
        False,
    )
    text = Obj(type="text", text="21 C")
    assert convert(result(text, structured={"temp": 21}), 100) == ("21 C", None, False)


def test_resources_and_other_blocks_are_named_not_dropped():
    embedded = Obj(type="resource", resource=Obj(uri="file:///a.txt", text="the file's text"))
    link = Obj(type="resource_link", uri="file:///b.txt")
    audio = Obj(type="audio", data="AAAA", mime_type="audio/wav")
    text, parts, failed = convert(result(embedded, link, audio), 1_000)
    assert text == "the file's text\n[resource file:///b.txt]\n[audio content]"
    assert parts is None and failed is False


def test_long_text_is_capped_with_a_note():
    text, _, _ = convert(result(Obj(type="text", text="x" * 50)), 10)
    assert text.startswith("x" * 10) and "truncated 40 more characters" in text


def test_an_error_result_keeps_its_text_and_drops_its_images():
    image = Obj(type="image", data=PNG, mime_type="image/png")
    assert convert(result(Obj(type="text", text="no such city"), image, error=True), 100) == (
        "no such city",
        None,
        True,
    )


def test_an_image_that_is_not_an_image_type_is_left_out_with_a_note():
    odd = Obj(type="image", data=PNG, mime_type="application/x-sh")
    _, parts, _ = convert(result(Obj(type="text", text="t"), odd), 100)
    assert parts == [
        {"type": "input_text", "text": "t"},
        {"type": "input_text", "text": "[an image (application/x-sh) left out]"},
    ]


def listed(schema, description="Does things."):
    return Obj(name="do", description=description, input_schema=schema)


def test_a_listed_schema_is_checked_and_a_description_capped():
    tool = McpTool(
        ServerHub(), "srv", listed({"type": "string"}, "d" * 5_000), name="srv__do", confirm=True
    )
    assert tool.parameters == {"type": "object", "properties": {}}  # not an object schema
    assert len(tool.description) < 2_100 and tool.description.endswith(
        "(MCP server 'srv', tool 'do')"
    )
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}
    assert McpTool(ServerHub(), "srv", listed(schema), name="n", confirm=False).parameters == {
        "type": "object",
        "properties": {},
    }
    huge = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(2_000)}}
    with pytest.raises(McpServerError, match=f"at most {SCHEMA_LIMIT:,}"):
        McpTool(ServerHub(), "srv", listed(huge), name="n", confirm=False)
