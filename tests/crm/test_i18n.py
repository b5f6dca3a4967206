"""Chinese by default, a complete English translation, and a switch that remembers."""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from crm.models import User
from crm.vocabulary import LEAD_STAGE, PROJECT_STAGE
from tests.support import csrf_token

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "crm" / "translations" / "en" / "LC_MESSAGES"


def extracted_messages(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract",
         "-F", "crm/translations/babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "-o", str(pot), "app.py", "crm", "chainmap", "geo", "templates"],
        cwd=ROOT, check=True,
    )  # fmt: skip
    with pot.open("rb") as file:
        return {message.id for message in read_po(file) if message.id}


def test_every_ui_string_has_an_english_translation(tmp_path):
    with (CATALOG / "messages.po").open("rb") as file:
        translated = {m.id: m.string for m in read_po(file) if m.id and m.string}
    missing = extracted_messages(tmp_path) - set(translated)
    assert not missing, f"run crm/translations/update.sh and translate: {sorted(missing)}"


def test_compiled_catalog_matches_the_po_file():
    with (CATALOG / "messages.po").open("rb") as file:
        source = {m.id: m.string for m in read_po(file) if m.id}
    with (CATALOG / "messages.mo").open("rb") as file:
        compiled = {m.id: m.string for m in read_mo(file) if m.id}
    assert compiled == source, "run crm/translations/update.sh to recompile"


def test_pages_are_chinese_by_default_and_english_after_the_switch(
    client, login, make_user, session
):
    user = make_user("staff")
    login(user)
    home = client.get("/")
    assert 'lang="zh-CN"' in home.text and "线索" in home.text
    switched = client.post("/language/en", data={"csrf_token": csrf_token(home.text), "next": "/"})
    assert switched.headers["Location"] == "/"
    english = client.get("/")
    assert 'lang="en"' in english.text
    assert "Leads" in english.text and "Log out" in english.text
    assert session.get(User, user.id).locale == "en"


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(client, login, make_user):
    login(make_user("staff"))
    token = csrf_token(client.get("/").text)
    assert client.post("/language/fr", data={"csrf_token": token}).status_code == 404
    response = client.post("/language/en", data={"csrf_token": token, "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_login_page_is_chinese_for_visitors(client):
    assert "用户名" in client.get("/login").text


def test_vocabulary_has_both_labels():
    assert LEAD_STAGE.label("initial_contact") == "初步接洽"
    assert LEAD_STAGE.label("initial_contact", "en") == "Initial contact"
    assert PROJECT_STAGE.label("under_construction", "en") == "Under construction"
    assert PROJECT_STAGE.label(None) == ""
