"""The log-in throttle counts failures per (account, address), with a far higher ceiling per
address: a guesser cannot lock an account's owner out, nor one typist a whole office."""

import pytest

from tests.support import csrf_token


@pytest.fixture(autouse=True)
def small_limits(app):
    # Small limits keep the tests short; the rule is the same as the defaults'.
    saved = {name: app.config[name] for name in ("LOGIN_LIMITS", "LOGIN_ADDRESS_LIMITS")}
    app.config.update(LOGIN_LIMITS="5 per minute", LOGIN_ADDRESS_LIMITS="12 per minute")
    yield
    app.config.update(saved)


def test_failures_for_one_account_from_one_address_are_throttled(client, login, make_user):
    user = make_user("staff")
    for _ in range(5):
        assert login(user, "wrong-password", REMOTE_ADDR="10.0.0.1").status_code == 401
    # The sixth attempt is refused even with the right password, and the page says how long.
    response = login(user, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "尝试次数过多" in response.text and "1 分钟后再试" in response.text
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # The form is there again, with the name kept, so the user can try once the time is up.
    assert 'name="password"' in response.text and f'value="{user.name}"' in response.text


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(client, login, make_user):
    user = make_user("staff")
    for _ in range(5):
        login(user, "wrong-password", REMOTE_ADDR="203.0.113.9")
    assert login(user, "wrong-password", REMOTE_ADDR="203.0.113.9").status_code == 429
    # The owner, at an address that has not been failing, logs in.
    assert login(user, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_one_typist_does_not_lock_out_colleagues_behind_the_same_address(client, login, make_user):
    typist, colleague = make_user("staff"), make_user("staff")
    for _ in range(5):
        login(typist, "wrong-password", REMOTE_ADDR="10.0.0.3")
    assert login(typist, REMOTE_ADDR="10.0.0.3").status_code == 429
    assert login(colleague, REMOTE_ADDR="10.0.0.3").status_code == 302


def test_one_address_trying_many_accounts_meets_the_address_ceiling(client, login, make_user):
    users = [make_user("staff") for _ in range(4)]
    for user in users:
        for _ in range(3):  # under each account's own limit of 5
            assert login(user, "wrong-password", REMOTE_ADDR="198.51.100.4").status_code == 401
    # Twelve failures from the address: the next attempt is refused whoever it is for.
    response = login(make_user("staff"), REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 429
    assert login(users[0], REMOTE_ADDR="198.51.100.5").status_code == 302


def test_successful_logins_do_not_count_against_the_limits(client, login, make_user):
    user = make_user("staff")
    for _ in range(14):
        assert login(user).status_code == 302
        home = client.get("/")
        client.post("/logout", data={"csrf_token": csrf_token(home.text)})
