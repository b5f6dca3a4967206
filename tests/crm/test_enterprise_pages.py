"""The enterprise pages through the test client: the list, a record, forms, conflicts, merge,
saved filters, contacts, export and the import steps."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from crm.models import AuditEvent, Contact, Enterprise, SavedFilter
from crm.schemas.enterprises import SHEET_COLUMNS
from crm.services.enterprises import create_enterprise, update_enterprise
from tests.support import csrf_token

CODE = "91110108551385082Q"


@pytest.fixture
def staff(make_user, login):
    user = make_user("staff")
    login(user)
    return user


def make(session, name: str, **values) -> Enterprise:
    enterprise = create_enterprise(session, {"name": name, **values}, None)
    session.commit()
    return enterprise


def names_listed(html: str) -> list[str]:
    return re.findall(r'href="/enterprises/\d+">([^<]+)</a>', html)


def post_form(client, url: str, data: dict, page_url: str | None = None):
    token = csrf_token(client.get(page_url or url).text)
    return client.post(url, data={"csrf_token": token, **data})


# ---- the list ----


def test_initials_match_anywhere_and_the_count_is_shown(client, session, staff, places):
    make(session, "十堰汉江精工有限公司")
    make(session, "东风小康汽车有限公司")
    page = client.get("/enterprises?q=hj")
    assert page.status_code == 200
    assert names_listed(page.text) == ["十堰汉江精工有限公司"]
    assert "共 1 家企业" in page.text
    assert names_listed(client.get("/enterprises?q=xkqc").text) == ["东风小康汽车有限公司"]


def test_filters_live_in_the_address_and_a_bad_one_is_explained(client, session, staff, places):
    make(session, "十堰汉江精工有限公司", district="420302", is_leading=True)
    make(session, "十堰秦岭锻造有限公司", district="420303")
    assert names_listed(client.get("/enterprises?district=420302").text) == ["十堰汉江精工有限公司"]
    assert names_listed(client.get("/enterprises?is_leading=true").text) == ["十堰汉江精工有限公司"]
    bad = client.get("/enterprises?district=000000")
    assert bad.status_code == 200
    assert "未知区县代码：000000" in bad.text
    assert names_listed(bad.text) == []


def test_pages_continue_after_the_last_row_in_the_chosen_order(client, session, staff):
    for number in range(60):
        # Output 0..59, and ten without any: those come last.
        make(session, f"企业{number:02d}", output_wan=None if number >= 50 else str(number))
    first = client.get("/enterprises?sort=output")
    shown = names_listed(first.text)
    assert shown == [f"企业{number:02d}" for number in range(49, -1, -1)]
    after = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    second = names_listed(client.get(after).text)
    assert second == [f"企业{number:02d}" for number in range(59, 49, -1)]
    assert 'rel="next"' not in client.get(after).text
    # A cursor that is not one of ours starts from the first page again.
    assert names_listed(client.get("/enterprises?sort=output&after=bm9wZQ").text) == shown


def test_saved_filters_are_each_users_own(client, session, staff, make_user, places):
    saved = post_form(client, "/enterprises/saved-filters",
                      {"name": "茅箭区龙头", "query": "district=420302&is_leading=true&after=x"},
                      page_url="/enterprises?district=420302")  # fmt: skip
    assert saved.status_code == 302
    row = session.scalar(select(SavedFilter))
    assert (row.name, row.query) == ("茅箭区龙头", "district=420302&is_leading=true")
    listed = client.get("/enterprises")
    assert 'href="/enterprises?district=420302&amp;is_leading=true"' in listed.text
    other = make_user("staff")
    stranger = client.application.test_client()
    page = stranger.get("/login")
    stranger.post("/login", data={"name": other.name, "password": "correct-horse-9",
                                  "csrf_token": csrf_token(page.text)})  # fmt: skip
    token = csrf_token(stranger.get("/enterprises").text)
    refused = stranger.post(
        f"/enterprises/saved-filters/{row.id}/delete", data={"csrf_token": token}
    )
    assert refused.status_code == 404
    deleted = post_form(client, f"/enterprises/saved-filters/{row.id}/delete", {}, "/enterprises")
    assert deleted.status_code == 302
    assert session.scalar(select(func.count()).select_from(SavedFilter)) == 0


# ---- a record ----


def test_the_record_page_shows_every_section(client, session, staff, places):
    enterprise = make(session, "十堰汉江精工有限公司", uscc=CODE, segments=["M501"],
                      output_wan="1000", land_mu="20")  # fmt: skip
    page = client.get(f"/enterprises/{enterprise.id}")
    assert page.status_code == 200
    for text in ("基本信息", CODE, "M501 动力电池电芯", "供应商", "客户", "联系人", "招商线索",
                 "项目", "走访与洽谈", "企业诉求", "年度数据", "修改历史", "50 万元/亩"):  # fmt: skip
        assert text in page.text, text


def test_contacts_are_masked_until_staff_ask_and_the_asking_is_audited(client, session, staff,
                                                                       make_user, login):  # fmt: skip
    enterprise = make(session, "十堰汉江精工有限公司")
    contact = Contact(enterprise_id=enterprise.id, name="王经理", phone="13812345678",
                      email="wang@example.com")  # fmt: skip
    session.add(contact)
    session.commit()
    page = client.get(f"/enterprises/{enterprise.id}")
    assert "138****5678" in page.text and "13812345678" not in page.text
    assert "w***@example.com" in page.text
    shown = post_form(client, f"/enterprises/{enterprise.id}/contacts/{contact.id}/unmask", {},
                      f"/enterprises/{enterprise.id}")  # fmt: skip
    assert "13812345678" in shown.text
    assert (
        session.scalar(
            select(AuditEvent.user_id).where(
                AuditEvent.action == "unmask", AuditEvent.entity_id == contact.id
            )
        )
        == staff.id
    )
    assert "13812345678" not in client.get(f"/enterprises/{enterprise.id}").text

    client.post("/logout", data={"csrf_token": csrf_token(page.text)})
    login(make_user("official"))
    official_page = client.get(f"/enterprises/{enterprise.id}")
    assert "138****5678" in official_page.text and "显示完整信息" not in official_page.text
    token = csrf_token(official_page.text)
    refused = client.post(f"/enterprises/{enterprise.id}/contacts/{contact.id}/unmask",
                          data={"csrf_token": token})  # fmt: skip
    assert refused.status_code == 403


def test_a_bad_value_is_shown_at_its_field_and_nothing_is_saved(client, session, staff, places):
    response = post_form(client, "/enterprises/new",
                         {"name": "十堰汉江精工有限公司", "uscc": "91110108551385082A",
                          "output_wan": "-5", "is_local": "1"})  # fmt: skip
    assert response.status_code == 422
    html = response.text
    assert re.search(r'data-field="uscc".*?统一社会信用代码校验位不正确', html, re.S)
    assert re.search(r'data-field="output_wan".*?不能为负数', html, re.S)
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 0


@pytest.mark.parametrize(
    "name, message",
    [("\u200b\ufeff", "不能只由空白或不可见字符组成"),
     ("汉江\u202e精工", "不能包含文字方向控制字符（如 U+202E）")],
)  # fmt: skip
def test_a_name_that_hides_itself_is_refused_at_the_field(client, session, staff, places, name,
                                                           message):  # fmt: skip
    response = post_form(client, "/enterprises/new", {"name": name, "is_local": "1"})
    assert response.status_code == 422
    assert re.search(rf'data-field="name".*?{re.escape(message)}', response.text, re.S)
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_a_duplicate_is_refused_with_a_link_to_the_holder(client, session, staff, places):
    holder = make(session, "十堰汉江精工（集团）有限公司", uscc=CODE)
    response = post_form(client, "/enterprises/new",
                         {"name": "十堰 汉江精工(集团)有限公司", "uscc": CODE, "is_local": "1"})  # fmt: skip
    assert response.status_code == 422
    assert response.text.count(f'href="/enterprises/{holder.id}" data-testid="holder-link"') == 2


def test_a_good_form_creates_and_an_edit_shows_in_the_history(client, session, staff, places):
    created = post_form(client, "/enterprises/new",
                        {"name": "十堰汉江精工有限公司", "district": "420302", "segments": ["M501", "M502"],
                         "tags": ["listed"], "lon": "110.79", "lat": "32.65", "is_local": "0",
                         "output_wan": "12.50", "established_on": "2003-06-18"})  # fmt: skip
    assert created.status_code == 302
    enterprise = session.scalar(select(Enterprise))
    assert (enterprise.is_local, enterprise.output_wan, enterprise.lon) == (False, Decimal("12.5"),
                                                                           110.79)  # fmt: skip
    edit_url = f"/enterprises/{enterprise.id}/edit"
    form = client.get(edit_url).text
    assert 'value="12.5"' in form  # the stored 12.5000 shown as written
    data = {"csrf_token": csrf_token(form), "version": "1", "original": "{}", "name": enterprise.name,
            "district": "420302", "segments": ["M501", "M502"], "tags": ["listed"], "lon": "110.79",
            "lat": "32.65", "is_local": "0", "output_wan": "12.5", "employees": "88",
            "established_on": "2003-06-18"}  # fmt: skip
    assert client.post(edit_url, data=data).status_code == 302
    page = client.get(f"/enterprises/{enterprise.id}").text
    history = re.findall(r'<tr data-testid="history-row">(.*?)</tr>', page, re.S)
    assert "从业人数" in history[0] and "88" in history[0]


def test_a_stale_save_shows_the_other_change_and_keeps_both(client, session, staff, places):
    enterprise = make(session, "十堰汉江精工有限公司", tax_wan="5", employees=10)
    edit_url = f"/enterprises/{enterprise.id}/edit"
    form = client.get(edit_url).text
    original = re.search(r'name="original" type="hidden" value="([^"]*)"', form).group(1)
    # Someone else saves the tax while this form is open (the request ended the test's session).
    enterprise = session.get(Enterprise, enterprise.id)
    update_enterprise(session, enterprise, {"tax_wan": "9"}, 1, None)
    session.commit()
    data = {"csrf_token": csrf_token(form), "version": "1",
            "original": original.replace("&#34;", '"'), "name": enterprise.name, "is_local": "1",
            "tax_wan": "5", "employees": "20"}  # fmt: skip
    conflict = client.post(edit_url, data=data)
    assert conflict.status_code == 409
    assert "未保存：这条记录刚被他人修改" in conflict.text
    panel = re.search(r'data-testid="conflict".*?</section>', conflict.text, re.S).group(0)
    assert "年税收（万元）" in panel and "<strong>9</strong>" in panel
    # This user's own change is still in the form.
    assert re.search(r'<input[^>]*name="employees"[^>]*value="20"', conflict.text)
    enterprise = session.get(Enterprise, enterprise.id)
    assert (enterprise.tax_wan, enterprise.employees, enterprise.version) == (Decimal(9), 10, 2)


def test_a_merged_record_leads_to_the_one_that_took_it_over(client, session, staff, make_user):
    keep = make(session, "十堰汉江精工有限公司")
    other = make(session, "汉江精工集团")
    page = client.get(f"/enterprises/{keep.id}/merge?other={other.id}")
    assert "合并规则" in page.text and "汉江精工集团" in page.text
    merged = client.post(f"/enterprises/{keep.id}/merge", data={
        "csrf_token": csrf_token(page.text), "other": other.id, "version": keep.version,
        "other_version": other.version})  # fmt: skip
    assert merged.status_code == 302
    followed = client.get(f"/enterprises/{other.id}")
    assert (followed.status_code, followed.headers["Location"]) == (302, f"/enterprises/{keep.id}")


def test_deleting_hides_the_record(client, session, staff):
    enterprise = make(session, "十堰汉江精工有限公司")
    response = post_form(client, f"/enterprises/{enterprise.id}/delete", {},
                         f"/enterprises/{enterprise.id}")  # fmt: skip
    assert response.status_code == 302
    assert client.get(f"/enterprises/{enterprise.id}").status_code == 404


# ---- export and import ----


def test_the_export_has_the_headers_with_units_and_defused_formulas(client, session, staff,
                                                                    places):  # fmt: skip
    make(session, '=HYPERLINK("http://x")', district="420302", output_wan="12.5")
    make(session, "十堰秦岭锻造有限公司", district="420303")
    response = client.get("/enterprises/export.xlsx?district=420302")
    data = response.data
    response.close()  # sent from a temporary file, which closing removes
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [column.header for column in SHEET_COLUMNS]
    assert "年产值（万元）" in rows[0] and "用地面积（亩）" in rows[0]
    assert len(rows) == 2
    assert rows[1][2] == '\'=HYPERLINK("http://x")'
    assert sheet.cell(2, 3).data_type == "s"


def test_the_import_pages_refuse_a_bad_gbk_file_naming_the_row(client, session, staff, places):
    data = ("企业名称,统一社会信用代码\r\n十堰甲有限公司,\r\n十堰乙有限公司,91110108551385082A\r\n"
            ).encode("gbk")  # fmt: skip
    page = client.get("/imports/enterprises")
    uploaded = client.post("/imports/enterprises", data={
        "csrf_token": csrf_token(page.text), "file": (io.BytesIO(data), "企业.csv")})  # fmt: skip
    assert uploaded.status_code == 302
    columns_page = client.get(uploaded.headers["Location"])
    assert "共 2 行数据" in columns_page.text and "GB18030/GBK" in columns_page.text
    assert "十堰乙有限公司" in columns_page.text  # the preview
    started = client.post(uploaded.headers["Location"], data={
        "csrf_token": csrf_token(columns_page.text), "column-0": "name", "column-1": "uscc"})  # fmt: skip
    result = client.get(started.headers["Location"])
    assert "未导入：文件中有错误" in result.text
    assert re.search(r"<td class=\"num\">3</td><td>统一社会信用代码</td><td>统一社会信用代码校验位不正确",
                     result.text)  # fmt: skip
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_an_unreadable_upload_is_explained_on_the_page(client, staff):
    page = client.get("/imports/enterprises")
    response = client.post("/imports/enterprises", data={
        "csrf_token": csrf_token(page.text), "file": (io.BytesIO(b""), "空.csv")})  # fmt: skip
    assert response.status_code == 422
    assert "“空.csv”是空文件。" in response.text


def test_the_favicon_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    data = response.data
    response.close()
    assert (response.status_code, data[:4]) == (200, b"\x00\x00\x01\x00")


def test_the_filter_forms_empty_choices_mean_all(client, session, staff, places):
    make(session, "十堰汉江精工有限公司", district="420302")
    page = client.get("/enterprises?q=hj&district=&park=&segment=&is_local=&tag=&safety_rating=")
    assert names_listed(page.text) == ["十堰汉江精工有限公司"]
    assert 'class="error"' not in page.text
    assert 'href="/enterprises/export.xlsx?q=hj"' in page.text


def test_times_are_shown_in_the_citys_zone(client, session, staff):
    enterprise = make(session, "十堰汉江精工有限公司")
    enterprise.updated_at = enterprise.updated_at.replace(hour=20, minute=30)
    session.commit()
    day = (enterprise.updated_at.date() + timedelta(days=1)).isoformat()
    # 20:30 UTC is 04:30 the next morning in Shiyan.
    assert f'<td data-label="更新时间" class="muted">{day}</td>' in client.get("/enterprises").text


@pytest.mark.parametrize("given", [{"lon": "110.7"}, {"lat": "32.6"}])
def test_half_a_location_is_refused_not_dropped(client, session, staff, given):
    response = post_form(client, "/enterprises/new",
                         {"name": "十堰汉江精工有限公司", "is_local": "1", **given})  # fmt: skip
    assert response.status_code == 422
    assert "经度和纬度应同时填写" in response.text
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_a_saved_filter_needs_a_name_and_says_so(client, session, staff):
    response = post_form(client, "/enterprises/saved-filters", {"name": "  ", "query": "q=hj"},
                         page_url="/enterprises?q=hj")  # fmt: skip
    assert response.headers["Location"] == "/enterprises?q=hj"
    assert "筛选名称：不能为空" in client.get("/enterprises?q=hj").text
    assert session.scalar(select(func.count()).select_from(SavedFilter)) == 0
