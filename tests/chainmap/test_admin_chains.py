"""Administrators load chain definition files on a page: a new chain, a changed one, and files
that are refused with the reason, nothing changed."""

import io

from sqlalchemy import select

from crm.models import Chain
from crm.services.enterprises import create_enterprise
from tests.chainmap.test_load_chain import FOOD, codes
from tests.support import csrf_token


def upload(client, content: bytes, name: str = "food.toml"):
    token = csrf_token(client.get("/admin/chains").text)
    return client.post(
        "/admin/chains",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_an_administrator_loads_a_chain_and_downloads_its_file(client, login, make_user, session):
    login(make_user("admin"))
    page = upload(client, FOOD.encode("utf-8"))
    assert page.status_code == 200
    assert "已加载 绿色食品饮料：新增 7，修改 0，删除 0。" in page.text
    assert codes(session)["FD101"] == "茶饮料"
    assert session.scalar(select(Chain.name).where(Chain.key == "food")) == "绿色食品饮料"
    download = client.get("/admin/chains/food.toml")
    assert download.status_code == 200 and download.text == FOOD
    assert "attachment" in download.headers["Content-Disposition"]
    # The chain page shows it.
    assert "/api/v1/chains/food/analysis" in client.get("/chain?chain=food").text
    assert client.get("/chain?chain=nowhere").status_code == 404


def test_broken_files_are_refused_with_the_reason(client, login, make_user, session):
    login(make_user("admin"))
    broken = upload(client, FOOD.replace('category = "FD1"', 'category = "FD9"').encode())
    assert broken.status_code == 422
    assert "FD9" in broken.text and "未作任何修改" in broken.text
    assert codes(session) == {}
    gbk = upload(client, FOOD.encode("gbk"))
    assert gbk.status_code == 422 and "UTF-8" in gbk.text
    empty = client.post(
        "/admin/chains", data={"csrf_token": csrf_token(client.get("/admin/chains").text)}
    )
    assert empty.status_code == 422 and "请选择" in empty.text
    not_toml = upload(client, b"key = \n")
    assert not_toml.status_code == 422 and "TOML" in not_toml.text


def test_a_segment_in_use_is_named_and_kept(client, login, make_user, session):
    login(make_user("admin"))
    upload(client, FOOD.encode())
    from crm.models import ChainSegment

    tea = session.scalar(select(ChainSegment).where(ChainSegment.code == "FU101"))
    firm = create_enterprise(session, {"name": "竹溪茶业有限公司"}, None)
    firm.segments.append(tea)
    session.commit()
    dropped = FOOD.replace(
        '  { code = "FU101", category = "FU1", track = "common", name = "茶叶", name_en = "Tea" },\n',
        "",
    ).replace('FU101 = ["FD101"]\n', "")
    page = upload(client, dropped.encode())
    assert page.status_code == 422
    assert "FU101" in page.text and "竹溪茶业有限公司" in page.text
    assert "FU101" in codes(session)


def test_only_administrators_load_chains(client, login, make_user):
    login(make_user("staff"))
    assert client.get("/admin/chains").status_code == 403
    assert client.post("/admin/chains", data={}).status_code in (400, 403)
