"""GeoReport v2's two formats: the same data as JSON or as XML.

The XML shapes follow the specification's examples: a root element holding one element per
item (`<services><service>…`), nested lists as a plural element holding singular ones
(`<attributes><attribute>…`, `<values><value>…`), booleans as true/false and absent values
left out.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from flask import Response

from core.text import xml_safe

MIMETYPES = {"json": "application/json", "xml": "text/xml"}
# Plural element -> the element of each of its items.
ITEM_NAMES = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_safe(str(value))


def _fill(element: ElementTree.Element, name: str, value: Any) -> None:
    if value is None:
        return
    child = ElementTree.SubElement(element, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(child, key, inner)
    elif isinstance(value, list):
        item_name = ITEM_NAMES.get(name, "item")
        for inner in value:
            _fill(child, item_name, inner)
    else:
        child.text = _text(value)


def to_xml(root: str, data: list[dict[str, Any]] | dict[str, Any], item: str = "") -> bytes:
    """`data` as an XML document: a list under `root` with one `item` element each."""
    element = ElementTree.Element(root)
    if isinstance(data, list):
        for entry in data:
            _fill(element, item, entry)
    else:
        for key, value in data.items():
            _fill(element, key, value)
    body: bytes = ElementTree.tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def respond(
    fmt: str,
    data: list[dict[str, Any]] | dict[str, Any],
    *,
    root: str,
    item: str = "",
    status: int = 200,
) -> Response:
    """The response in the format the path asked for (JSON unless it said xml)."""
    if fmt == "xml":
        body = to_xml(root, data, item)
    else:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        fmt = "json"
    return Response(body, status=status, content_type=f"{MIMETYPES[fmt]}; charset=utf-8")


def errors(fmt: str, status: int, *descriptions: str) -> Response:
    """The specification's error list: one {code, description} per problem."""
    data = [{"code": status, "description": text} for text in descriptions]
    return respond(fmt, data, root="errors", item="error", status=status)
