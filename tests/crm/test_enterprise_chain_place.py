"""An enterprise's place in the chain on its page: its suppliers and customers (local or outside,
segment, share), the counts beyond the first ten, and its supply risks in words."""

import re

import pytest
from sqlalchemy import event, select

from crm.extensions import db
from crm.models import ChainSegment, SupplyLink
from crm.services.enterprise_profile import supply_risks
from crm.services.enterprises import create_enterprise, delete_enterprise


@pytest.fixture
def staff(make_user, login):
    user = make_user("staff")
    login(user)
    return user


@pytest.fixture
def segment(session, places):
    def find(code: str) -> ChainSegment:
        return session.scalar(select(ChainSegment).where(ChainSegment.code == code))

    return find


def make(session, name: str, local: bool = True):
    enterprise = create_enterprise(session, {"name": name, "is_local": local}, None)
    session.flush()
    return enterprise


def link(session, supplier, customer, segment, share=None):
    session.add(SupplyLink(supplier=supplier, customer=customer, segment=segment, share=share))


def text_of(html: str, testid: str) -> list[str]:
    found = re.findall(rf'data-testid="{testid}">(.*?)</li>', html, re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in found]


@pytest.fixture
def plant(session, segment):
    """东风 buys M501 from one outside supplier, M502 from two local ones and M503 from two
    outside ones; it sells to two local buyers, one of which has another supplier."""
    dongfeng = make(session, "东风商用车有限公司")
    battery = make(session, "宁德电池有限公司", local=False)
    bms_a, bms_b = make(session, "十堰电控甲有限公司"), make(session, "十堰电控乙有限公司")
    motor_a = make(session, "外地电驱甲有限公司", local=False)
    motor_b = make(session, "外地电驱乙有限公司", local=False)
    link(session, battery, dongfeng, segment("M501"), 1)
    link(session, bms_a, dongfeng, segment("M502"), 0.7)
    link(session, bms_b, dongfeng, segment("M502"), 0.3)
    link(session, motor_a, dongfeng, segment("M503"), 0.55)
    link(session, motor_b, dongfeng, segment("M503"), 0.45)
    # As a supplier: 十堰专用车 buys M501 from 东风 alone; 十堰客车 also from 宁德.
    special, bus = make(session, "十堰专用车有限公司"), make(session, "十堰客车有限公司")
    outside = make(session, "外地整车有限公司", local=False)
    link(session, dongfeng, special, segment("M501"), 1)
    link(session, dongfeng, bus, segment("M501"), 0.6)
    link(session, battery, bus, segment("M501"), 0.4)
    link(session, dongfeng, outside, segment("M501"), 1)  # not local: no risk to the city
    session.commit()
    return dongfeng


def test_the_page_lists_suppliers_and_customers_with_segment_share_and_place(client, staff,
                                                                            plant):  # fmt: skip
    page = client.get(f"/enterprises/{plant.id}").text
    suppliers = page.split('data-testid="suppliers"')[1].split("</section>")[0]
    assert 'data-testid="suppliers-count">5<' in page
    assert 'data-testid="customers-count">3<' in page
    rows = re.findall(r"<tr><td><a href=\"/enterprises/\d+\">([^<]+)</a></td>\s*<td>([^<]+)</td>"
                      r"\s*<td class=\"num\">([^<]+)</td>\s*<td>([^<]+)</td>", suppliers)  # fmt: skip
    assert rows == [
        ("宁德电池有限公司", "M501 动力电池电芯", "100%", "外地"),
        ("十堰电控甲有限公司", "M502 电池管理系统", "70%", "本地"),
        ("外地电驱甲有限公司", "M503 电驱动系统", "55%", "外地"),
        ("外地电驱乙有限公司", "M503 电驱动系统", "45%", "外地"),
        ("十堰电控乙有限公司", "M502 电池管理系统", "30%", "本地"),
    ]
    assert 'data-testid="suppliers-more"' not in page


def test_the_risks_are_said_in_words(client, staff, plant):
    page = client.get(f"/enterprises/{plant.id}").text
    assert text_of(page, "single-source") == [
        "单一来源：M501 动力电池电芯 环节只有一家供应商 宁德电池有限公司（外地）。"
    ]
    assert text_of(page, "no-local-supplier") == [
        "无本地供应商：M501 动力电池电芯 环节的 1 家供应商都不是本地企业。",
        "无本地供应商：M503 电驱动系统 环节的 2 家供应商都不是本地企业。",
    ]
    assert text_of(page, "sole-supplier") == [
        "唯一供应商：本企业是本地企业 十堰专用车有限公司 在 M501 动力电池电芯 环节的唯一供应商，"
        "本企业一旦离开，它在这一环节将断供。"
    ]


def test_soft_deleted_enterprises_do_not_count(client, session, staff, plant):
    first = session.scalar(select(SupplyLink).where(SupplyLink.share == 0.7)).supplier
    delete_enterprise(session, first, None)  # 十堰电控甲: M502 is now single-source
    other = session.scalar(
        select(SupplyLink).where(SupplyLink.share == 0.4)
    ).supplier  # 宁德: 十堰客车 now buys M501 from 东风 alone, but 宁德 also supplies 东风
    session.commit()
    risks = supply_risks(session, plant.id)
    assert [(code, name) for code, _n, _i, name, _l in risks.single_sources] == [
        ("M501", "宁德电池有限公司"), ("M502", "十堰电控乙有限公司")]  # fmt: skip
    assert other.deleted_at is None
    bus = session.scalar(select(SupplyLink).where(SupplyLink.share == 0.6)).customer
    delete_enterprise(session, bus, None)
    session.commit()
    page = client.get(f"/enterprises/{plant.id}").text
    assert 'data-testid="suppliers-count">4<' in page
    assert 'data-testid="customers-count">2<' in page
    assert "十堰电控甲有限公司" not in page and "十堰客车有限公司" not in page


def test_beyond_ten_the_page_says_how_many_more_and_links_the_export(client, session, staff,
                                                                   segment):  # fmt: skip
    buyer = make(session, "东风商用车有限公司")
    for number in range(13):
        link(session, make(session, f"十堰供应商{number:02d}有限公司"), buyer, segment("M502"),
             (number + 1) / 100)  # fmt: skip
    session.commit()
    page = client.get(f"/enterprises/{buyer.id}").text
    assert 'data-testid="suppliers-count">13<' in page
    suppliers = page.split('data-testid="suppliers"')[1].split("</section>")[0]
    assert len(re.findall(r"十堰供应商\d\d有限公司", suppliers)) == 10
    more = re.search(r'data-testid="suppliers-more">(.*?)</p>', page, re.S).group(1)
    assert "另有 3 条未列出（上表为份额最大的 10 条）。" in more
    assert f'href="/supply-links/export.xlsx?customer={buyer.id}"' in more
    assert "导出全部 13 条" in more
    assert "十堰供应商12有限公司" in page and "十堰供应商02有限公司" not in page


def test_names_are_escaped(client, session, staff, segment):
    buyer = make(session, "东风商用车有限公司")
    link(session, make(session, "<script>alert(1)</script>有限公司"), buyer, segment("M501"))
    session.commit()
    page = client.get(f"/enterprises/{buyer.id}").text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;有限公司" in page


def test_the_page_reads_the_chain_in_a_bounded_number_of_queries(app, client, session, staff,
                                                                 segment):  # fmt: skip
    def queries_for(count: int) -> int:
        buyer = make(session, f"买方{count}有限公司")
        for number in range(count):
            seller = make(session, f"卖方{count}-{number}有限公司")
            link(session, seller, buyer, segment("M501"))
            link(session, buyer, make(session, f"客户{count}-{number}有限公司"), segment("M502"))
        session.commit()
        statements = []

        def count_statement(*_args):
            statements.append(1)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count_statement)
        try:
            assert client.get(f"/enterprises/{buyer.id}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count_statement)
        return len(statements)

    assert queries_for(21) == queries_for(60)  # both beyond the lists and the risks shown
