"""The OpenAPI 3.1 description of /api/v1, built in code and served without log-in."""

from flask import current_app

from crm.api import blueprint
from crm.api.auth import public
from crm.api.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE
from crm.services.enterprises import (
    DECIMAL_FIELDS,
    FLAG_FIELDS,
    MAX_EMPLOYEES,
    RATING_FIELDS,
)
from crm.vocabulary import ENTERPRISE_TAG, RATING


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


DECIMAL_UNITS = {
    "output_wan": "annual output, 万元",
    "tax_wan": "annual tax paid, 万元",
    "rd_spend_wan": "R&D spend, 万元",
    "registered_capital_wan": "registered capital, 万元",
    "land_mu": "land area, 亩 (two decimals)",
    "energy_tce": "energy use, tonnes of standard coal equivalent",
    "emissions_t": "emissions, tonnes",
}
FLAG_MEANINGS = {
    "is_leading": "龙头 (leading enterprise)",
    "is_chain_leader": "链主 (chain leader)",
    "is_above_scale": "规上 (above designated size)",
    "is_local": "local enterprise (false: an outside enterprise the bureau targets)",
}

# The fields a client may write, as the record shows them.
WRITABLE_SCHEMAS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "uscc": _nullable(
        {
            "type": "string",
            "description": "统一社会信用代码 (18 characters, checked); sent normalised.",
            "pattern": "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        }
    ),
    "aliases": {"type": "array", "items": {"type": "string", "maxLength": 200}, "maxItems": 50},
    **{
        flag: {"type": "boolean", "description": meaning} for flag, meaning in FLAG_MEANINGS.items()
    },
    "district": _nullable({"type": "string", "description": "The district's administrative code."}),
    "segments": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Codes of chain segments (level 'segment'), e.g. M501.",
    },
    "tags": {"type": "array", "items": {"type": "string", "enum": list(ENTERPRISE_TAG.keys)}},
    "location": {"oneOf": [_ref("Location"), {"type": "null"}]},
    **{
        field: _nullable(
            {
                "type": "string",
                "pattern": r"^\d+(\.\d+)?$",
                "description": f"{DECIMAL_UNITS[field]}; a decimal string, ≥ 0.",
            }
        )
        for field in DECIMAL_FIELDS
    },
    "employees": _nullable({"type": "integer", "minimum": 0, "maximum": MAX_EMPLOYEES}),
    **{
        field: {"enum": [*RATING.keys, None], "description": "A rating key, or null."}
        for field in RATING_FIELDS
    },
    "established_on": _nullable({"type": "string", "format": "date"}),
    "legal_representative": _nullable({"type": "string", "maxLength": 80}),
    "address": _nullable({"type": "string", "maxLength": 300}),
    "industry_code": _nullable(
        {"type": "string", "maxLength": 10, "description": "GB/T 4754 industry code."}
    ),
}
READ_ONLY_SCHEMAS = {
    "id": {"type": "integer"},
    "version": {"type": "integer", "description": "Send it back with an update."},
    "name_initials": {"type": "string", "description": "Pinyin initials of the name."},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
}
# Input is more lenient than output: decimals may come as JSON numbers too.
INPUT_SCHEMAS = WRITABLE_SCHEMAS | {
    field: {
        "type": ["string", "number", "null"],
        "description": f"{DECIMAL_UNITS[field]}; a decimal string or a number, ≥ 0.",
    }
    for field in DECIMAL_FIELDS
}
SUMMARY_FIELDS = (
    "id",
    "version",
    "uscc",
    "name",
    "name_initials",
    "district",
    *FLAG_FIELDS,
    "output_wan",
    "tax_wan",
    "employees",
    "updated_at",
)
ENTERPRISE_SCHEMAS = READ_ONLY_SCHEMAS | WRITABLE_SCHEMAS


def _query(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


LIST_PARAMETERS = {
    "page": _query("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number."),
    "per_page": _query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        "Items per page.",
    ),
    "q": _query(
        "q",
        {"type": "string", "maxLength": 200},
        "A part of the name, or the start of its pinyin initials; case-insensitive.",
    ),
    "uscc": _query("uscc", {"type": "string"}, "A credit code, normalised before matching."),
    "segment": _query("segment", {"type": "string"}, "A chain segment code."),
    "district": _query("district", {"type": "string"}, "A district code."),
    "tag": _query("tag", {"enum": list(ENTERPRISE_TAG.keys)}, "An enterprise tag."),
    **{
        flag: _query(flag, {"type": "boolean"}, f"true or false: {meaning}.")
        for flag, meaning in FLAG_MEANINGS.items()
    },
}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "BadRequest": _error(
        "Malformed JSON, a body that is not an object, unknown or read-only "
        "fields (codes malformed_json, not_an_object, unknown_fields), or a "
        "cookie-session write without a valid X-CSRFToken header (csrf)."
    ),
    "Unauthorized": _error("No valid token or session (unauthorized)."),
    "Forbidden": _error("The caller's role may not do this (forbidden)."),
    "NotFound": _error("Absent, deleted, or outside the caller's scope (not_found)."),
    "Invalid": _error("Invalid values; `fields` names each one (invalid)."),
    "Conflict": _json(
        "The record changed since `version` was read (conflict); `current` is the record now.",
        _ref("Conflict"),
    ),
}


def _responses(success: dict, *errors: str) -> dict:
    return success | {
        status: {"$ref": f"#/components/responses/{name}"}
        for status, name in (
            ("400", "BadRequest"),
            ("401", "Unauthorized"),
            ("403", "Forbidden"),
            ("404", "NotFound"),
            ("409", "Conflict"),
            ("422", "Invalid"),
        )
        if name in errors
    }


def _record_id() -> dict:
    return {"name": "enterprise_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


PATHS = {
    "/enterprises": {
        "get": {
            "operationId": "listEnterprises",
            "summary": "Live enterprises by id, one page at a time.",
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in LIST_PARAMETERS],
            "responses": _responses(
                {"200": _json("A page of enterprises.", _ref("EnterprisePage"))},
                "Unauthorized",
                "Forbidden",
                "Invalid",
            ),
        },
        "post": {
            "operationId": "createEnterprise",
            "summary": "Create an enterprise.",
            "requestBody": _body("EnterpriseInput"),
            "responses": _responses(
                {
                    "201": {
                        **_json("Created.", _ref("Enterprise")),
                        "headers": {
                            "Location": {
                                "description": "The new record's address.",
                                "schema": {"type": "string"},
                            }
                        },
                    }
                },
                "BadRequest",
                "Unauthorized",
                "Forbidden",
                "Invalid",
            ),
        },
    },
    "/enterprises/{enterprise_id}": {
        "parameters": [_record_id()],
        "get": {
            "operationId": "getEnterprise",
            "summary": "One enterprise.",
            "responses": _responses(
                {"200": _json("The enterprise.", _ref("Enterprise"))},
                "Unauthorized",
                "NotFound",
            ),
        },
        "patch": {
            "operationId": "updateEnterprise",
            "summary": "Change some fields; `version` is required.",
            "requestBody": _body("EnterprisePatch"),
            "responses": _responses(
                {"200": _json("The enterprise as changed.", _ref("Enterprise"))},
                "BadRequest",
                "Unauthorized",
                "Forbidden",
                "NotFound",
                "Conflict",
                "Invalid",
            ),
        },
        "delete": {
            "operationId": "deleteEnterprise",
            "summary": "Delete an enterprise (it is kept, marked deleted, and no longer shown).",
            "responses": _responses(
                {"204": {"description": "Deleted."}},
                "BadRequest",
                "Unauthorized",
                "Forbidden",
                "NotFound",
            ),
        },
    },
    "/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document.",
            "security": [],
            "responses": {"200": _json("The OpenAPI document.", {"type": "object"})},
        }
    },
}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _schemas() -> dict:
    error = _object(
        {
            "code": {"type": "string", "description": "Stable, for programs."},
            "message": {"type": "string", "description": "For people, in the asked language."},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
        ["code", "message", "fields"],
    )
    return {
        "Location": _object(
            {
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
            },
            ["lon", "lat"],
        )
        | {"description": "WGS-84."},
        "Enterprise": _object(ENTERPRISE_SCHEMAS, sorted(ENTERPRISE_SCHEMAS)),
        "EnterpriseSummary": _object(
            {name: ENTERPRISE_SCHEMAS[name] for name in SUMMARY_FIELDS}, list(SUMMARY_FIELDS)
        ),
        "EnterpriseInput": _object(INPUT_SCHEMAS, ["name"]),
        "EnterprisePatch": _object(
            INPUT_SCHEMAS | {"version": READ_ONLY_SCHEMAS["version"]}, ["version"]
        ),
        "Error": _object({"error": error}, ["error"]),
        "Conflict": _object({"error": error, "current": _ref("Enterprise")}, ["error", "current"]),
        "Page": _object(
            {
                "items": {"type": "array"},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                "next": {"type": ["integer", "null"], "description": "The next page, or null."},
            },
            ["items", "page", "per_page", "next"],
        ),
        "EnterprisePage": {
            "allOf": [
                _ref("Page"),
                {"properties": {"items": {"type": "array", "items": _ref("EnterpriseSummary")}}},
            ]
        },
    }


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "InvestAtlas (招商图谱) API",
            "version": "1",
            "description": (
                f"{current_app.config['CITY_EN']}'s investment-promotion CRM. Money is a decimal "
                "string in 万元, locations are WGS-84, districts are referred to by code and "
                "enumerations by key. Messages follow Accept-Language (Chinese by default)."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `flask --app app create-token NAME`.",
                },
                "cookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": current_app.config.get("SESSION_COOKIE_NAME", "session"),
                    "description": "The browser's log-in session; writes also need the "
                    "page's CSRF token in an X-CSRFToken header.",
                },
            },
            "parameters": LIST_PARAMETERS,
            "responses": ERRORS,
            "schemas": _schemas(),
        },
    }


@blueprint.get("/openapi.json")
@public
def openapi_json():
    return document()
