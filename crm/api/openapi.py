"""The OpenAPI 3.1 description of /api/v1, built from the resources' declarations and served
without log-in. Routes outside the resource layer describe themselves with `describe`."""

import re

from flask import current_app

from crm.api import blueprint
from crm.api.auth import public
from crm.api.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE
from crm.api.resource import RESOURCES, Resource

# Operations that are not one of a resource's five: {path: {method: operation}}.
EXTRA_PATHS: dict[str, dict] = {}

STATUS_RESPONSES = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "413": "TooLarge",
    "415": "UnsupportedMediaType",
    "422": "Invalid",
    "429": "TooManyRequests",
}


def describe(path: str, method: str, operation: dict) -> None:
    """Add an operation of a hand-written route (its path in OpenAPI's {name} spelling)."""
    EXTRA_PATHS.setdefault(path, {})[method] = operation


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def responses(success: dict, statuses: str = "") -> dict:
    """The success answers and references to the shared error answers (statuses: "401 404")."""
    return success | {
        status: {"$ref": f"#/components/responses/{STATUS_RESPONSES[status]}"}
        for status in statuses.split()
    }


def _error(description: str) -> dict:
    return json_content(description, ref("Error"))


ERRORS = {
    "BadRequest": _error(
        "Malformed JSON, a body that is not an object, an object with a key twice, unknown or "
        "read-only fields (codes malformed_json, not_an_object, duplicate_key, unknown_fields), or a "
        "cookie-session write without a valid X-CSRFToken header (csrf)."
    ),
    "Unauthorized": _error("No valid token or session (unauthorized)."),
    "Forbidden": _error(
        "The caller's role, or their scope, may not do this (forbidden); the message says why."
    ),
    "NotFound": _error("Absent, deleted, or outside the caller's scope (not_found)."),
    "TooLarge": _error(
        "The body is larger than the limit: MAX_CONTENT_LENGTH for JSON, IMPORT_MAX_BYTES for "
        "an upload (too_large)."
    ),
    "UnsupportedMediaType": _error(
        "The body is not sent as Content-Type: application/json (unsupported_media_type)."
    ),
    "Invalid": _error("Invalid values; `fields` names each one (invalid)."),
    "TooManyRequests": _error(
        "Too many submissions in the window (too_many_requests); the Retry-After header says "
        "how many seconds to wait."
    ),
}


def _page_parameters() -> list[dict]:
    return [
        _query("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number."),
        _query(
            "per_page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
            "Items per page.",
        ),
    ]


def _query(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def filter_parameters(declaration) -> list[dict]:
    """A list's filters, from its declaration, as query parameters."""
    properties = declaration.filters.model_json_schema()["properties"]
    return [
        _query(
            name,
            {k: v for k, v in schema.items() if k not in ("description", "default")},
            schema.get("description", ""),
        )
        for name, schema in properties.items()
    ]


def _resource_paths(resource: Resource) -> dict:
    title, noun = resource.title, resource.singular.replace("_", " ")
    identifier = {
        "name": resource.id_name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    }

    def body(schema: str) -> dict:
        return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}

    collection = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", resource.collection_rule)
    parent = {}
    if resource.parent is not None:
        parent = {"parameters": [{**identifier, "name": resource.parent.id_name}]}
    conflict = json_content(
        "The record changed since `version` was read (conflict); `current` is the record now.",
        ref(f"{title}Conflict"),
    )
    paths = {
        collection: {
            **parent,
            "get": {
                "operationId": f"list{title}s",
                "summary": f"Live {noun} records by id, one page at a time.",
                "parameters": _page_parameters() + filter_parameters(resource.declaration),
                "responses": responses(
                    {"200": json_content("A page.", ref(f"{title}Page"))}, "401 403 422"
                ),
            },
            "post": {
                "operationId": f"create{title}",
                "summary": f"Create a {noun}.",
                "requestBody": body(f"{title}Input"),
                "responses": responses(
                    {
                        "201": {
                            **json_content("Created.", ref(title)),
                            "headers": {
                                "Location": {
                                    "description": "The new record's address.",
                                    "schema": {"type": "string"},
                                }
                            },
                        }
                    },
                    " ".join(["400 401 403 413 415 422", resource.create_errors]).strip(),
                ),
            },
        },
        f"/{resource.path}/{{{resource.id_name}}}": {
            "parameters": [identifier],
            "get": {
                "operationId": f"get{title}",
                "summary": f"One {noun}.",
                "responses": responses({"200": json_content("The record.", ref(title))}, "401 404"),
            },
            "patch": {
                "operationId": f"update{title}",
                "summary": "Change some fields; `version` is required.",
                "requestBody": body(f"{title}Patch"),
                "responses": responses(
                    {"200": json_content("The record as changed.", ref(title)), "409": conflict},
                    "400 401 403 404 413 415 422",
                ),
            },
            "delete": {
                "operationId": f"delete{title}",
                "summary": f"Delete a {noun} (it is kept, marked deleted, and no longer shown).",
                "responses": responses({"204": {"description": "Deleted."}}, "400 401 403 404"),
            },
        },
    }
    if resource.create is None:
        del paths[collection]["post"]
    if resource.delete is None:
        del paths[f"/{resource.path}/{{{resource.id_name}}}"]["delete"]
    if resource.update is None:
        del paths[f"/{resource.path}/{{{resource.id_name}}}"]["patch"]
    if resource.parent is not None:  # the record the collection lives under may not be found
        for operation in ("get", "post"):
            paths[collection][operation]["responses"] |= responses({}, "404")
    return paths


def _object(properties: dict, required: list[str]) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _resource_schemas(resource: Resource) -> dict:
    declaration, title = resource.declaration, resource.title
    patch = declaration.patch.model_json_schema(mode="validation")
    patch["properties"]["version"] = {
        "type": "integer",
        "description": "The version read with the record.",
    }
    patch["required"] = ["version"]
    return {
        title: declaration.record.model_json_schema(mode="serialization"),
        f"{title}Summary": declaration.summary.model_json_schema(mode="serialization"),
        f"{title}Input": declaration.fields.model_json_schema(mode="validation"),
        f"{title}Patch": patch | {"title": f"{title}Patch"},
        f"{title}Page": {
            "allOf": [
                ref("Page"),
                {"properties": {"items": {"type": "array", "items": ref(f"{title}Summary")}}},
            ]
        },
        f"{title}Conflict": _object(
            {"error": ERROR_BODY, "current": ref(title)}, ["error", "current"]
        ),
    }


ERROR_BODY = _object(
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


def _shared_schemas() -> dict:
    return {
        "Error": _object({"error": ERROR_BODY}, ["error"]),
        "Page": _object(
            {
                "items": {"type": "array"},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                "next": {"type": ["integer", "null"], "description": "The next page, or null."},
            },
            ["items", "page", "per_page", "next"],
        ),
    }


def document() -> dict:
    paths: dict = {}
    schemas = _shared_schemas()
    for resource in RESOURCES:
        paths |= _resource_paths(resource)
        schemas |= _resource_schemas(resource)
    for path, operations in EXTRA_PATHS.items():
        paths.setdefault(path, {}).update(operations)
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
        "paths": paths,
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
            "responses": ERRORS,
            "schemas": schemas,
        },
    }


@blueprint.get("/openapi.json")
@public
def openapi_json():
    return document()


describe(
    "/openapi.json",
    "get",
    {
        "operationId": "getOpenApi",
        "summary": "This document.",
        "security": [],
        "responses": {"200": json_content("The OpenAPI document.", {"type": "object"})},
    },
)
