"""Sessions that can be ended: every cookie names a session row that each request checks, so a
cookie replayed after log-out, a password change, deactivation, a change of role or unit, or
"sign out everywhere" is no log-in at all."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from crm.models import User, UserSession
from crm.models.base import utcnow
from crm.services import sessions, users
from tests.support import PASSWORD, csrf_token


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


def _fresh_client(app, **cookies):
    """Another browser holding copies of the given cookies (a thief's replay)."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def _log_in_with_remember_me(client, user, password=PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "name": user.name,
            "password": password,
            "remember": "y",
            "csrf_token": csrf_token(page.text),
        },
    )


def _log_out(client):
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").text)})


def test_session_cookie_replayed_after_log_out_is_refused(app, client, login, make_user):
    login(make_user("staff"))
    stolen = client.get_cookie("session").value
    _log_out(client)
    replay = _fresh_client(app, session=stolen)
    assert not _logged_in(replay)


def test_remember_cookie_replayed_after_log_out_is_refused(app, client, make_user):
    _log_in_with_remember_me(client, make_user("staff"))
    stolen = client.get_cookie("remember_token").value
    # Before log-out the cookie alone logs a new browser in: it is a real remember-me cookie.
    assert _logged_in(_fresh_client(app, remember_token=stolen))
    _log_out(client)
    assert not _logged_in(_fresh_client(app, remember_token=stolen))


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
def test_cookies_replayed_after_a_password_change_are_refused(
    app, client, session, make_user, cookie
):
    user = make_user("staff")
    _log_in_with_remember_me(client, user)
    stolen = client.get_cookie(cookie).value
    users.set_password(session, session.get(User, user.id), "a brand new passphrase", None)
    session.commit()
    assert not _logged_in(_fresh_client(app, **{cookie: stolen}))
    assert not _logged_in(client)


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(
    app, client, login, make_user
):
    user = make_user("staff")
    other_device = app.test_client()
    _log_in_with_remember_me(other_device, user)
    login(user)
    page = client.get("/account")
    response = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 302
    assert _logged_in(client)
    assert not _logged_in(other_device)


def test_the_remember_cookie_is_new_at_every_log_in_and_short_lived(client, make_user):
    user = make_user("staff")
    first = _log_in_with_remember_me(client, user)
    value = client.get_cookie("remember_token").value
    header = next(h for h in first.headers.getlist("Set-Cookie") if h.startswith("remember_token"))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    lifetime = client.get_cookie("remember_token").expires - datetime.now(UTC)
    assert timedelta(days=29) < lifetime <= timedelta(days=30, minutes=1)
    _log_out(client)
    _log_in_with_remember_me(client, user)
    assert client.get_cookie("remember_token").value != value
    assert str(user.id) != value.split("|")[0]  # not the user's id, as it used to be


def test_the_session_cookie_is_http_only_and_same_site(client, login, make_user):
    response = login(make_user("staff"))
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in header and "SameSite=Lax" in header


@pytest.mark.parametrize(
    "change", [{"active": False}, {"role": "official"}, {"unit": True}], ids=str
)
def test_deactivation_and_changes_of_role_or_unit_end_the_sessions(
    client, session, login, make_user, make_unit, change
):
    admin, user = make_user("admin"), make_user("staff")
    login(user)
    assert _logged_in(client)
    values = dict(change)
    if values.pop("unit", None):
        values["unit_id"] = make_unit("张湾区招商局").id
    target = session.get(User, user.id)
    users.update_user(session, target, values, target.version, session.get(User, admin.id))
    session.commit()
    assert not _logged_in(client)


def test_a_session_of_a_user_deactivated_directly_in_the_database_is_refused(
    client, session, login, make_user
):
    # The loader checks `active` itself, not only the service that deactivates.
    user = make_user("staff")
    login(user)
    session.execute(update(User).where(User.id == user.id).values(active=False))
    session.commit()
    assert not _logged_in(client)


def test_sign_out_everywhere_ends_every_session(app, client, login, make_user):
    user = make_user("staff")
    phone = app.test_client()
    _log_in_with_remember_me(phone, user)
    login(user)
    page = client.get("/account")
    response = client.post(
        "/account/sign-out-everywhere", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.headers["Location"] == "/login"
    assert not _logged_in(client) and not _logged_in(phone)


def test_the_account_page_lists_sessions_and_ends_one(app, client, session, login, make_user):
    user = make_user("staff")
    phone = app.test_client()
    phone.get("/login", headers={"User-Agent": "Mozilla/5.0 (iPhone) Safari/604.1"})
    _log_in_with_remember_me(phone, user)
    login(user)
    page = client.get("/account")
    assert "当前设备" in page.text
    rows = session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(rows) == 2
    phone_row = min(rows, key=lambda row: row.id)  # the phone logged in first
    response = client.post(
        f"/account/sessions/{phone_row.id}/end", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    assert not _logged_in(phone) and _logged_in(client)


def test_one_cannot_end_another_users_session(client, session, login, make_user):
    victim, attacker = make_user("staff"), make_user("staff")
    sessions.start_session(session, session.get(User, victim.id), remember=False)
    session.commit()
    victims = session.scalar(select(UserSession.id).where(UserSession.user_id == victim.id))
    login(attacker)
    page = client.get("/account")
    client.post(f"/account/sessions/{victims}/end", data={"csrf_token": csrf_token(page.text)})
    assert session.get(UserSession, victims).ended_at is None


def test_an_idle_session_without_remember_me_expires(client, session, login, make_user):
    user = make_user("staff")
    login(user)
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    assert not _logged_in(client)


def test_a_forged_session_id_is_refused(app, client, login, make_user):
    login(make_user("staff"))
    with client.session_transaction() as cookie:
        row, _dot, key = cookie["_user_id"].partition(".")
        cookie["_user_id"] = f"{row}.{'x' * len(key)}"
    assert not _logged_in(client)


def test_log_out_is_audited(client, session, login, make_user):
    from crm.models import AuditEvent

    user = make_user("staff")
    login(user)
    _log_out(client)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "logout"))
    assert event.user_id == user.id and event.entity == "user_sessions"
