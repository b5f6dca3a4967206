"""The command-line contract: create-user, set-password, deactivate-user, create-token and
revoke-tokens."""

from sqlalchemy import select

from crm.models import Ambassador, ApiToken, User


def invoke(app, *args, stdin=None):
    return app.test_cli_runner().invoke(args=list(args), input=stdin)


def test_create_user_reads_the_password_from_stdin(app, session):
    result = invoke(
        app,
        "create-user",
        "wang.li",
        "--role",
        "staff",
        "--password-stdin",
        stdin="s3cret-enough\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.name == "wang.li"))
    assert user.role == "staff"
    assert user.check_password("s3cret-enough")


def test_create_ambassador_also_creates_the_profile(app, session):
    result = invoke(
        app,
        "create-user",
        "zhao.min",
        "--role",
        "ambassador",
        "--ambassador-kind",
        "talent_ambassador",
        "--password-stdin",
        stdin="s3cret-enough\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.name == "zhao.min"))
    profile = session.scalar(select(Ambassador).where(Ambassador.user_id == user.id))
    assert profile.kind == "talent_ambassador"


def test_ambassador_kind_defaults_to_investment_ambassador(app, session):
    invoke(
        app,
        "create-user",
        "qian.bo",
        "--role",
        "ambassador",
        "--password-stdin",
        stdin="s3cret-enough\n",
    )
    user = session.scalar(select(User).where(User.name == "qian.bo"))
    assert user.ambassador.kind == "investment_ambassador"


def test_bad_role_short_password_and_duplicate_name_are_refused(app, session):
    assert (
        invoke(
            app, "create-user", "a", "--role", "mayor", "--password-stdin", stdin="s3cret-enough\n"
        ).exit_code
        != 0
    )
    short = invoke(app, "create-user", "a", "--role", "staff", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1 and "密码至少需要 12 个字符" in short.output
    common = invoke(
        app, "create-user", "a", "--role", "staff", "--password-stdin", stdin="password1234\n"
    )
    assert common.exit_code == 1 and "常见密码" in common.output
    invoke(
        app, "create-user", "dup", "--role", "staff", "--password-stdin", stdin="s3cret-enough\n"
    )
    again = invoke(
        app, "create-user", "dup", "--role", "staff", "--password-stdin", stdin="s3cret-enough\n"
    )
    assert again.exit_code == 1 and "已被使用" in again.output
    assert session.scalar(select(User.id).where(User.name == "a")) is None


def test_create_token_prints_only_the_token_and_keeps_only_its_hash(app, session, make_user):
    user = make_user("staff")
    result = invoke(app, "create-token", user.name)
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert len(token) >= 40 and "\n" not in token
    stored = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.token_hash == ApiToken.hash(token) != token


def test_create_token_for_unknown_user_fails_clearly(app, session):
    result = invoke(app, "create-token", "nobody")
    assert result.exit_code == 1 and "no such user" in result.output


def test_revoked_tokens_answer_401(app, session, make_user):
    user = make_user("staff")
    token = invoke(app, "create-token", user.name).output.strip()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 200
    result = invoke(app, "revoke-tokens", user.name)
    assert result.exit_code == 0 and "revoked 1 token" in result.output
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 401


def test_create_token_with_a_label_and_an_expiry(app, session, make_user):
    user = make_user("staff")
    result = invoke(app, "create-token", user.name, "--expires", "30", "--label", "报表脚本")
    assert result.exit_code == 0, result.output
    stored = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.name == "报表脚本"
    assert 29 <= (stored.expires_at - stored.created_at).days <= 30
    refused = invoke(app, "create-token", user.name, "--expires", "0")
    assert refused.exit_code == 1 and "有效期" in refused.output


def test_set_password_ends_the_users_sessions(app, session, make_user, login, client):
    user = make_user("staff")
    login(user)
    assert client.get("/").status_code == 200
    result = invoke(app, "set-password", user.name, "--password-stdin", stdin="a new long phrase\n")
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302  # the session ended with the old password
    assert session.get(User, user.id).check_password("a new long phrase")
    weak = invoke(app, "set-password", user.name, "--password-stdin", stdin="qwerty\n")
    assert weak.exit_code == 1 and "至少需要" in weak.output


def test_deactivate_user_ends_sessions_and_tokens(app, session, make_user, login, client):
    user = make_user("staff")
    token = invoke(app, "create-token", user.name).output.strip()
    login(user)
    result = invoke(app, "deactivate-user", user.name)
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302
    api = app.test_client().get("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    assert not session.get(User, user.id).active
    assert session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id))


def test_the_last_administrator_cannot_be_deactivated(app, session, make_user):
    admin = make_user("admin")
    result = invoke(app, "deactivate-user", admin.name)
    assert result.exit_code == 1 and "最后一个" in result.output
    make_user("admin")
    assert invoke(app, "deactivate-user", admin.name).exit_code == 0


def test_ordinary_commands_do_not_load_the_geometry_libraries():
    """The demo city's, the map's and the chain's libraries load only where they are used."""
    import subprocess
    import sys

    probe = (
        "import sys; from app import create_app; app = create_app({'SQLALCHEMY_DATABASE_URI': "
        "'sqlite://'}); app.test_cli_runner().invoke(args=['create-user', '--help']); "
        "print(sorted(m for m in ('shapely', 'pyproj', 'geopandas', 'networkx') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"
