"""Reading a request's JSON body strictly: one object, standard JSON only, decimals kept exact."""

import json
from decimal import Decimal

from flask import request

from crm.api.errors import MALFORMED_JSON, NOT_AN_OBJECT, ApiError


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def json_object() -> dict:
    """The body as a dict; 400 when it is not JSON, or JSON but not an object."""
    try:
        # Decimals keep 0.1 exact for money; NaN and Infinity are not JSON and are refused.
        body = json.loads(
            request.get_data(cache=False),
            parse_float=Decimal,
            parse_constant=_refuse_constant,
        )
    except (ValueError, RecursionError) as error:  # bad UTF-8, syntax, deep nesting, giant ints
        raise ApiError(400, "malformed_json", MALFORMED_JSON) from error
    if not isinstance(body, dict):
        raise ApiError(400, "not_an_object", NOT_AN_OBJECT)
    return body
