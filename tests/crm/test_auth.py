"""Log-in, log-out, CSRF and throttling."""

from sqlalchemy import select
from werkzeug.security import check_password_hash

from app import create_app
from crm.models import AuditEvent
from tests.support import PASSWORD, csrf_token


def test_staff_logs_in_and_lands_on_the_dashboard(client, login, make_user):
    user = make_user("staff")
    response = login(user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "首页" in client.get("/").text


def test_ambassador_lands_on_the_portal(client, login, make_user):
    response = login(make_user("ambassador"))
    assert response.headers["Location"] == "/portal"
    assert client.get("/").headers["Location"] == "/portal"


def test_ambassador_lands_on_the_portal_whatever_next_says(client, login, make_user):
    # The staff pages would only refuse them: the portal is their one place.
    response = login(make_user("ambassador"), next_page="/projects")
    assert response.headers["Location"] == "/portal"


def test_an_unknown_name_costs_a_password_check_too(client, login, make_user, monkeypatch):
    """So an unknown name is not told apart by how fast it is refused (counted, not timed)."""
    checks = []

    def counted(password_hash, password):
        checks.append(password_hash)
        return check_password_hash(password_hash, password)

    monkeypatch.setattr("crm.services.users.check_password_hash", counted)
    assert login("no.such.user", "some-password").status_code == 401
    assert len(checks) == 1
    user = make_user("staff")
    assert login(user, "wrong-password").status_code == 401
    assert len(checks) == 2 and checks[1] == user.password_hash


def test_wrong_password_is_refused_with_a_message(client, login, make_user):
    user = make_user("staff")
    response = login(user, "not-the-password")
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.text
    assert client.get("/").status_code == 302


def test_inactive_user_cannot_log_in(client, login, make_user, session):
    user = make_user("staff")
    user.active = False
    session.commit()
    assert login(user).status_code == 401


def test_next_parameter_only_goes_to_this_site(client, login, make_user):
    response = login(make_user("staff"), next_page="https://evil.example/")
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(client, login, make_user):
    redirect = client.get("/projects")
    assert redirect.headers["Location"].startswith("/login?next=/projects")
    response = login(make_user("staff"), next_page="/projects")
    assert response.headers["Location"] == "/projects"


def test_log_in_is_audited(client, login, make_user, session):
    user = make_user("staff")
    login(user)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "login"))
    assert (event.user_id, event.entity, event.entity_id) == (user.id, "users", user.id)


def test_password_is_hashed_and_never_in_the_audit_log(client, login, session, make_user):
    user = make_user("staff")
    login(user)
    assert PASSWORD not in user.password_hash
    rows = session.scalars(select(AuditEvent)).all()
    assert {row.action for row in rows} >= {"create", "login"}  # the user's creation is audited
    for row in rows:
        for column in AuditEvent.__table__.columns:
            value = str(getattr(row, column.key))
            # Nor a part of it: a JSON value or a field list would hold it within.
            assert PASSWORD not in value, (row.field, column.key)
            assert user.password_hash not in value, (row.field, column.key)
            assert user.password_hash.split("$")[-1] not in value, (row.field, column.key)


def test_logout_needs_a_post_with_csrf(client, login, make_user):
    login(make_user("staff"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    home = client.get("/")
    response = client.post("/logout", data={"csrf_token": csrf_token(home.text)})
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("staff")
    response = client.post("/login", data={"name": user.name, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_language_switch_without_csrf_token_is_refused(client, login, make_user):
    login(make_user("staff"))
    assert client.post("/language/en").status_code == 400


def test_successful_logins_do_not_count_against_the_limit(client, login, make_user):
    user = make_user("staff")
    home = None
    for _ in range(12):
        assert login(user).status_code == 302
        home = client.get("/")
        client.post("/logout", data={"csrf_token": csrf_token(home.text)})


def test_session_cookie_is_http_only(client, login, make_user):
    response = login(make_user("staff"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_control_characters_in_the_name_are_refused_not_crashed(client, make_user):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"name": "adm\x00in", "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 200
    assert "不能包含控制字符" in response.text


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(
    database_url, session, make_user
):
    user = make_user("staff")
    proxied = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "TRUSTED_PROXIES": 1}
    )
    client = proxied.test_client()
    page = client.get("/login")
    client.post(
        "/login",
        data={"name": user.name, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "login"))
    assert event.remote_addr == "203.0.113.7"
