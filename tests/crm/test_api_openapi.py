"""The OpenAPI document: public, and in step with the routes, the records and the service."""

import re

from crm.schemas.enterprises import ENTERPRISES
from crm.services.users import create_token

DOCUMENT = "/api/v1/openapi.json"
ITEM_IDS = {"milestones": "milestone_id", "problems": "problem_id",
            "progress-entries": "progress_entry_id", "funds-arrivals": "funds_arrival_id"}  # fmt: skip


def api_routes(app) -> set[tuple[str, str]]:
    """(path, method) of every /api/v1 route, in OpenAPI's spelling: <int:x> becomes {x}."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def documented(document) -> set[tuple[str, str]]:
    methods = {"get", "put", "post", "patch", "delete"}
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    }


def resolve(document, reference: str):
    node = document
    for part in reference.removeprefix("#/").split("/"):
        node = node[part]
    return node


def references(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def test_the_document_is_public(client):
    response = client.get(DOCUMENT)
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/api/v1"}]
    assert set(document["components"]["securitySchemes"]) == {"bearer", "cookie"}
    assert document["paths"]["/openapi.json"]["get"]["security"] == []


def test_every_route_is_documented_and_nothing_else(app, client):
    document = client.get(DOCUMENT).get_json()
    assert documented(document) == api_routes(app)
    assert ("/enterprises/{enterprise_id}", "patch") in documented(document)


def test_every_reference_resolves(client):
    document = client.get(DOCUMENT).get_json()
    for reference in set(references(document)):
        assert resolve(document, reference) is not None, reference


def test_every_operation_documents_its_answers(client):
    document = client.get(DOCUMENT).get_json()
    expected = {
        ("/enterprises", "get"): {"200", "401", "403", "422"},
        ("/enterprises", "post"): {"201", "400", "401", "403", "413", "415", "422"},
        ("/enterprises/{enterprise_id}", "get"): {"200", "401", "404"},
        ("/enterprises/{enterprise_id}", "patch"): {"200", "400", "401", "403", "404", "409", "413",
                                                    "415", "422"},
        ("/enterprises/{enterprise_id}", "delete"): {"204", "400", "401", "403", "404"},
        ("/enterprises/{enterprise_id}/merge", "post"): {"200", "400", "401", "403", "404", "409",
                                                         "413", "415", "422"},
        ("/enterprises/import", "post"): {"200", "400", "401", "403", "413", "422"},
        ("/enterprises/export.xlsx", "get"): {"200", "401", "403", "422"},
        ("/reports", "get"): {"200", "401", "403"},
        ("/reports/{key}", "get"): {"200", "401", "403", "404", "422"},
        ("/leads", "get"): {"200", "401", "403", "422"},
        ("/leads", "post"): {"201", "400", "401", "403", "413", "415", "422"},
        ("/leads/{lead_id}", "get"): {"200", "401", "404"},
        ("/leads/{lead_id}", "patch"): {"200", "400", "401", "403", "404", "409", "413", "415",
                                        "422"},
        ("/leads/{lead_id}", "delete"): {"204", "400", "401", "403", "404"},
        ("/leads/{lead_id}/stage-changes", "get"): {"200", "401", "404"},
        ("/chains", "get"): {"200", "401", "403"},
        ("/chains/{key}/analysis", "get"): {"200", "401", "403", "404"},
        ("/chains/{key}/what-if", "get"): {"200", "401", "403", "404", "422"},
        ("/enterprises/{enterprise_id}/introduction-paths", "get"): {"200", "401", "403", "404"},
        ("/leads/{lead_id}/activities", "get"): {"200", "401", "403", "404", "422"},
        ("/leads/{lead_id}/activities", "post"): {"201", "400", "401", "403", "404", "413", "415",
                                                  "422"},
        ("/activities/{activity_id}", "get"): {"200", "401", "404"},
        ("/activities/{activity_id}", "patch"): {"200", "400", "401", "403", "404", "409", "413",
                                                 "415", "422"},
        ("/activities/{activity_id}", "delete"): {"204", "400", "401", "403", "404"},
        ("/openapi.json", "get"): {"200"},
        ("/projects", "get"): {"200", "401", "403", "422"},
        ("/projects", "post"): {"201", "400", "401", "403", "413", "415", "422"},
        ("/projects/{project_id}", "get"): {"200", "401", "404"},
        ("/projects/{project_id}", "patch"): {"200", "400", "401", "403", "404", "409", "413",
                                              "415", "422"},
        ("/projects/{project_id}", "delete"): {"204", "400", "401", "403", "404"},
        ("/projects/{project_id}/stage-changes", "get"): {"200", "401", "404"},
        ("/projects/{project_id}/milestones/template", "post"): {"200", "201", "401", "403", "404",
                                                                 "422"},
        ("/leads/{lead_id}/project", "post"): {"201", "400", "401", "403", "404", "409", "413",
                                               "415", "422"},
        **{
            operation: answers
            for items in ("milestones", "problems", "progress-entries", "funds-arrivals")
            for operation, answers in {
                (f"/projects/{{project_id}}/{items}", "get"): {"200", "401", "403", "404", "422"},
                (f"/projects/{{project_id}}/{items}", "post"): {"201", "400", "401", "403", "404",
                                                                "413", "415", "422"},
                (f"/{items}/{{{ITEM_IDS[items]}}}", "get"): {"200", "401", "404"},
                (f"/{items}/{{{ITEM_IDS[items]}}}", "patch"): {"200", "400", "401", "403", "404",
                                                               "409", "413", "415", "422"},
                (f"/{items}/{{{ITEM_IDS[items]}}}", "delete"): {"204", "400", "401", "403", "404"},
            }.items()
        },
        ("/projects/{project_id}/notes", "get"): {"200", "401", "404"},
        ("/projects/{project_id}/notes", "post"): {"201", "400", "401", "403", "404", "413", "415",
                                                   "422"},
        ("/supply-links", "get"): {"200", "401", "403", "422"},
        ("/supply-links", "post"): {"201", "400", "401", "403", "413", "415", "422"},
        ("/supply-links/{supply_link_id}", "get"): {"200", "401", "404"},
        ("/supply-links/{supply_link_id}", "patch"): {"200", "400", "401", "403", "404", "409",
                                                      "413", "415", "422"},
        ("/supply-links/{supply_link_id}", "delete"): {"204", "400", "401", "403", "404"},
        ("/supply-links/import", "post"): {"200", "400", "401", "403", "413", "422"},
        ("/supply-links/export.xlsx", "get"): {"200", "401", "403", "422"},
        ("/targets", "get"): {"200", "401", "403", "422"},
        ("/targets", "post"): {"201", "400", "401", "403", "413", "415", "422"},
        ("/targets/{target_id}", "get"): {"200", "401", "404"},
        ("/targets/{target_id}", "patch"): {"200", "400", "401", "403", "404", "409", "413", "415",
                                            "422"},
        ("/targets/{target_id}", "delete"): {"204", "400", "401", "403", "404"},
        ("/targets/import", "post"): {"200", "400", "401", "403", "413", "422"},
        ("/targets/export.xlsx", "get"): {"200", "401", "403", "422"},
        ("/leads/{lead_id}/sign", "post"): {"200", "400", "401", "403", "404", "409", "413", "415",
                                            "422"},
        ("/service-requests", "get"): {"200", "401", "403", "422"},
        ("/service-requests", "post"): {"201", "400", "401", "403", "413", "415", "422"},
        ("/service-requests/{service_request_id}", "get"): {"200", "401", "404"},
        ("/service-requests/{service_request_id}", "patch"): {"200", "400", "401", "403", "404",
                                                              "409", "413", "415", "422"},
        ("/service-requests/{service_request_id}", "delete"): {"204", "400", "401", "403", "404"},
        # Supervision items are generated, never created or deleted by hand.
        ("/supervision-items", "get"): {"200", "401", "403", "422"},
        ("/supervision-items/{supervision_item_id}", "get"): {"200", "401", "404"},
        ("/supervision-items/{supervision_item_id}", "patch"): {"200", "400", "401", "403",
                                                                "404", "409", "413", "415", "422"},
        ("/users", "get"): {"200", "401", "403", "422"},
        ("/users", "post"): {"201", "400", "401", "403", "413", "415", "422"},
        ("/users/{user_id}", "get"): {"200", "401", "404"},
        ("/users/{user_id}", "patch"): {"200", "400", "401", "403", "404", "409", "413", "415",
                                        "422"},
        ("/users/{user_id}", "delete"): {"204", "400", "401", "403", "404"},
        ("/users/{user_id}/password-link", "post"): {"201", "401", "403", "404", "422"},
        ("/ambassadors", "get"): {"200", "401", "403", "422"},
        ("/ambassadors", "post"): {"201", "400", "401", "403", "413", "415", "422"},
        ("/ambassadors/{ambassador_id}", "get"): {"200", "401", "404"},
        ("/ambassadors/{ambassador_id}", "patch"): {"200", "400", "401", "403", "404", "409",
                                                    "413", "415", "422"},
        ("/ambassadors/{ambassador_id}/invitation", "post"): {"201", "401", "403", "404", "422"},
        # Referrals: ambassadors create and read their own; no update or delete here.
        ("/referrals", "get"): {"200", "401", "403", "422"},
        ("/referrals", "post"): {"201", "400", "401", "403", "413", "415", "422", "429"},
        ("/referrals/{referral_id}", "get"): {"200", "401", "404"},
        # Staff accept or decline a new referral.
        ("/referrals/{referral_id}/accept", "post"): {"200", "400", "401", "403", "404", "413",
                                                      "415", "422"},
        ("/referrals/{referral_id}/decline", "post"): {"200", "400", "401", "403", "404", "413",
                                                       "415", "422"},
        # Its ambassador attaches files; whoever reads the referral downloads them.
        ("/referrals/{referral_id}/attachments", "post"): {"201", "401", "403", "404", "413",
                                                           "422"},
        ("/referrals/{referral_id}/attachments/{attachment_id}", "get"): {"200", "401", "404"},
        ("/talent-referrals", "get"): {"200", "401", "403", "422"},
        ("/talent-referrals", "post"): {"201", "400", "401", "403", "413", "415", "422",
                                         "429"},
        ("/leads/{lead_id}/credit-split", "get"): {"200", "401", "403", "404"},
        ("/leads/{lead_id}/credit-split", "put"): {"200", "400", "401", "403", "404", "413",
                                                   "415", "422"},
        ("/talent-referrals/{talent_referral_id}", "get"): {"200", "401", "404"},
        # Reward rules: no DELETE (a year's figures rest on its rule); the leaderboard.
        ("/reward-rules", "get"): {"200", "401", "403", "422"},
        ("/reward-rules", "post"): {"201", "400", "401", "403", "413", "415", "422"},
        ("/reward-rules/{reward_rule_id}", "get"): {"200", "401", "404"},
        ("/reward-rules/{reward_rule_id}", "patch"): {"200", "400", "401", "403", "404", "409",
                                                      "413", "415", "422"},
        ("/ambassador-leaderboard", "get"): {"200", "401", "403", "422"},
        ("/map/enterprises.geojson", "get"): {"200", "401", "403", "422"},
        ("/map/enterprise-list", "get"): {"200", "401", "403", "422"},
        ("/map/projects.geojson", "get"): {"200", "401", "403", "422"},
        ("/map/parks.geojson", "get"): {"200", "401", "403"},
        ("/map/district-figures", "get"): {"200", "401", "403"},
        ("/map/districts.geojson", "get"): {"200", "401", "403"},
        ("/map/place", "get"): {"200", "401", "403", "422"},
        ("/map/parcel", "post"): {"200", "400", "401", "403", "415", "422"},
    }  # fmt: skip
    answers = {
        (path, method): set(document["paths"][path][method]["responses"])
        for path, method in documented(document)
    }
    assert answers == expected


def test_every_operation_but_the_document_answers_401_without_log_in(client):
    document = client.get(DOCUMENT).get_json()
    for path, method in documented(document):
        url = "/api/v1" + re.sub(r"\{[^}]+\}", "1", path)
        response = client.open(url, method=method.upper(), json={})
        if path == "/openapi.json":
            assert response.status_code == 200
        else:
            assert response.status_code == 401, (path, method)
            assert response.get_json()["error"]["code"] == "unauthorized"


def test_the_schemas_match_what_the_api_sends_and_takes(client, make_user, session):
    token = create_token(session, make_user("staff"))
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    record = client.post(
        "/api/v1/enterprises", json={"name": "汉江精工"}, headers=headers
    ).get_json()
    item = client.get("/api/v1/enterprises", headers=headers).get_json()["items"][0]
    schemas = client.get(DOCUMENT).get_json()["components"]["schemas"]

    assert set(schemas["Enterprise"]["properties"]) == set(record)
    assert set(schemas["EnterpriseSummary"]["properties"]) == set(item)
    assert set(schemas["EnterpriseInput"]["properties"]) == ENTERPRISES.writable
    assert set(schemas["EnterprisePatch"]["properties"]) == ENTERPRISES.writable | {"version"}
    assert schemas["EnterprisePatch"]["required"] == ["version"]
    assert set(schemas["Error"]["properties"]["error"]["properties"]) == {
        "code",
        "message",
        "fields",
    }
    assert set(schemas["Page"]["properties"]) == {"items", "page", "per_page", "next"}


def test_the_list_parameters_are_the_ones_the_list_reads(client):
    document = client.get(DOCUMENT).get_json()
    parameters = document["paths"]["/enterprises"]["get"]["parameters"]
    names = {parameter["name"] for parameter in parameters}
    assert names == {"page", "per_page", *ENTERPRISES.filters.model_fields}
