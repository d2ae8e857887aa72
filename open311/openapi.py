"""The OpenAPI 3.0 description of the Open311 API, served at /open311/v2/openapi.json.

Written by hand from the GeoReport v2 specification and checked against the running API by
a schemathesis run in the test suite (tests/open311/test_schema.py).
"""

from __future__ import annotations

from typing import Any

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["json", "xml"]},
    "description": "json or xml",
}
JURISDICTION = {
    "name": "jurisdiction_id",
    "in": "query",
    "schema": {"type": "string", "maxLength": 100},
    "description": "The kommun: its four-digit code (e.g. 1487) or its slug. Needed when "
    "the server has more than one kommun, unless the API key belongs to one.",
}
API_KEY = {
    "name": "api_key",
    "in": "query",
    "schema": {"type": "string", "maxLength": 200},
    "description": "Optional for reads; a staff key of the kommun reads reports as they are "
    "(see ServiceRequest). May be sent in an X-Api-Key header instead; a request naming two "
    "different keys is refused (400).",
}


PUBLIC_READS = (
    "Reads without a staff key of the kommun (no key, a client key, another kommun's key) "
    "show what the public map may show and no more. A request is listed only when at least "
    "k reports (PUBLIC_MIN_CELL_REPORTS, 5 by default) of the past 365 days in its 250 m "
    "SWEREF 99 TM cell share its service code; it carries an opaque id, the cell's centre, "
    "the week it came in and its status, never the registration number, the pin, the time, "
    "the text or the address. Requests in other cells are not listed and their ids answer "
    "404, as ids that never existed do. A staff key of the kommun reads every request with "
    "its registration number, exact place and time and the text with personal details "
    "masked; each such read is audit-logged."
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "application/json": {"schema": schema},
        "text/xml": {"schema": {"type": "string"}},
    }


def _errors(*codes: int) -> dict[str, Any]:
    texts = {
        400: "A parameter is missing or wrong",
        403: "The API key is missing, unknown, revoked or not for this kommun",
        404: "No such kommun, service or request",
        429: "Too many requests",
    }
    return {
        str(code): {"description": texts[code], "content": _content(_ref("Errors"))}
        for code in codes
    }


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "nullable": True, **extra}


SCHEMAS: dict[str, Any] = {
    "Errors": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        },
    },
    "Discovery": {
        "type": "object",
        "required": ["changeset", "endpoints"],
        "properties": {
            "changeset": {"type": "string"},
            "contact": {"type": "string"},
            "key_service": {"type": "string"},
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["specification", "url", "type", "formats"],
                    "properties": {
                        "specification": {"type": "string"},
                        "url": {"type": "string"},
                        "changeset": {"type": "string"},
                        "type": {"type": "string", "enum": ["production", "test"]},
                        "formats": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    },
    "Service": {
        "type": "object",
        "required": ["service_code", "service_name", "metadata", "type"],
        "properties": {
            "service_code": {"type": "string"},
            "service_name": {"type": "string"},
            "description": {"type": "string"},
            "metadata": {"type": "boolean"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": {"type": "string"},
            "group": {"type": "string"},
        },
    },
    "ServiceDefinition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {
            "service_code": {"type": "string"},
            "attributes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["variable", "code", "datatype", "required", "order"],
                    "properties": {
                        "variable": {"type": "boolean"},
                        "code": {"type": "string"},
                        "datatype": {
                            "type": "string",
                            "enum": [
                                "string",
                                "number",
                                "datetime",
                                "text",
                                "singlevaluelist",
                                "multivaluelist",
                            ],
                        },
                        "required": {"type": "boolean"},
                        "datatype_description": _nullable("string"),
                        "order": {"type": "integer"},
                        "description": {"type": "string"},
                        "values": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["key", "name"],
                                "properties": {
                                    "key": {"type": "string"},
                                    "name": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "ServiceRequest": {
        "type": "object",
        "required": ["service_request_id", "status", "requested_datetime"],
        "properties": {
            "service_request_id": {
                "type": "string",
                "description": "The registration number for a staff key of the kommun; "
                "otherwise an opaque public id (the registration number is sequential and "
                "would tell when a report came in).",
            },
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": _nullable("string"),
            "service_name": _nullable("string"),
            "service_code": _nullable(
                "string",
                description="The request's service: the report's first reason (in code "
                "order). A report with several reasons is one request under this code.",
            ),
            "description": {
                "type": "string",
                "description": "Staff keys only, with personal details masked.",
            },
            "agency_responsible": _nullable("string"),
            "service_notice": _nullable("string"),
            "requested_datetime": {
                "type": "string",
                "format": "date-time",
                "description": "Exact for staff keys; otherwise the start of the week "
                "(Monday 00:00, Swedish time) it came in.",
            },
            "updated_datetime": _nullable(
                "string", format="date-time", description="As requested_datetime."
            ),
            "expected_datetime": _nullable("string", format="date-time"),
            "address": _nullable("string", description="Staff keys only, masked."),
            "lat": {
                "type": "number",
                "description": "Exact for staff keys; otherwise the centre of the "
                "request's 250 m SWEREF 99 TM cell.",
            },
            "long": {"type": "number"},
        },
    },
    "PostAnswer": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_request_id"],
            "properties": {
                "service_request_id": {
                    "type": "string",
                    "description": "The id this key reads the request by: the registration "
                    "number for a staff key of the kommun, otherwise the public id (readable "
                    "once k reports in the cell share the service).",
                },
                "token": {"type": "string"},
                "service_notice": {"type": "string"},
                "account_id": _nullable("string"),
            },
        },
    },
    "Tokens": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_request_id", "token"],
            "properties": {
                "service_request_id": {"type": "string"},
                "token": {"type": "string"},
            },
        },
    },
}

_ATTRIBUTE_FIELDS = {
    "attribute[kind]": {"type": "string", "enum": ["otrygg", "trygg"]},
    "attribute[times][]": {
        "type": "array",
        "items": {"type": "string", "enum": ["dag", "kvall", "natt"]},
    },
    "attribute[day_types][]": {
        "type": "array",
        "items": {"type": "string", "enum": ["vardag", "helg"]},
    },
    "attribute[recurring]": {"type": "string", "enum": ["ja", "nej"]},
    "attribute[unsafe_level]": {"type": "string", "enum": ["1", "2", "3"]},
    "attribute[own_experience]": {"type": "string", "enum": ["egen", "hort"]},
    "attribute[age_band]": {"type": "string"},
    "attribute[gender]": {"type": "string", "enum": ["kvinna", "man", "annat"]},
    "attribute[consent]": {"type": "string", "enum": ["ja"]},
}

POST_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["api_key", "service_code"],
                "properties": {
                    "api_key": {"type": "string", "maxLength": 200},
                    "jurisdiction_id": {"type": "string", "maxLength": 100},
                    "service_code": {"type": "string", "maxLength": 100},
                    "lat": {"type": "number", "minimum": -90, "maximum": 90},
                    "long": {"type": "number", "minimum": -180, "maximum": 180},
                    "address_string": {"type": "string", "maxLength": 300},
                    "email": {"type": "string", "maxLength": 254},
                    "description": {"type": "string", "maxLength": 4000},
                    **_ATTRIBUTE_FIELDS,
                },
            }
        }
    },
}


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "schema": {"type": "string", **schema},
        "description": description,
    }


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def document(server_url: str) -> dict[str, Any]:
    """The whole OpenAPI document, with the server's own base URL."""
    reads = [JURISDICTION, API_KEY]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Tryggkartan Open311 GeoReport v2",
            "version": "2",
            "description": "Trygghetsförslag as Open311 service requests. Services are the "
            "reasons residents give; each kommun is a jurisdiction. Every path takes a "
            "format suffix, .json or .xml.\n\n" + PUBLIC_READS,
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/discovery.{format}": {
                "get": {
                    "summary": "Discovery",
                    "parameters": [FORMAT],
                    "responses": {
                        "200": {"description": "Endpoints", "content": _content(_ref("Discovery"))},
                        **_errors(404, 429),
                    },
                }
            },
            "/services.{format}": {
                "get": {
                    "summary": "The services (the reasons of the taxonomy)",
                    "parameters": [FORMAT, *reads],
                    "responses": {
                        "200": {
                            "description": "Services",
                            "content": _content({"type": "array", "items": _ref("Service")}),
                        },
                        **_errors(400, 403, 404, 429),
                    },
                }
            },
            "/services/{service_code}.{format}": {
                "get": {
                    "summary": "A service's definition and attributes",
                    "parameters": [_path("service_code"), FORMAT, *reads],
                    "responses": {
                        "200": {
                            "description": "Definition",
                            "content": _content(_ref("ServiceDefinition")),
                        },
                        **_errors(400, 403, 404, 429),
                    },
                }
            },
            "/requests.{format}": {
                "get": {
                    "summary": "Service requests, newest first",
                    "description": PUBLIC_READS,
                    "parameters": [
                        FORMAT,
                        *reads,
                        _query("service_request_id", "Comma-separated ids; other filters ignored"),
                        _query(
                            "service_code",
                            "Comma-separated service codes; a request is found under its "
                            "own service_code only",
                        ),
                        _query("status", "open, closed or both", maxLength=20),
                        _query(
                            "start_date",
                            "W3C date-time; default: 90 days ago. Public reads match whole weeks",
                        ),
                        _query("end_date", "W3C date-time. Public reads match whole weeks"),
                        _query("page", "1, 2, … (an extension)", pattern="^[0-9]{1,7}$"),
                        _query("page_size", "At most 1000 (an extension)", pattern="^[0-9]{1,4}$"),
                    ],
                    "responses": {
                        "200": {
                            "description": "Requests",
                            "content": _content({"type": "array", "items": _ref("ServiceRequest")}),
                        },
                        **_errors(400, 403, 404, 429),
                    },
                },
                "post": {
                    "summary": "Create a service request (a trygghetsförslag)",
                    "parameters": [
                        FORMAT,
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "An extension: the same key (per API key) sent "
                            "again gets the first answer (200) and stores nothing new.",
                        },
                    ],
                    "requestBody": POST_BODY,
                    "responses": {
                        "201": {"description": "Created", "content": _content(_ref("PostAnswer"))},
                        "200": {
                            "description": "Sent before with this Idempotency-Key",
                            "content": _content(_ref("PostAnswer")),
                        },
                        **_errors(400, 403, 404, 429),
                    },
                },
            },
            "/requests/{service_request_id}.{format}": {
                "get": {
                    "summary": "One service request",
                    "description": "By registration number with a staff key of the kommun, "
                    "otherwise by public id; see GET /requests for what the public reads.",
                    "parameters": [_path("service_request_id"), FORMAT, *reads],
                    "responses": {
                        "200": {
                            "description": "The request",
                            "content": _content({"type": "array", "items": _ref("ServiceRequest")}),
                        },
                        **_errors(400, 403, 404, 429),
                    },
                }
            },
            "/tokens/{token}.{format}": {
                "get": {
                    "summary": "The request id of a token",
                    "parameters": [_path("token"), FORMAT, *reads],
                    "responses": {
                        "200": {"description": "Found", "content": _content(_ref("Tokens"))},
                        **_errors(400, 403, 404, 429),
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
