"""Referral attachments: a business card's photo or a brochure, checked by content (never by
the name or the browser's type), stored outside the web root under random names, and served
as downloads only to those who read the referral, on the pages and in the API."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from crm.models import Attachment, Referral
from crm.services import attachments, referrals
from tests.support import csrf_token

# The first bytes are what counts; the rest stands in for the picture or the document.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(200)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><script>alert(document.cookie)</script>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(100)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HOSTILE_NAME = "<img src=x onerror=alert(1)>名片.jpg"


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG of grey pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def ambassador(make_user):
    return make_user("ambassador", "wang.dashi", display_name="王大使")


def stored_files(app) -> set[Path]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def download(client, url: str, **options):
    """GET a file and close the response, as a browser does once it has read it."""
    response = client.get(url, **options)
    response.get_data()
    response.close()
    return response


def submit(client, files: list[tuple[bytes, str]], **fields):
    page = client.get("/portal")
    data = {
        "csrf_token": csrf_token(page.text),
        "enterprise_name": "深圳某新能源科技有限公司",
        "contact_name": "李总",
        "how_known": "商会同事",
    } | fields
    values = MultiDict(data)
    for content, name in files:
        values.add("attachments", FileStorage(io.BytesIO(content), name))
    # Encoded in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart(values)
    return client.post(
        "/portal/referrals",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


# ---- telling a file's type by its content ----


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (JPEG, "image/jpeg"),
        (png(), "image/png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00", "image/heif"),
        (PDF, "application/pdf"),
        (HTML, None),
        (EXE, None),
        (SVG, None),
        (b"GIF89a\x01\x00", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", None),
        (b"", None),
    ],
)
def test_the_type_is_told_by_the_first_bytes(head, content_type):
    assert attachments.sniff(head[: attachments.SNIFF_BYTES]) == content_type


def test_the_shown_name_drops_folders_and_control_characters_and_fits_the_column():
    assert attachments.shown_name("C:\\fakepath\\名片.jpg") == "名片.jpg"
    assert attachments.shown_name("../../etc/passwd") == "passwd"
    assert attachments.shown_name("a\x00b\u202ec.pdf") == "abc.pdf"
    assert attachments.shown_name("") == "附件"
    long = attachments.shown_name("长" * 400 + ".pdf")
    assert len(long) == attachments.NAME_LIMIT and long.endswith(".pdf")


# ---- on the portal form ----


def test_a_referral_is_submitted_with_a_photo_and_a_brochure(
    app, client, login, ambassador, session
):
    login(ambassador)
    before = stored_files(app)
    response = submit(client, [(JPEG, HOSTILE_NAME), (PDF, "项目介绍.pdf")])
    assert response.status_code == 302
    referral = session.scalars(select(Referral)).one()
    files = session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(f.owner_type, f.owner_id) for f in files] == [("referral", referral.id)] * 2
    assert [f.file_name for f in files] == [HOSTILE_NAME, "项目介绍.pdf"]
    assert [f.content_type for f in files] == ["image/jpeg", "application/pdf"]
    assert [f.size_bytes for f in files] == [len(JPEG), len(PDF)]
    written = stored_files(app) - before
    assert len(written) == 2
    root = Path(app.config["UPLOAD_FOLDER"]).resolve()
    static = Path(app.static_folder).resolve()
    for file in files:
        path = attachments.path_of(app.config["UPLOAD_FOLDER"], file)
        assert path in written and path.is_relative_to(root)
        # A random name, nothing of the sender's, and not under the web root.
        assert not path.is_relative_to(static)
        assert "名片" not in file.stored_path and "." not in path.name and len(path.name) == 32
    assert attachments.path_of(app.config["UPLOAD_FOLDER"], files[0]).read_bytes() == JPEG

    # The ambassador's referral page lists them, the hostile name escaped.
    detail = client.get(f"/portal/referrals/{referral.id}")
    assert detail.status_code == 200
    assert "&lt;img src=x onerror=alert(1)&gt;名片.jpg" in detail.text
    assert HOSTILE_NAME not in detail.text
    assert f"/referrals/{referral.id}/attachments/{files[1].id}" in detail.text
    assert 'data-testid="referral-steps"' in detail.text


def test_the_form_asks_for_files_and_says_which_types(client, login, ambassador):
    login(ambassador)
    page = client.get("/portal").text
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and 'name="attachments"' in page and "multiple" in page
    assert "最多 3 个，每个不超过 10 MB" in page


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([(HTML, "名片.jpg")], "“名片.jpg”不是可接受的文件"),
        ([(EXE, "photo.jpg")], "“photo.jpg”不是可接受的文件"),
        ([(SVG, "logo.png")], "“logo.png”不是可接受的文件"),
        ([(b"", "空.pdf")], "“空.pdf”是空文件"),
        ([(JPEG, f"{n}.jpg") for n in range(4)], "最多 3 个附件"),
        ([(JPEG, "好的.jpg"), (HTML, "坏的.jpg")], "“坏的.jpg”不是可接受的文件"),
    ],
)
def test_a_bad_file_keeps_the_referral_unsaved_and_the_fields_filled(
    app, client, login, ambassador, session, files, message
):
    login(ambassador)
    before = stored_files(app)
    response = submit(client, files, enterprise_name="<b>汉江</b>精工有限公司")
    assert response.status_code == 422
    assert message in response.text
    field = response.text.split('data-field="attachments"')[1].split("</div>")[0]
    assert message in field and 'data-testid="reselect"' in field
    # The other fields stay filled, escaped; nothing was saved, no file was written.
    assert 'value="&lt;b&gt;汉江&lt;/b&gt;精工有限公司"' in response.text
    assert "商会同事" in response.text
    assert session.scalars(select(Referral)).all() == []
    assert session.scalars(select(Attachment)).all() == []
    assert stored_files(app) == before


def test_a_file_over_the_configured_size_is_refused_at_the_field(
    app, client, login, ambassador, session, monkeypatch
):
    monkeypatch.setitem(app.config, "REFERRAL_ATTACHMENT_MAX_BYTES", 1024 * 1024)
    login(ambassador)
    big = JPEG + bytes(1024 * 1024)
    response = submit(client, [(big, "大图.jpg")])
    assert response.status_code == 422
    assert "“大图.jpg”超过每个文件 1 MB 的上限" in response.text
    assert session.scalars(select(Referral)).all() == []


def test_a_request_past_all_the_files_together_is_refused_saying_the_limits(
    app, client, login, ambassador, monkeypatch
):
    monkeypatch.setitem(app.config, "REFERRAL_ATTACHMENT_MAX_BYTES", 64 * 1024)
    login(ambassador)
    huge = JPEG + bytes(3 * 64 * 1024 + 128 * 1024)
    response = submit(client, [(huge, "巨大.jpg")])
    assert response.status_code == 413
    assert "每个文件不超过 0.1 MB，最多 3 个" in response.text


def test_an_error_elsewhere_asks_for_the_files_again(client, login, ambassador, session):
    login(ambassador)
    response = submit(client, [(JPEG, "名片.jpg")], enterprise_uscc="123")
    assert response.status_code == 422
    assert 'data-testid="reselect"' in response.text
    assert session.scalars(select(Attachment)).all() == []


def test_a_referral_without_files_needs_none(client, login, ambassador, session):
    login(ambassador)
    # A file input left empty sends a part without a name or bytes.
    response = submit(client, [(b"", "")])
    assert response.status_code == 302
    assert session.scalars(select(Referral)).one()
    assert session.scalars(select(Attachment)).all() == []


# ---- who may download ----


@pytest.fixture
def attached(session, ambassador, app):
    """A referral of the ambassador's with a photo."""
    referral = referrals.create_referral(session, {"enterprise_name": "十堰汉江精工"}, ambassador)
    [upload], problems = attachments.check_uploads(
        [(HOSTILE_NAME, io.BytesIO(JPEG))], referrals.attachment_limits(app.config)
    )
    assert problems == []
    [file] = referrals.attach_files(
        session, referral, [upload], ambassador, app.config["UPLOAD_FOLDER"]
    )
    session.commit()
    return referral, file


def test_the_owner_downloads_it_as_an_attachment_of_the_checked_type(client, login, attached):
    referral, file = attached
    login("wang.dashi")
    response = download(client, f"/referrals/{referral.id}/attachments/{file.id}")
    assert response.status_code == 200
    assert response.data == JPEG
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%3Cimg%20src" in disposition and "\n" not in disposition


@pytest.mark.parametrize("role", ["official", "staff", "admin"])
def test_the_bureaus_readers_download_it(client, login, make_user, attached, role):
    referral, file = attached
    login(make_user(role))
    response = download(client, f"/referrals/{referral.id}/attachments/{file.id}")
    assert response.status_code == 200 and response.data == JPEG
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_another_ambassador_gets_404(client, login, make_user, attached):
    referral, file = attached
    login(make_user("ambassador", "li.dashi"))
    assert download(client, f"/referrals/{referral.id}/attachments/{file.id}").status_code == 404
    assert client.get(f"/portal/referrals/{referral.id}").status_code == 404


def test_a_file_is_found_only_under_its_own_referral(client, login, ambassador, attached, session):
    referral, file = attached
    other = referrals.create_referral(session, {"enterprise_name": "另一家企业"}, ambassador)
    session.commit()
    login("wang.dashi")
    assert download(client, f"/referrals/{other.id}/attachments/{file.id}").status_code == 404
    assert (
        download(client, f"/referrals/{referral.id}/attachments/{file.id + 999}").status_code == 404
    )


def test_a_visitor_is_sent_to_log_in(client, attached):
    referral, file = attached
    response = download(client, f"/referrals/{referral.id}/attachments/{file.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_inbox_lists_the_files(client, login, make_user, attached):
    referral, file = attached
    login(make_user("staff"))
    page = client.get("/ambassadors/inbox").text
    assert f"/referrals/{referral.id}/attachments/{file.id}" in page
    assert "&lt;img src=x onerror=alert(1)&gt;名片.jpg" in page


def test_the_lead_an_accepted_referral_became_lists_its_files(
    client, login, make_user, attached, session
):
    referral, file = attached
    staff = make_user("staff")
    acceptance = referrals.accept_referral(session, session.get(Referral, referral.id), staff)
    session.commit()
    login(staff)
    page = client.get(f"/leads/{acceptance.lead.id}").text
    assert f"/referrals/{referral.id}/attachments/{file.id}" in page


# ---- over the API ----


def test_the_owner_attaches_files_over_the_api_and_reads_them_in_the_record(
    app, client, bearer, ambassador, session
):
    headers = bearer(ambassador)
    created = client.post(
        "/api/v1/referrals", json={"enterprise_name": "十堰汉江精工"}, headers=headers
    )
    referral_id = created.json["id"]
    response = client.post(
        f"/api/v1/referrals/{referral_id}/attachments",
        data={"attachments": [(io.BytesIO(png()), "card.png"), (io.BytesIO(PDF), "a.pdf")]},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    listed = response.json["attachments"]
    assert [(a["file_name"], a["content_type"]) for a in listed] == [
        ("card.png", "image/png"),
        ("a.pdf", "application/pdf"),
    ]
    assert listed[0]["size_bytes"] == len(png()) and listed[0]["created_at"].endswith("Z")
    read = client.get(f"/api/v1/referrals/{referral_id}", headers=headers).json
    assert read["attachments"] == listed
    fetched = download(
        client, f"/api/v1/referrals/{referral_id}/attachments/{listed[1]['id']}", headers=headers
    )
    assert fetched.status_code == 200 and fetched.data == PDF
    assert fetched.mimetype == "application/pdf"
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"
    # The list goes without them: a record is read for its files.
    assert "attachments" not in client.get("/api/v1/referrals", headers=headers).json["items"][0]


def test_the_api_refuses_bad_files_and_one_too_many(app, client, bearer, ambassador, attached):
    referral, _file = attached
    headers = bearer(ambassador)
    url = f"/api/v1/referrals/{referral.id}/attachments"

    def post(files):
        data = {"attachments": [(io.BytesIO(content), name) for content, name in files]}
        return client.post(url, data=data, headers=headers, content_type="multipart/form-data")

    refused = post([(HTML, "x.jpg")])
    assert refused.status_code == 422
    assert "不是可接受的文件" in refused.json["error"]["fields"]["attachments"][0]
    assert post([]).status_code == 422
    # One already; three more would make four.
    too_many = post([(JPEG, f"{n}.jpg") for n in range(3)])
    assert too_many.status_code == 422
    assert "已有 1 个" in too_many.json["error"]["fields"]["attachments"][0]
    assert post([(JPEG, "1.jpg"), (JPEG, "2.jpg")]).status_code == 201


def test_only_the_owner_attaches_and_reads_over_the_api(client, bearer, make_user, attached):
    referral, file = attached
    url = f"/api/v1/referrals/{referral.id}/attachments"
    files = {"attachments": [(io.BytesIO(JPEG), "x.jpg")]}
    other = bearer(make_user("ambassador", "li.dashi"))
    assert client.post(url, data=files, headers=other).status_code == 404
    assert download(client, f"{url}/{file.id}", headers=other).status_code == 404
    staff = bearer(make_user("staff"))
    files = {"attachments": [(io.BytesIO(JPEG), "x.jpg")]}
    assert client.post(url, data=files, headers=staff).status_code == 403
    assert download(client, f"{url}/{file.id}", headers=staff).status_code == 200
    assert download(client, f"{url}/{file.id}").status_code == 401


def test_a_save_the_database_refuses_leaves_no_file_behind(app, session, ambassador):
    uploads, _problems = attachments.check_uploads(
        [("a.jpg", io.BytesIO(JPEG)), ("b.pdf", io.BytesIO(PDF))],
        referrals.attachment_limits(app.config),
    )
    before = stored_files(app)
    # An owner kind the vocabulary's CHECK constraint refuses.
    with pytest.raises(StatementError):
        attachments.save(session, app.config["UPLOAD_FOLDER"], "nobody", 1, uploads, None)
    session.rollback()
    assert stored_files(app) == before
