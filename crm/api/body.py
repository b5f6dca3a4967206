"""Reading a request's JSON body strictly: one object, standard JSON only, decimals kept exact."""

import json
from decimal import Decimal

from flask import request

from crm.api.errors import (
    MALFORMED_JSON,
    NOT_AN_OBJECT,
    ApiError,
    duplicate_key,
    unsupported_media_type,
)


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _refuse_duplicates(pairs: list[tuple[str, object]]) -> dict:
    # With {"name": "a", "name": "b"} the last would win silently, and a proxy or log that
    # reads the first would see another request than the one written.
    body = {}
    for key, value in pairs:
        if key in body:
            raise _DuplicateKey(key)
        body[key] = value
    return body


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def json_object() -> dict:
    """The body as a dict; 415 when it is not sent as JSON, 400 when it is not JSON, or JSON
    but not an object, or an object with a key twice."""
    # A form post is "simple" and may come cross-site without a CORS check: read only JSON.
    if not _is_json(request.mimetype):
        raise unsupported_media_type()
    try:
        # Decimals keep 0.1 exact for money; NaN and Infinity are not JSON and are refused.
        body = json.loads(
            request.get_data(cache=False),
            parse_float=Decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_refuse_duplicates,
        )
    except _DuplicateKey as error:
        raise duplicate_key(error.key) from error
    except (ValueError, RecursionError) as error:  # bad UTF-8, syntax, deep nesting, giant ints
        raise ApiError(400, "malformed_json", MALFORMED_JSON) from error
    if not isinstance(body, dict):
        raise ApiError(400, "not_an_object", NOT_AN_OBJECT)
    return body
