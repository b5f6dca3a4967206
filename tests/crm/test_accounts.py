"""Administration of users and the self-service account: one-time password links, password
rules, API tokens with expiry and single revocation, and /api/v1/users."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from sqlalchemy import select, update

from crm.models import ApiToken, AuditEvent, District, PasswordLink, User
from crm.models.base import utcnow
from crm.services import users
from tests.support import PASSWORD, csrf_token

NEW_PASSWORD = "two rivers meet at shiyan"


def _link_token(html: str) -> str:
    match = re.search(r"/password/([A-Za-z0-9_-]{30,})", html)
    assert match, "no password link on the page"
    return match.group(1)


def _set_password(client, token, password, confirm=None):
    page = client.get(f"/password/{token}")
    return client.post(
        f"/password/{token}",
        data={
            "password": password,
            "confirm": confirm if confirm is not None else password,
            "csrf_token": csrf_token(page.text),
        },
    )


# ---- administration ----


def test_only_administrators_reach_the_admin_pages(client, login, make_user):
    login(make_user("staff"))
    for path in ("/admin/users", "/admin/users/new", "/admin/units"):
        assert client.get(path).status_code == 403


def test_admin_creates_a_user_who_sets_a_password_through_the_link(
    app, client, session, login, make_user, make_unit
):
    unit = make_unit("茅箭区招商局")
    login(make_user("admin"))
    form = client.get("/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "name": "li.ming",
            "display_name": "李明",
            "role": "staff",
            "unit_id": str(unit.id),
            "csrf_token": csrf_token(form.text),
        },
    )
    assert response.status_code == 201
    assert "只显示这一次" in response.text
    token = _link_token(response.text)
    created = session.scalar(select(User).where(User.name == "li.ming"))
    assert (created.role, created.unit_id, created.display_name) == ("staff", unit.id, "李明")
    # Only a hash of the link's secret is stored.
    stored = session.scalar(select(PasswordLink).where(PasswordLink.user_id == created.id))
    assert stored.token_hash != token and token not in stored.token_hash

    newcomer = app.test_client()
    assert "li.ming" in newcomer.get(f"/password/{token}").text
    weak = _set_password(newcomer, token, "12345678")
    assert weak.status_code == 422 and "至少需要 12 个字符" in weak.text
    mismatch = _set_password(newcomer, token, NEW_PASSWORD, "something else entirely")
    assert mismatch.status_code == 422 and "不一致" in mismatch.text
    done = _set_password(newcomer, token, NEW_PASSWORD)
    assert done.headers["Location"] == "/login"
    page = newcomer.get("/login")
    logged_in = newcomer.post(
        "/login",
        data={"name": "li.ming", "password": NEW_PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert logged_in.status_code == 302
    # The link works once.
    again = app.test_client().get(f"/password/{token}")
    assert again.status_code == 410 and "已使用过" in again.text


def test_a_new_link_cancels_the_old_one_and_links_expire(app, client, session, make_user):
    admin, user = make_user("admin"), make_user("staff")
    actor, target = session.get(User, admin.id), session.get(User, user.id)
    first = users.create_password_link(session, target, actor).token
    second = users.create_password_link(session, target, actor).token
    session.commit()
    assert client.get(f"/password/{first}").status_code == 410
    assert client.get(f"/password/{second}").status_code == 200
    session.execute(update(PasswordLink).values(expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    expired = client.get(f"/password/{second}")
    assert expired.status_code == 410 and "已过期" in expired.text
    assert client.get("/password/not-a-real-link").status_code == 410


def test_admin_edits_role_and_unit_and_sees_last_log_in(client, session, login, make_user):
    user = make_user("staff")
    login(user)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").text)})
    login(make_user("admin"))
    page = client.get(f"/admin/users/{user.id}")
    assert "从未登录" not in page.text.split('data-testid="last-login"')[1][:80]
    response = client.post(
        f"/admin/users/{user.id}",
        data={
            "display_name": "王领导",
            "role": "official",
            "unit_id": "",
            "can_verify": "y",
            "version": str(session.get(User, user.id).version),
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 302
    changed = session.get(User, user.id)
    assert (changed.role, changed.can_verify, changed.display_name) == ("official", True, "王领导")


def test_a_stale_edit_is_refused_without_losing_the_newer_change(client, session, login, make_user):
    user = make_user("staff", display_name="旧名")
    login(make_user("admin"))
    page = client.get(f"/admin/users/{user.id}")
    version = session.get(User, user.id).version
    session.execute(
        update(User).where(User.id == user.id).values(display_name="别人改的", version=version + 1)
    )
    session.commit()
    response = client.post(
        f"/admin/users/{user.id}",
        data={
            "display_name": "我改的",
            "role": "staff",
            "version": str(version),
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 409 and "刚被他人修改" in response.text
    assert session.get(User, user.id).display_name == "别人改的"


def test_the_user_form_refuses_bad_values_at_their_fields(client, login, make_user):
    make_user("staff", name="taken.name")
    login(make_user("admin"))
    form = client.get("/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "name": "Taken.Name",
            "role": "staff",
            "unit_id": "999999",
            "can_verify": "y",
            "csrf_token": csrf_token(form.text),
        },
    )
    assert response.status_code == 422
    for message in ("已被使用", "单位不存在", "只有领导可以核验签约"):
        assert message in response.text
    no_unit = client.post(
        "/admin/users/new",
        data={"name": "no.unit", "role": "staff", "csrf_token": csrf_token(form.text)},
    )
    assert no_unit.status_code == 422 and "工作人员须属于一个单位" in no_unit.text


def test_an_admin_cannot_lock_themselves_out(client, session, login, make_user):
    admin = make_user("admin")
    login(admin)
    page = client.get(f"/admin/users/{admin.id}")
    response = client.post(
        f"/admin/users/{admin.id}/deactivate", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    assert session.get(User, admin.id).active
    assert "不能停用自己的管理员账号" in client.get(f"/admin/users/{admin.id}").text


def test_deactivation_from_the_admin_page_revokes_tokens(client, session, login, make_user, bearer):
    user = make_user("staff")
    headers = bearer(user)
    login(make_user("admin"))
    page = client.get(f"/admin/users/{user.id}")
    client.post(f"/admin/users/{user.id}/deactivate", data={"csrf_token": csrf_token(page.text)})
    assert not session.get(User, user.id).active
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 401


def test_the_units_page_shows_the_tree_and_the_scope_in_words(
    client, session, login, make_user, make_unit
):
    maojian = District(code="420302", name="茅箭区", kind="county_district")
    session.add(maojian)
    city = make_unit("十堰市招商局", kind="city_bureau")
    make_unit("茅箭区招商局", parent=city, district=maojian)
    login(make_user("admin"))
    page = client.get("/admin/units")
    assert page.status_code == 200
    text = page.text
    assert text.index("十堰市招商局") < text.index("茅箭区招商局")
    assert "全市：可查看并修改全市的企业" in text
    assert "可新建和修改茅箭区" in text and "未设所属单位：看不到任何线索和项目" in text


# ---- self-service ----


def test_changing_ones_password_needs_the_current_one_and_keeps_the_rules(client, login, make_user):
    login(make_user("staff"))
    page = client.get("/account")
    data = {"csrf_token": csrf_token(page.text)}
    wrong = client.post(
        "/account/password",
        data=data | {"current": "not-it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text
    common = client.post(
        "/account/password",
        data=data | {"current": PASSWORD, "password": "iloveyou1234", "confirm": "iloveyou1234"},
    )
    assert common.status_code == 422 and "常见密码" in common.text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "至少需要 12 个字符"),
        ("password1234", "常见密码"),
        ("2024iloveyou!!", "常见密码"),
        ("aaaaaaaaaaaaaaaa", "同一个字符"),
        ("my name is staff.lee!", "用户名"),
        ("x" * 201, "最多 200 个字符"),
    ],
)
def test_password_rules(password, message, app):
    with app.test_request_context():
        from crm.services.passwords import password_problems

        assert message in password_problems(password, "staff.lee")[0]
        assert password_problems("雨后的武当山很安静，云很低", "staff.lee") == []


def test_own_tokens_are_shown_once_listed_and_revoked_one_by_one(client, session, login, make_user):
    user = make_user("staff")
    login(user)
    tokens = []
    for name in ("周报脚本", "数据大屏"):
        page = client.get("/account")
        created = client.post(
            "/account/tokens",
            data={"name": name, "expires_days": "30", "csrf_token": csrf_token(page.text)},
        )
        assert created.status_code == 201 and "只显示这一次" in created.text
        tokens.append(re.search(r'value="([^"]+)" aria-label="令牌"', created.text).group(1))
    api = client.application.test_client()
    for token in tokens:
        assert (
            api.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"}).status_code
            == 200
        )
    listing = client.get("/account")
    assert "周报脚本" in listing.text and "数据大屏" in listing.text
    assert tokens[0] not in listing.text  # never shown again
    first = session.scalar(select(ApiToken).where(ApiToken.name == "周报脚本"))
    client.post(f"/account/tokens/{first.id}/revoke", data={"csrf_token": csrf_token(listing.text)})
    first_answer = api.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {tokens[0]}"})
    assert first_answer.status_code == 401
    second = api.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {tokens[1]}"})
    assert second.status_code == 200


def test_one_cannot_revoke_another_users_token(client, session, login, make_user, bearer):
    owner = make_user("staff")
    headers = bearer(owner)
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == owner.id))
    login(make_user("staff"))
    page = client.get("/account")
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(page.text)})
    assert (
        client.application.test_client().get("/api/v1/enterprises", headers=headers).status_code
        == 200
    )


def test_an_expired_token_answers_401_saying_so(client, session, make_user):
    user = make_user("staff")
    token = users.create_token(session, session.get(User, user.id), "旧脚本", expires_days=1)
    session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    response = client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "token_expired"
    assert (
        "已于" in response.json["error"]["message"] and "过期" in response.json["error"]["message"]
    )


def test_the_audit_trail_says_a_password_was_set_but_never_what(session, make_user):
    user = make_user("staff")
    users.set_password(session, session.get(User, user.id), NEW_PASSWORD, user.id)
    session.commit()
    stored = session.get(User, user.id).password_hash
    events = session.scalars(select(AuditEvent)).all()
    assert any(event.action == "password" for event in events)
    for event in events:
        for value in (event.old_value, event.new_value):
            assert value is None or (NEW_PASSWORD not in value and stored not in value)


# ---- /api/v1/users ----


def test_users_api_is_for_administrators(client, make_user, bearer):
    staff = make_user("staff")
    assert client.get("/api/v1/users", headers=bearer(staff)).status_code == 403
    assert client.get(f"/api/v1/users/{staff.id}", headers=bearer(staff)).status_code == 404


def test_users_api_creates_changes_and_deactivates(client, session, make_user, bearer):
    headers = bearer(make_user("admin"))
    created = client.post(
        "/api/v1/users", json={"name": "zhao.api", "role": "official"}, headers=headers
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert body["role"] == "official" and body["active"] is True and body["live_tokens"] == 0
    assert "password_hash" not in body
    link = client.post(f"/api/v1/users/{body['id']}/password-link", headers=headers)
    assert link.status_code == 201 and "/password/" in link.json["link"]
    changed = client.patch(
        f"/api/v1/users/{body['id']}",
        json={"can_verify": True, "version": body["version"]},
        headers=headers,
    )
    assert changed.status_code == 200 and changed.json["can_verify"] is True
    stale = client.patch(
        f"/api/v1/users/{body['id']}", json={"display_name": "x", "version": 1}, headers=headers
    )
    assert stale.status_code == 409
    url, version = f"/api/v1/users/{body['id']}", changed.json["version"]
    hash_write = client.patch(url, json={"password_hash": "x", "version": version}, headers=headers)
    assert hash_write.status_code == 400 and "password_hash" in hash_write.json["error"]["fields"]
    to_ambassador = client.patch(
        url, json={"role": "ambassador", "version": version}, headers=headers
    )
    assert to_ambassador.status_code == 422 and "role" in to_ambassador.json["error"]["fields"]
    assert client.delete(f"/api/v1/users/{body['id']}", headers=headers).status_code == 204
    assert session.get(User, body["id"]).active is False
    listed = client.get("/api/v1/users?active=false", headers=headers).json["items"]
    assert [item["name"] for item in listed] == ["zhao.api"]


# ---- hostile input and races ----

HUGE = "99999999999999999999"  # > 2**63: fits neither database's integer


def _account_csrf(client) -> str:
    return csrf_token(client.get("/account").text)


# ---- user names and display names are not held to the "name" rule ----


def test_user_names_of_invisible_or_bidi_characters_are_refused(client, login, make_user, bearer):
    admin = make_user("admin")
    headers = bearer(admin)
    accepted = []
    for name, display in (
        ("ad\u200bmin", "Zero Width"),  # looks like "admin" in every list
        ("\u202enimda", "Bidi"),  # shows as "admin"
        ("plain.user", "\u200b\u200b"),  # a display name nobody sees
        ("plain.user2", "\u202eevil"),
    ):
        response = client.post(
            "/api/v1/users",
            json={"name": name, "display_name": display, "role": "official"},
            headers=headers,
        )
        if response.status_code != 422:
            accepted.append((name, display, response.status_code))
    assert not accepted


# ---- token names take control, invisible and bidi characters ----


def test_token_names_with_control_or_invisible_characters_are_refused(client, login, make_user):
    login(make_user("staff"))
    accepted = []
    for bad in ("a\x00b", "a\x1bb", "\u200b\u200b", "\u202eabc"):
        response = client.post(
            "/account/tokens", data={"name": bad, "csrf_token": _account_csrf(client)}
        )
        if response.status_code != 422:
            accepted.append((bad, response.status_code))
    assert not accepted


# ---- integers beyond 64 bits in new routes are 500s ----


def test_huge_ids_on_the_new_routes_are_not_server_errors(app, client, login, make_user):
    admin = make_user("admin")
    login(admin)
    csrf = _account_csrf(client)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    failed = []
    try:
        for path in (
            f"/account/tokens/{HUGE}/revoke",
            f"/account/sessions/{HUGE}/end",
            f"/admin/users/{admin.id}/tokens/{HUGE}/revoke",
        ):
            response = client.post(path, data={"csrf_token": csrf})
            if response.status_code >= 500:
                failed.append((path, response.status_code))
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert not failed


def test_a_huge_page_number_on_the_user_list_is_not_a_server_error(client, login, make_user):
    login(make_user("admin"))
    response = client.get("/admin/users", query_string={"page": "1000000000000000000"})
    assert response.status_code < 500


# ---- the current password on /account/password can be guessed without limit ----


def test_guessing_the_current_password_on_the_account_page_is_throttled(client, login, make_user):
    login(make_user("staff"))
    statuses = set()
    for attempt in range(60):
        response = client.post(
            "/account/password",
            data={
                "current": f"guess-{attempt}",
                "password": "a brand new pass phrase",
                "confirm": "a brand new pass phrase",
                "csrf_token": _account_csrf(client),
            },
        )
        statuses.add(response.status_code)
    assert 429 in statuses, statuses


# ---- a token made for a deactivated user comes alive on reactivation ----


def test_a_token_made_for_a_deactivated_user_is_refused(app, session, make_user):
    user = make_user("staff")
    admin = make_user("admin")
    users.deactivate_user(session, user, admin)
    session.commit()
    result = app.test_cli_runner().invoke(args=["create-token", user.name])
    assert result.exit_code != 0, "create-token issued a token to a deactivated user"


# ---- a password link is not redeemed atomically ----


def test_a_password_link_read_before_another_redeems_it_cannot_be_used_again(session, make_user):
    admin = make_user("admin")
    user = make_user("staff")
    issued = users.create_password_link(session, user, admin)
    session.commit()
    # Request A reads the link (the view's first step, which keeps it in `link`) ...
    link = users.password_link(session, issued.token)  # noqa: F841
    # ... request B redeems it and commits meanwhile ...
    session.execute(
        update(PasswordLink)
        .where(PasswordLink.user_id == user.id)
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    # ... and A goes on: the redeem re-checks only the state it read, then writes.
    try:
        phrase = "second pass phrase here"
        users.redeem_password_link(session, issued.token, phrase, phrase)
        session.flush()
        redeemed_twice = True
    except users.LinkProblem:
        redeemed_twice = False
    assert not redeemed_twice, "the link set a password a second time"


# ---- a deactivated account answers faster than an active one ----


def test_log_in_of_a_deactivated_account_checks_a_hash_like_any_other(session, make_user, app):
    user = make_user("staff")
    user.active = False
    session.commit()
    with (
        app.app_context(),
        mock.patch.object(users, "check_password_hash", wraps=users.check_password_hash) as checked,
    ):
        assert users.authenticate(session, user.name, "wrong password") is None
    assert checked.call_count == 1, "no hash checked: deactivated accounts can be told apart"


# ---- rights, lock-out and CSRF ----


def test_no_self_promotion_and_the_last_admin_stays(client, session, make_user, bearer):
    staff = make_user("staff")
    mine = bearer(staff)
    patch = {"role": "admin", "version": staff.version}
    assert client.patch(f"/api/v1/users/{staff.id}", json=patch, headers=mine).status_code in (
        403,
        404,
    )
    assert client.get("/api/v1/users", headers=mine).status_code == 403
    admin = make_user("admin")
    headers = bearer(admin)
    for body in ({"role": "official"}, {"active": False}):
        answer = client.patch(
            f"/api/v1/users/{admin.id}", json=body | {"version": admin.version}, headers=headers
        )
        assert answer.status_code == 422, body
    assert client.delete(f"/api/v1/users/{admin.id}", headers=headers).status_code == 422
    assert session.get(User, admin.id).active and session.get(User, admin.id).role == "admin"


def test_deactivation_kills_tokens_and_they_stay_dead_after_reactivation(
    client, session, make_user, bearer
):
    admin, user = make_user("admin"), make_user("staff")
    headers = bearer(user)
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 200
    users.deactivate_user(session, user, admin)
    session.commit()
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 401
    users.update_user(session, user, {"active": True}, user.version, admin)
    session.commit()
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 401
    assert all(
        t.revoked_at for t in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))
    )


def test_throttle_key_ignores_case_and_spaces(client, login, make_user):
    user = make_user("staff", name="li.ming")
    codes = [
        login(variant, "wrong").status_code
        for variant in ["li.ming", "LI.MING", " li.ming ", "Li.Ming"] * 3
    ]
    assert 429 in codes
    assert login(user).status_code == 429


def test_new_posts_need_csrf(client, login, make_user):
    admin = make_user("admin")
    other = make_user("staff")
    login(admin)
    for path in (
        "/account/sign-out-everywhere",
        "/account/tokens",
        "/account/password",
        f"/admin/users/{other.id}/deactivate",
        f"/admin/users/{other.id}/password-link",
        f"/admin/users/{other.id}/sessions/end",
    ):
        assert client.post(path, data={"name": "x"}).status_code == 400, path


def test_password_link_page_is_not_cacheable(client, session, make_user):
    admin, user = make_user("admin"), make_user("staff")
    issued = users.create_password_link(session, user, admin)
    session.commit()
    page = client.get(f"/password/{issued.token}")
    assert page.status_code == 200
    assert page.headers.get("Cache-Control") == "no-store", page.headers.get("Cache-Control")
