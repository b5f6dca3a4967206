"""The authorization matrix of the ambassadors' endpoints: each role × each portal, registry
and inbox page and each referral, talent-referral and ambassador API endpoint, with the
expected answer written in the table below. Writes are checked for their effect too: a
redirect may carry a refusal, so the record must have changed exactly for the roles that may.

The revoked ambassador logged in and took a token before the revocation: both are refused
from then on (pages send them to log in, the API answers 401)."""

import pytest
from flask import Flask
from sqlalchemy import select

from crm.models import Referral, Unit
from crm.services import ambassadors, referrals
from tests.support import PASSWORD, csrf_token

ROLES = (
    "anonymous",
    "admin",
    "official",
    "city_staff",
    "district_staff",
    "staff_without_unit",
    "owner",
    "other_ambassador",
    "revoked_ambassador",
    "talent_ambassador",
)

# A record the caller's role may not read at all answers 404 in the API, as an absent one does.
# {mine}: a referral of the owner's; {fresh}: a new one of the owner's, made for the request;
# {talent}: a talent referral of the talent ambassador's; {lead}: a lead two ambassadors
# referred (owned by the city bureau); {ambassador}: the owner's ambassador record.
# Columns: anonymous, admin, official, city staff, district staff, staff without unit,
#          owner, other ambassador, revoked ambassador, talent ambassador.
MATRIX = [
    # the portal
    ("GET", "/portal", None, (302, 200, 403, 403, 403, 403, 200, 200, 302, 200)),
    ("POST", "/portal/referrals", "form", (302, 403, 403, 403, 403, 403, 302, 302, 302, 403)),
    ("POST", "/portal/talent-referrals", "talent_form",
     (302, 403, 403, 403, 403, 403, 403, 403, 302, 302)),
    ("GET", "/portal/referrals/{mine}", None, (302, 200, 403, 403, 403, 403, 200, 404, 302, 404)),
    # the registry
    ("GET", "/ambassadors", None, (302, 200, 200, 200, 200, 200, 403, 403, 302, 403)),
    ("GET", "/ambassadors/{ambassador}", None, (302, 200, 200, 200, 200, 200, 403, 403, 302, 403)),
    ("GET", "/ambassadors/new", None, (302, 200, 403, 200, 200, 200, 403, 403, 302, 403)),
    # the inbox and the split
    ("GET", "/ambassadors/inbox", None, (302, 200, 200, 200, 200, 200, 403, 403, 302, 403)),
    ("POST", "/ambassadors/inbox/{fresh}/accept", "form",
     (302, 302, 403, 302, 302, 302, 403, 403, 302, 403)),
    ("POST", "/ambassadors/inbox/{fresh}/decline", "decline_form",
     (302, 302, 403, 302, 302, 302, 403, 403, 302, 403)),
    ("POST", "/leads/{lead}/credit-split", "split_form",
     (302, 302, 403, 302, 404, 404, 403, 403, 302, 403)),
    # the API: referrals
    ("GET", "/api/v1/referrals", None, (401, 200, 200, 200, 200, 200, 200, 200, 401, 200)),
    ("POST", "/api/v1/referrals", "json", (401, 403, 403, 403, 403, 403, 201, 201, 401, 403)),
    ("GET", "/api/v1/referrals/{mine}", None, (401, 200, 200, 200, 200, 200, 200, 404, 401, 404)),
    ("PATCH", "/api/v1/referrals/{mine}", "patch",
     (405, 405, 405, 405, 405, 405, 405, 405, 405, 405)),
    ("POST", "/api/v1/referrals/{fresh}/accept", "empty",
     (401, 200, 403, 200, 200, 403, 403, 404, 401, 404)),
    ("POST", "/api/v1/referrals/{fresh}/decline", "reason",
     (401, 200, 403, 200, 200, 403, 403, 404, 401, 404)),
    ("GET", "/api/v1/leads/{lead}/credit-split", None,
     (401, 200, 200, 200, 404, 404, 404, 404, 401, 404)),
    ("PUT", "/api/v1/leads/{lead}/credit-split", "shares",
     (401, 200, 403, 200, 404, 404, 404, 404, 401, 404)),
    # the API: talent referrals
    ("GET", "/api/v1/talent-referrals", None, (401, 200, 200, 200, 200, 200, 200, 200, 401, 200)),
    ("POST", "/api/v1/talent-referrals", "talent_json",
     (401, 403, 403, 403, 403, 403, 403, 403, 401, 201)),
    ("GET", "/api/v1/talent-referrals/{talent}", None,
     (401, 200, 200, 200, 200, 200, 404, 404, 401, 200)),
    # the API: ambassadors
    ("GET", "/api/v1/ambassadors", None, (401, 200, 200, 200, 200, 200, 403, 403, 401, 403)),
    ("GET", "/api/v1/ambassadors/{ambassador}", None,
     (401, 200, 200, 200, 200, 200, 404, 404, 401, 404)),
    ("POST", "/api/v1/ambassadors", "new_ambassador",
     (401, 201, 403, 201, 201, 403, 403, 403, 401, 403)),
    ("PATCH", "/api/v1/ambassadors/{ambassador}", "ambassador_patch",
     (401, 200, 403, 200, 200, 403, 404, 404, 401, 404)),
]  # fmt: skip

# Writes whose effect is checked: who may make them (the rest are refused, whatever the code).
WRITERS = {
    "/ambassadors/inbox/{fresh}/accept": {"admin", "city_staff", "district_staff"},
    # A staff account without a unit has no scope: it handles no referral, as it makes no lead.
    "/ambassadors/inbox/{fresh}/decline": {"admin", "city_staff", "district_staff"},
    "/api/v1/referrals/{fresh}/accept": {"admin", "city_staff", "district_staff"},
    "/api/v1/referrals/{fresh}/decline": {"admin", "city_staff", "district_staff"},
    "/portal/referrals": {"owner", "other_ambassador"},
}


@pytest.fixture
def world(app, session, make_user, make_unit):
    """The users of every role, the owner's referral, a talent referral, a co-referred lead."""
    city = make_unit("市招商局", kind="city_bureau")
    district = make_unit("茅箭区招商局", parent=city)
    users = {
        "admin": make_user("admin"),
        "official": make_user("official"),
        "city_staff": make_user("staff", "city.staff", unit=city),
        "district_staff": make_user("staff", "district.staff", unit=district),
        "staff_without_unit": make_user("staff", "loose.staff", unit=None),
        "owner": make_user("ambassador", "owner.dashi"),
        "other_ambassador": make_user("ambassador", "other.dashi"),
        "revoked_ambassador": make_user("ambassador", "revoked.dashi"),
        "talent_ambassador": make_user(
            "ambassador", "talent.dashi", ambassador_kind="talent_ambassador"
        ),
    }
    with app.test_request_context():
        mine = referrals.create_referral(
            session, {"enterprise_name": "十堰某车桥有限公司"}, users["owner"]
        )
        talent = referrals.create_talent_referral(
            session, {"person_name": "周博士", "field": "汽车电子"}, users["talent_ambassador"]
        )
        together = [
            referrals.create_referral(session, {"enterprise_name": "襄阳某电机有限公司"}, user)
            for user in (users["owner"], users["other_ambassador"])
        ]
        session.commit()
        for referral in together:
            lead = referrals.accept_referral(
                session, session.get(Referral, referral.id), users["city_staff"]
            ).lead
        session.commit()
    return {
        "users": users,
        "ids": {
            "mine": mine.id,
            "talent": talent.id,
            "lead": lead.id,
            "ambassador": users["owner"].ambassador.id,
        },
        "shares": {str(referral.id): "0.5" for referral in together},
        "city": city,
    }


def _browser(app: Flask, user):
    client = app.test_client()
    if user is not None:
        page = client.get("/login")
        data = {"name": user.name, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
        assert client.post("/login", data=data).status_code == 302
    return client


def _body(kind: str | None, world: dict, n: int) -> dict:
    return {
        None: {},
        "form": {"enterprise_name": f"矩阵测试公司{n}"},
        "talent_form": {"person_name": f"矩阵人才{n}", "field": "电池"},
        "decline_form": {"rejected_reason": "不符合产业方向"},
        "split_form": {f"share_{key}": value for key, value in world["shares"].items()},
        "json": {"enterprise_name": f"矩阵测试公司{n}"},
        "patch": {"version": 1, "description": "改"},
        "empty": {},
        "reason": {"reason": "不符合产业方向"},
        "shares": {"shares": world["shares"]},
        "talent_json": {"person_name": f"矩阵人才{n}", "field": "电池"},
        "new_ambassador": {
            "name": f"matrix{n}.dashi",
            "display_name": "矩阵大使",
            "kind": "investment_ambassador",
            "appointed_on": "2026-01-01",
            "term_ends_on": "2028-12-31",
        },
        "ambassador_patch": {"organisation": f"矩阵商会{n}"},
    }[kind]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_each_ambassador_endpoint(app, session, world, bearer, role):
    user = world["users"].get(role)
    client = _browser(app, user)
    headers = bearer(user) if user is not None else {}
    if role == "revoked_ambassador":
        with app.test_request_context():
            ambassadors.revoke_ambassador(
                session,
                session.get(type(user.ambassador), user.ambassador.id),
                "任期内违反聘任约定",
                world["users"]["admin"],
            )
            session.commit()
    column = ROLES.index(role)
    found = []
    for n, (method, template, kind, expected) in enumerate(MATRIX):
        ids = dict(world["ids"])
        if "{fresh}" in template:
            with app.test_request_context():
                fresh = referrals.create_referral(
                    session, {"enterprise_name": f"新推荐公司{n}"}, world["users"]["owner"]
                )
                session.commit()
            ids["fresh"] = fresh.id
        path = template.format(**ids)
        body = _body(kind, world, n)
        if kind == "ambassador_patch":
            current = client.get(path, headers=headers)
            body["version"] = current.json["version"] if current.status_code == 200 else 1
        if path.startswith("/api/"):
            answer = client.open(path, method=method, json=body if method != "GET" else None,
                                 headers=headers)  # fmt: skip
        else:
            data = None
            if method == "POST":
                token_page = client.get("/account", follow_redirects=True)  # or the log-in
                data = {"csrf_token": csrf_token(token_page.text)} | body
            answer = client.open(path, method=method, data=data)
        if answer.status_code != expected[column]:
            found.append(f"{method} {template}: {answer.status_code}, expected {expected[column]}")
        if template in WRITERS:
            changed = _changed(session, template, ids, n)
            if changed != (role in WRITERS[template]):
                found.append(f"{method} {template}: changed={changed}")
    assert not found, "\n".join(found)


def _changed(session, template: str, ids: dict, n: int) -> bool:
    if "{fresh}" in template:
        referral = session.get(Referral, ids["fresh"], populate_existing=True)
        return referral.status != "submitted"
    name = f"矩阵测试公司{n}"
    return session.scalar(select(Referral.id).where(Referral.enterprise_name == name)) is not None


def test_the_matrix_names_every_role_once():
    assert all(len(row[3]) == len(ROLES) for row in MATRIX)
    assert isinstance(Unit, type)


def test_staff_without_a_unit_appoint_no_one_on_the_page(client, session, make_user, login):
    """The service refuses them; the page says why with a 403, and nothing is created."""
    from crm.models import User

    login(make_user("staff", "loose.registrar", unit=None))
    page = client.get("/ambassadors/new")
    answer = client.post(
        "/ambassadors/new",
        data={
            "name": "nounit.dashi",
            "display_name": "无单位任命",
            "kind": "investment_ambassador",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert answer.status_code == 403
    assert "未设所属单位" in answer.text
    assert session.scalar(select(User).where(User.name == "nounit.dashi")) is None
