"""/api/v1/chains and the chain questions about one enterprise, on the API blueprint (its log-in,
JSON errors and OpenAPI document). Imported by the app before the blueprint is registered."""

from flask import current_app, request
from flask_babel import gettext as _

from chainmap import kept
from chainmap.documents import analysis_json, paths_json, what_if_json
from chainmap.paths import introduction_paths, what_if
from chainmap.segments import stored_chains, stored_definition
from chainmap.settings import ChainSettings
from crm.api import blueprint
from crm.api.auth import require_right
from crm.api.errors import invalid, not_found
from crm.api.openapi import describe, json_content, responses
from crm.extensions import db
from crm.i18n import locale_key


def chain_settings() -> ChainSettings:
    return ChainSettings.from_config(current_app.config.get("CHAIN_ANALYSIS"))


def _definition(key: str):
    definition = stored_definition(db.session, key)
    if definition is None:
        raise not_found()
    return definition


def _enterprise_id() -> int:
    raw = request.args.get("enterprise", "")
    if not raw.isdigit():
        raise invalid({"enterprise": [_("请给出企业编号（整数）")]})
    return int(raw)


@blueprint.get("/chains")
def chains_list():
    require_right("chain.read")
    english = locale_key() == "en"
    return {
        "items": [
            {"key": chain.key, "name": chain.name_en if english and chain.name_en else chain.name}
            for chain in stored_chains(db.session)
        ]
    }


@blueprint.get("/chains/<key>/analysis")
def chain_analysis(key: str):
    require_right("chain.read")
    found = kept.current(db.session, key, chain_settings())
    if found is None:
        raise not_found()
    language = locale_key()
    if language not in found.derived:  # worded once per language and data version
        found.derived[language] = analysis_json(
            found.analysis, found.definition, english=language == "en"
        )
    return found.derived[language]


@blueprint.get("/chains/<key>/what-if")
def chain_what_if(key: str):
    require_right("chain.read")
    definition = _definition(key)
    found = what_if(db.session, _enterprise_id(), definition, chain_settings())
    if found is None:
        raise not_found()
    return what_if_json(found, definition)


@blueprint.get("/enterprises/<int:enterprise_id>/introduction-paths")
def enterprise_introduction_paths(enterprise_id: int):
    require_right("chain.read")
    chains = stored_chains(db.session)
    key = request.args.get("chain") or (chains[0].key if chains else "")
    definition = _definition(key)
    found = introduction_paths(db.session, enterprise_id, definition, chain_settings())
    if found is None:
        raise not_found()
    return paths_json(found, definition)


_KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
        "description": "The chain's key, e.g. automotive."}  # fmt: skip
_REASONS = {"type": "array", "items": {"type": "string"},
            "description": "Why, in words (Accept-Language: zh-CN default, en)."}  # fmt: skip
_FIRM = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "is_local": {"type": "boolean"},
    "is_chain_leader": {"type": "boolean"}, "is_leading": {"type": "boolean"},
    "output_wan": {"type": ["string", "null"]},
    "segments": {"type": "array", "items": {"type": "string"}}}}  # fmt: skip

describe("/chains", "get", {
    "summary": "The chains loaded (load-chain FILE, or the chains admin page)",
    "tags": ["chains"],
    "responses": responses({"200": json_content("The chains.", {
        "type": "object", "properties": {"items": {"type": "array", "items": {
            "type": "object", "properties": {"key": {"type": "string"},
                                             "name": {"type": "string"}}}}}})}, "401 403"),
})  # fmt: skip
describe("/chains/{key}/analysis", "get", {
    "summary": "The chain's analysis: segment coverage, leaders, risks and recommendations",
    "description": (
        "Computed once per data version (any change to enterprises' chain fields, their "
        "segments, supply links, ambassadors or chains makes a new one) and kept by the "
        "server. `segments`: one per segment with `coverage` strong|weak|gap and `reasons`. "
        "`leaders`: local firms that organise the chain or are large, with `suggestions` of "
        "链主/龙头 flags for staff to confirm. `risks`: each with a `kind` (single_source, "
        "concentration, local_sourcing, cut_point). `recommendations`: gap and weak segments "
        "ranked (action fill|strengthen|extend), each with ranked `targets` whose `score` is "
        "the sum of weight × value of its `parts` (gap, capability, leader_relation, fit); "
        "ties go to the larger output, then the lower id."
    ),
    "tags": ["chains"],
    "parameters": [_KEY],
    "responses": responses({"200": json_content("The analysis.", {
        "type": "object",
        "required": ["chain", "version", "segments", "leaders", "risks", "recommendations"],
        "properties": {
            "chain": {"type": "object"}, "version": {"type": "integer"},
            "flows": {"type": "array", "items": {"type": "object"}},
            "segments": {"type": "array", "items": {"type": "object", "properties": {
                "code": {"type": "string"}, "name": {"type": "string"},
                "coverage": {"enum": ["strong", "weak", "gap"]},
                "local_enterprises": {"type": "integer"},
                "local_output_wan": {"type": "string"},
                "leaders_local_sourcing_share": {"type": ["number", "null"]},
                "reasons": _REASONS}}},
            "leaders": {"type": "array", "items": {"type": "object"}},
            "risks": {"type": "array", "items": {"type": "object", "properties": {
                "kind": {"enum": ["single_source", "concentration", "local_sourcing",
                                  "cut_point"]}, "reasons": _REASONS}}},
            "recommendations": {"type": "array", "items": {"type": "object", "properties": {
                "segment": {"type": "string"}, "rank": {"type": "integer"},
                "action": {"enum": ["fill", "strengthen", "extend"]}, "reasons": _REASONS,
                "targets": {"type": "array", "items": {"type": "object", "properties": {
                    "enterprise": _FIRM, "score": {"type": "number"},
                    "parts": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}, "weight": {"type": "number"},
                        "value": {"type": "number"}, "reason": {"type": "string"}}}}}}}}}},
        }})}, "401 403 404"),
})  # fmt: skip
describe("/chains/{key}/what-if", "get", {
    "summary": "What if this enterprise left: who is affected downstream, and how",
    "tags": ["chains"],
    "parameters": [_KEY, {"name": "enterprise", "in": "query", "required": True,
                          "schema": {"type": "integer"}}],
    "responses": responses({"200": json_content(
        "Its customers (depth 1: cut, local_cut or reduced) and theirs (depth 2–3: exposed).",
        {"type": "object", "properties": {"enterprise": _FIRM, "counts": {"type": "object"},
                                          "affected": {"type": "array"}}})},
        "401 403 404 422"),
})  # fmt: skip
describe("/enterprises/{enterprise_id}/introduction-paths", "get", {
    "summary": "Who local can introduce this target enterprise (以商招商)",
    "description": (
        "The shortest strong paths of at most 3 hops to a local customer or supplier (链主 "
        "among them) or an ambassador whose network covers a firm on the way; each step with "
        "its evidence (a supply link or a network)."
    ),
    "tags": ["chains"],
    "parameters": [{"name": "enterprise_id", "in": "path", "required": True,
                    "schema": {"type": "integer"}},
                   {"name": "chain", "in": "query", "schema": {"type": "string"},
                    "description": "The chain's key; the first chain loaded by default."}],
    "responses": responses({"200": json_content("The paths, strongest first.", {
        "type": "object", "properties": {"enterprise": _FIRM, "paths": {"type": "array"}}})},
        "401 403 404"),
})  # fmt: skip
