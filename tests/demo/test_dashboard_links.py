"""Every figure on the dashboard links to the list behind it, and that list counts the same:
checked on the demo city, figure by figure, for an administrator and for a district's staff."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from crm.clock import city_today
from crm.models import User
from crm.services.dashboard import build_dashboard
from demo.seed import DEMO_PASSWORD, seed_demo
from tests.support import csrf_token


@pytest.fixture
def city(app, session):
    # Dated to today: the lists' date filters refuse days after today.
    with app.app_context():
        seed_demo(session, enterprises=600, seed=5, today=city_today())
        session.commit()


def _log_in(client, name):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"name": name, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302


def _count_on(client, href: str) -> int:
    page = client.get(href)
    assert page.status_code == 200, href
    shown = re.search(r'data-testid="result-count">\s*([^<]+)<', page.text).group(1)
    return int(re.sub(r"\D", "", shown.split("超过")[-1]))


def _href(html: str, testid: str) -> str:
    return unescape(re.search(rf'data-testid="{testid}" href="([^"]+)"', html).group(1))


@pytest.mark.parametrize("name", ["admin", "maojian"])
def test_each_figure_links_to_a_list_that_counts_the_same(app, client, session, city, name):
    with app.app_context():
        user = session.scalar(select(User).where(User.name == name))
        board = build_dashboard(session, user, city_today(), today=city_today())
    _log_in(client, name)
    home = client.get("/").text

    figures = {
        "signed": board.signed_count,
        "landing-rate": board.landing.numerator,
        "starting-rate": board.starting.numerator,
        "statistics-rate": board.in_statistics.numerator,
        "funds": board.funds_projects,
    }
    assert board.signed_count > 0 or name != "admin"
    for testid, expected in figures.items():
        assert _count_on(client, _href(home, testid)) == expected, testid

    rows = {
        **{f"/leads?stage={stage}": count for stage, count in board.leads_by_stage},
        **{f"/projects?pool={pool}": count for pool, count, _amount in board.projects_by_pool},
        **{
            f"/projects?sector={sector}": count
            for sector, count, _amount in board.projects_by_sector
        },
        **{
            f"/enterprises?segment={code}&is_local=true": count
            for code, _name, _name_en, count in board.enterprises_by_segment
        },
    }
    for href, expected in rows.items():
        assert f'href="{href.replace("&", "&amp;")}"' in home, href
        assert _count_on(client, href) == expected, href
