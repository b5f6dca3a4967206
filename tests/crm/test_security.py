"""Security headers, cookies over HTTPS, request size limits and redirect targets."""

import io
import tempfile

import pytest
from flask import request
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import create_app
from crm.security import same_site_path
from tests.support import PASSWORD, csrf_token

API = "/api/v1/enterprises"
IMPORT_API = "/api/v1/enterprises/import"
IMPORT_PAGE = "/imports/enterprises"
MiB = 1024 * 1024
# Over HTTPS, Flask-WTF wants a form post to name this site as its referrer (as browsers do).
FROM_THIS_SITE = {"Referer": "https://localhost/login"}


def log_in(client, user, remember: bool = False, **options):
    page = client.get("/login", **options)
    data = {"name": user.name, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data, **options)
    assert response.status_code == 302
    return response


def cookies_set(response) -> dict[str, str]:
    """Each Set-Cookie header by the cookie's name."""
    return {value.split("=", 1)[0]: value for value in response.headers.getlist("Set-Cookie")}


def is_secure(cookie: str) -> bool:
    return "secure" in (part.strip().lower() for part in cookie.split(";")[1:])


# ---- headers ----


def test_every_response_carries_the_security_headers(client, make_user, bearer):
    for response in (
        client.get("/login"),
        client.get("/static/css/app.css"),
        client.get(API, headers=bearer(make_user("staff"))),
        client.get("/no-such-page"),
    ):
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(self)"
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'self'" in policy
        assert "script-src 'self';" in policy  # no inline script
        response.close()


def test_pages_for_someone_logged_in_are_not_stored(client, make_user):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    log_in(client, make_user("staff"))
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/enterprises").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_every_api_answer_is_not_stored(client, make_user, bearer):
    headers = bearer(make_user("staff"))
    assert client.get(API, headers=headers).headers["Cache-Control"] == "no-store"
    assert client.get(API).headers["Cache-Control"] == "no-store"  # 401
    assert client.get("/api/v1/openapi.json").headers["Cache-Control"] == "no-store"


# ---- HTTPS ----


def test_over_https_cookies_are_secure_and_hsts_is_sent(client, make_user):
    response = log_in(
        client,
        make_user("staff"),
        remember=True,
        base_url="https://localhost",
        headers=FROM_THIS_SITE,
    )
    cookies = cookies_set(response)
    assert is_secure(cookies["session"]) and is_secure(cookies["remember_token"])
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_over_plain_http_cookies_are_not_secure_and_no_hsts(client, make_user):
    response = log_in(client, make_user("staff"), remember=True)
    cookies = cookies_set(response)
    assert not is_secure(cookies["session"]) and not is_secure(cookies["remember_token"])
    assert "Strict-Transport-Security" not in response.headers


def make_app_with(database_url, **settings):
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "TESTING": True} | settings
    )


def test_behind_a_trusted_proxy_forwarded_https_counts(database_url, session, make_user):
    user = make_user("staff")
    client = make_app_with(database_url, TRUSTED_PROXIES=1).test_client()
    forwarded = {"X-Forwarded-Proto": "https"} | FROM_THIS_SITE
    response = log_in(client, user, remember=True, headers=forwarded)
    cookies = cookies_set(response)
    assert is_secure(cookies["session"]) and is_secure(cookies["remember_token"])
    assert "Strict-Transport-Security" in response.headers


def test_without_trusted_proxies_a_forwarded_scheme_is_ignored(database_url, session, make_user):
    user = make_user("staff")
    client = make_app_with(database_url).test_client()
    response = log_in(client, user, headers={"X-Forwarded-Proto": "https"})
    assert not is_secure(cookies_set(response)["session"])
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("from_environment", [False, True])
def test_secure_cookies_can_be_forced(database_url, session, make_user, monkeypatch,
                                      from_environment):  # fmt: skip
    user = make_user("staff")
    if from_environment:
        monkeypatch.setenv("INVESTATLAS_SECURE_COOKIES", "true")
        app = make_app_with(database_url)
    else:
        app = make_app_with(database_url, SECURE_COOKIES=True)
    response = log_in(app.test_client(), user, remember=True)
    cookies = cookies_set(response)
    assert is_secure(cookies["session"]) and is_secure(cookies["remember_token"])
    # HSTS only where the browser sees HTTPS: this request was plain HTTP.
    assert "Strict-Transport-Security" not in response.headers


# ---- request sizes ----


def multipart(file: bytes, name: str, **fields) -> dict:
    """A multipart body with `file`, as the test client's arguments. Encoded here, in memory:
    the client would spool a large one to a temporary file that it never closes."""
    upload = FileStorage(io.BytesIO(file), filename=name)
    boundary, body = encode_multipart({"file": upload, **fields})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def csv_of_size(size: int) -> bytes:
    """A good CSV file of at least `size` bytes: one row, then blank lines (which are skipped)."""
    head = "企业名称\r\n十堰汉江精工有限公司\r\n".encode()
    return head + b"\r\n" * ((size - len(head)) // 2 + 1)


def test_a_json_body_over_the_limit_answers_413_json(client, make_user, bearer, session):
    body = b'{"name": "' + b"x" * (MiB + 1) + b'"}'
    response = client.post(
        API, data=body, content_type="application/json", headers=bearer(make_user("staff"))
    )
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large"
    assert error["message"] == "提交的内容超过 1 MB 的上限。"


def test_a_form_over_the_limit_answers_413_naming_the_limit(client, make_user):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"name": "x" * (MiB + 1), "password": "x", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 413
    assert "提交的内容超过 1 MB 的上限。" in response.text


def test_an_upload_over_the_import_limit_answers_413(client, make_user, bearer, session):
    headers = bearer(make_user("staff"))
    response = client.post(
        IMPORT_API, headers=headers, **multipart(csv_of_size(21 * MiB), "大.csv")
    )
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large"
    assert error["message"] == "文件超过 20 MB 的上限，请拆分后分批导入。"


def test_the_import_page_explains_an_upload_over_the_limit(client, make_user):
    log_in(client, make_user("staff"))
    page = client.get(IMPORT_PAGE)
    upload = multipart(csv_of_size(21 * MiB), "大.csv", csrf_token=csrf_token(page.text))
    response = client.post(IMPORT_PAGE, **upload)
    assert response.status_code == 413
    assert 'data-testid="import-error"' in response.text  # at the field, on the upload page
    assert "文件超过 20 MB 的上限，请拆分后分批导入。" in response.text


def test_an_upload_between_the_two_limits_is_taken(client, make_user, bearer, session):
    staff = make_user("staff")
    data = csv_of_size(MiB + 100_000)
    response = client.post(
        IMPORT_API + "?dry_run=true", headers=bearer(staff), **multipart(data, "mid.csv")
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["rows"] == 1

    log_in(client, staff)
    page = client.get(IMPORT_PAGE)
    response = client.post(
        IMPORT_PAGE, **multipart(data, "mid.csv", csrf_token=csrf_token(page.text))
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/imports/file/")


def test_an_uploaded_file_waits_on_disk_not_in_memory(app):
    """Werkzeug spools a file part to a temporary file beyond 500 KB; nothing here may change it."""
    upload = multipart(b"x" * 600_000, "a.csv")
    with app.test_request_context("/imports/enterprises", method="POST", **upload):
        stream = request.files["file"].stream
        assert isinstance(stream, tempfile.SpooledTemporaryFile)
        assert stream._rolled  # written out to a file on disk


# ---- redirect targets ----

BAD_TARGETS = [
    "/projects\r\nSet-Cookie: evil=1",
    "/projects\nx",
    "/\r\n",
    "/pro\x00jects",
    "/\t/evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "/projects\\..\\x",
    "//evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/ /evil.example",
    "/\u200b/evil.example",
    "/\u202e/evil.example",
]


@pytest.mark.parametrize("target", BAD_TARGETS)
def test_only_a_plain_path_on_this_site_is_a_redirect_target(target):
    assert same_site_path(target) is None


@pytest.mark.parametrize("target", ["/", "/projects", "/enterprises?q=汉江&page=2", "/a/b#c"])
def test_a_plain_path_is_a_redirect_target(target):
    assert same_site_path(target) == target


@pytest.mark.parametrize("target", BAD_TARGETS)
def test_a_bad_next_after_log_in_goes_to_the_landing_page(client, login, make_user, target):
    response = login(make_user("staff"), next_page=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/projects\r\nSet-Cookie: evil=1", "/\\evil.example"])
def test_a_bad_next_after_switching_language_goes_home(client, target):
    page = client.get("/login")
    response = client.post(
        "/language/en", data={"next": target, "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_switching_language_returns_to_the_page(client):
    page = client.get("/login")
    response = client.post(
        "/language/en", data={"next": "/login?x=1", "csrf_token": csrf_token(page.text)}
    )
    assert response.headers["Location"] == "/login?x=1"
