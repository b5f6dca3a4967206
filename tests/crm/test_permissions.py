"""The role table against every page, and unit scope for staff."""

import pytest
from sqlalchemy import select

from app import create_app
from crm.models import Lead, Referral, RewardRule
from crm.permissions import ROLE_RIGHTS, has_right
from crm.services.enterprises import create_enterprise
from crm.services.scope import scoped, unit_subtree_ids

# Every page, and what each role gets: 200, 403, or a redirect to where it goes.
# Worked out from the table in DESIGN.md ("who may do what").
PAGES = {
    "/": {"admin": 200, "staff": 200, "official": 200, "ambassador": "/portal"},
    "/enterprises": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/leads": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/projects": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/chain": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/map": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/map/shell.js": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/map/evaluation": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/map/export.xlsx": {"admin": 200, "staff": 200, "official": 403, "ambassador": 403},
    "/ambassadors": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/ambassadors/new": {"admin": 200, "staff": 200, "official": 403, "ambassador": 403},
    # New referrals: officials read them; staff and administrators accept or decline them.
    "/ambassadors/inbox": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/ambassadors/talent": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/ambassadors/<int:ambassador_id>": {"admin": 200, "staff": 200, "official": 200,
                                         "ambassador": 403},
    "/ambassadors/<int:ambassador_id>/edit": {"admin": 200, "staff": 200, "official": 403,
                                              "ambassador": 403},
    # Rewards: the city bureau's staff set the rules, officials read them; export needs
    # export.run; ambassadors reach none of it, only their own recognition on the portal.
    "/ambassadors/reward-rules": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/ambassadors/reward-rules/new": {"admin": 200, "staff": 200, "official": 403,
                                      "ambassador": 403},
    "/ambassadors/reward-rules/<int:rule_id>/edit": {"admin": 200, "staff": 200, "official": 403,
                                                     "ambassador": 403},
    "/ambassadors/rewards": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/ambassadors/rewards/export": {"admin": 200, "staff": 200, "official": 403,
                                    "ambassador": 403},
    "/ambassadors/leaderboard": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    # An administrator has no ambassador record, hence no recognition of their own.
    "/portal/recognition": {"admin": 404, "staff": 403, "official": 403, "ambassador": 200},
    "/portal/recognition/certificate": {"admin": 404, "staff": 403, "official": 403,
                                        "ambassador": 200},
    "/reports": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/reports/<key>": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/portal": {"admin": 200, "staff": 403, "official": 403, "ambassador": 200},
    # Another ambassador's referral: not found for an ambassador; staff read them elsewhere.
    "/portal/referrals/<int:referral_id>": {"admin": 200, "staff": 403, "official": 403,
                                            "ambassador": 404},
    # A referral's file: for those who read the referral; another ambassador's is not found.
    "/referrals/<int:referral_id>/attachments/<int:attachment_id>": {
        "admin": 200, "staff": 200, "official": 200, "ambassador": 404},
    "/enterprises/<int:enterprise_id>": {"admin": 200, "staff": 200, "official": 200,
                                         "ambassador": 403},
    "/enterprises/new": {"admin": 200, "staff": 200, "official": 403, "ambassador": 403},
    "/enterprises/<int:enterprise_id>/edit": {"admin": 200, "staff": 200, "official": 403,
                                              "ambassador": 403},
    # Merging joins records across districts: admins and staff of the whole city.
    "/enterprises/<int:enterprise_id>/merge": {"admin": 200, "staff": 200, "official": 403,
                                               "ambassador": 403},
    "/projects/<int:project_id>": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/projects/new": {"admin": 200, "staff": 200, "official": 403, "ambassador": 403},
    "/projects/<int:project_id>/edit": {"admin": 200, "staff": 200, "official": 403,
                                        "ambassador": 403},
    "/leads/<int:lead_id>/convert": {"admin": 200, "staff": 200, "official": 403,
                                     "ambassador": 403},
    "/enterprises/export.xlsx": {"admin": 200, "staff": 200, "official": 403, "ambassador": 403},
    "/supply-links/export.xlsx": {"admin": 200, "staff": 200, "official": 403, "ambassador": 403},
    # Annual targets: read by all who read reports, set by the city bureau (crm.services.targets).
    "/targets": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/targets/export.xlsx": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/leads/board": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/leads/export.xlsx": {"admin": 200, "staff": 200, "official": 403, "ambassador": 403},
    "/leads/mine": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/leads/new": {"admin": 200, "staff": 200, "official": 403, "ambassador": 403},
    "/leads/<int:lead_id>": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/leads/<int:lead_id>/edit": {"admin": 200, "staff": 200, "official": 403,
                                  "ambassador": 403},
    # Aftercare: service requests are read like the enterprises they hang from.
    "/service-requests": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    # 月督办: read like projects; an item that is not there is not found.
    "/supervision": {"admin": 200, "staff": 200, "official": 200, "ambassador": 403},
    "/supervision/<int:item_id>": {"admin": 404, "staff": 404, "official": 404,
                                   "ambassador": 403},
    "/imports/<kind>": {"admin": 200, "staff": 200, "official": 403, "ambassador": 403},
    # Someone else's upload, or none: not found.
    "/imports/file/<token>": {"admin": 404, "staff": 404, "official": 403, "ambassador": 403},
    "/imports/run/<token>": {"admin": "/imports/enterprises", "staff": "/imports/enterprises",
                             "official": 403, "ambassador": 403},
    "/imports/run/<token>/status": {"admin": 404, "staff": 404, "official": 403,
                                    "ambassador": 403},
    # Everyone's own account; administration for administrators only.
    "/account": {"admin": 200, "staff": 200, "official": 200, "ambassador": 200},
    "/admin": {"admin": "/admin/users", "staff": 403, "official": 403, "ambassador": 403},
    "/admin/users": {"admin": 200, "staff": 403, "official": 403, "ambassador": 403},
    "/admin/users/new": {"admin": 200, "staff": 403, "official": 403, "ambassador": 403},
    "/admin/users/<int:user_id>": {"admin": 200, "staff": 403, "official": 403,
                                   "ambassador": 403},
    "/admin/units": {"admin": 200, "staff": 403, "official": 403, "ambassador": 403},
    "/admin/chains": {"admin": 200, "staff": 403, "official": 403, "ambassador": 403},
    "/admin/chains/<key>.toml": {"admin": 404, "staff": 403, "official": 403, "ambassador": 403},
}  # fmt: skip
# Pages anyone may open, or that only take a POST.
PUBLIC_OR_ACTIONS = {
    "/login",
    "/logout",
    "/language/<code>",
    "/static/<path:filename>",
    "/favicon.ico",
    "/password/<token>",  # the one-time link: its secret is the key (410 when it is no good)
}


def concrete(rule: str, enterprise_id: int, user_id: int = 1, others: dict | None = None) -> str:
    """A rule's path with its parts filled in (`others`: {"project_id": 3, …})."""
    for name, value in (others or {}).items():
        rule = rule.replace(f"<int:{name}>", str(value))
    return (
        rule.replace("<int:enterprise_id>", str(enterprise_id))
        .replace("<int:project_id>", "1")
        .replace("<int:lead_id>", "1")
        .replace("<int:ambassador_id>", "1")
        .replace("<int:referral_id>", "1")
        .replace("<int:item_id>", "1")
        .replace("<int:attachment_id>", "1")
        .replace("<int:rule_id>", "1")
        .replace("<int:user_id>", str(user_id))
        .replace("<kind>", "enterprises")
        .replace("<key>", "weekly")
        .replace("<token>", "no-such-upload")
    )


def test_every_page_is_in_the_role_table():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    pages = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.rule.startswith("/api/")  # test_api_openapi.py
    }
    assert pages - PUBLIC_OR_ACTIONS == set(PAGES)


@pytest.mark.parametrize("role", ["admin", "staff", "official", "ambassador"])
def test_role_table_on_every_page(client, login, make_user, session, role):
    enterprise = create_enterprise(session, {"name": "十堰汉江精工有限公司"}, None)
    session.commit()
    user = make_user(role)
    others = _project_and_lead(session, make_user, client.application.config["UPLOAD_FOLDER"])
    login(user)
    for rule, expected_by_role in PAGES.items():
        expected = expected_by_role[role]
        path = concrete(rule, enterprise.id, user.id, others)
        response = client.get(path)
        response.close()  # an export is sent from a file the response closes
        if isinstance(expected, str):
            assert (response.status_code, response.headers["Location"]) == (302, expected), path
        else:
            assert response.status_code == expected, (role, path)


def _project_and_lead(session, make_user, upload_folder) -> dict:
    """A project of the city, a signed lead, an ambassador and their referral with a file, for
    the pages that show them."""
    from crm.services.attachments import Upload, save
    from crm.services.projects import create_project

    leader = make_user("official")
    lead = Lead(name="已签约线索", source="online", stage="signed", signed_amount_wan=100)
    session.add(lead)
    project = create_project(
        session, {"name": "项目", "total_investment_wan": 1, "leader_id": leader.id}, None
    )
    session.commit()
    ambassador = make_user("ambassador").ambassador
    referral = Referral(ambassador_id=ambassador.id, enterprise_name="另一位大使推荐的企业")
    session.add(referral)
    session.flush()
    [attachment] = save(
        session,
        upload_folder,
        "referral",
        referral.id,
        [Upload("名片.pdf", "application/pdf", b"%PDF-1.4")],
        None,
    )
    rule = RewardRule(
        city="十堰市", year=2026, bands=[{"up_to_wan": None, "per_mille": "3"}], extras={}
    )
    session.add(rule)
    session.commit()
    return {
        "project_id": project.id,
        "lead_id": lead.id,
        "ambassador_id": ambassador.id,
        "referral_id": referral.id,
        "attachment_id": attachment.id,
        "rule_id": rule.id,
    }


def test_forbidden_page_explains_itself(client, login, make_user):
    login(make_user("ambassador"))
    response = client.get("/projects")
    assert response.status_code == 403
    assert "您的角色无权访问此页面" in response.text


def test_visitors_are_sent_to_log_in(client):
    for rule in PAGES:
        response = client.get(concrete(rule, 1))
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_the_reports_page_is_built(client, login, make_user):
    login(make_user("staff"))
    assert "此功能尚未建成" not in client.get("/reports").text


def test_officials_verify_only_with_the_verify_right(make_user):
    assert not has_right(make_user("official"), "verify")
    assert has_right(make_user("official", can_verify=True), "verify")
    assert not has_right(make_user("staff"), "verify")


def test_officials_never_unmask_personal_data(make_user):
    assert not has_right(make_user("official"), "personal_data.unmask")
    assert has_right(make_user("staff"), "personal_data.unmask")


def test_ambassadors_have_only_the_portal():
    # referral.read: their own referrals only (crm.services.referrals).
    assert ROLE_RIGHTS["ambassador"] == {"portal.use", "referral.read"}
    assert "portal.use" not in ROLE_RIGHTS["staff"] | ROLE_RIGHTS["official"]


def test_unknown_right_is_a_programming_error(make_user):
    with pytest.raises(ValueError):
        has_right(make_user("admin"), "everything")


def test_staff_with_a_unit_see_only_their_units_records(session, make_user, make_unit):
    city = make_unit("市招商局", "city_bureau")
    district = make_unit("茅箭区招商局", parent=city)
    team = make_unit("新能源专班", "task_team", parent=district)
    other = make_unit("张湾区招商局", parent=city)
    for unit in (city, district, team, other):
        session.add(Lead(name=f"{unit.name}的线索", source="online", owner_unit=unit))
    session.commit()

    assert unit_subtree_ids(session, district.id) == {district.id, team.id}

    def visible(user):
        statement = scoped(select(Lead.name), Lead, user, session)
        return set(session.scalars(statement))

    assert visible(make_user("staff", unit=district)) == {"茅箭区招商局的线索", "新能源专班的线索"}
    assert len(visible(make_user("staff", unit=city))) == 4
    assert visible(make_user("staff", unit=None)) == set()  # no unit: no scope, never the city
    assert len(visible(make_user("official"))) == 4
