"""Enterprise search: what a term finds, worked out by hand, on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy import delete, insert, text, update

from crm.models import Enterprise
from crm.schemas.enterprises import EnterpriseFilters
from crm.services.enterprises import (
    create_enterprise,
    delete_enterprise,
    list_enterprises,
    update_enterprise,
)
from crm.services.names import name_initials, normalise_name
from crm.services.search import MAX_LISTED, search_columns, term_grams


@pytest.fixture
def directory(session) -> dict[str, int]:
    """Four enterprises; their haystacks (search_text) are

    A  十堰汉江精工有限公司 汉江精工 hanjiangprecision syhjjgyxgs
    B  东风小康汽车有限公司 dfxkqcyxgs
    C  汉江江汉有限公司 hjjhyxgs
    D  星*光near100%科技 xgnear100kj
    """
    records = {
        "A": create_enterprise(
            session,
            {
                "name": "十堰汉江精工有限公司",
                "uscc": "91110108551385082Q",
                "aliases": ["汉江精工", "Hanjiang Precision"],
            },
            None,
        ),
        "B": create_enterprise(
            session, {"name": "东风小康汽车有限公司", "uscc": "91420300MA4F00000Q"}, None
        ),
        "C": create_enterprise(session, {"name": "汉江江汉有限公司"}, None),
        "D": create_enterprise(session, {"name": "星*光 (NEAR) 100%科技"}, None),
    }
    session.commit()
    return {key: record.id for key, record in records.items()}


def found(session, directory, q, page=1, per_page=20) -> str:
    """The keys of the enterprises a search lists, in order."""
    rows, _has_next = list_enterprises(session, EnterpriseFilters(q=q), None, page, per_page)
    keys = {enterprise_id: key for key, enterprise_id in directory.items()}
    return "".join(keys.get(row.id, "?") for row in rows)


def test_the_haystack_and_its_grams():
    assert search_columns("十堰 汉江（集团）", ["汉江", "Han Jiang"], "syhjjt") == {
        "search_text": "十堰汉江集团 汉江 hanjiang syhjjt",
        "search_grams": "十 堰 汉 江 集 团 十堰 堰汉 汉江 江集 集团 h a n j i g ha an nj ji ia ng"
        " s y t sy yh hj jj jt",
    }
    assert term_grams("汉") == ["汉"]
    assert term_grams("汉江汉江") == ["汉江", "江汉"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("hj", "AC"),  # anywhere in the initials: syhjjgyxgs, hjjhyxgs
        ("xkqc", "B"),  # dfxkqcyxgs
        ("汉", "AC"),  # one character
        ("汉江精工", "A"),
        ("江汉", "C"),
        ("有限公司", "ABC"),
        ("precision", "A"),  # an alias
        ("Hanjiang Precision", "A"),
        ("91110108", "A"),  # the beginning of a credit code
        ("91", "AB"),
        ("91420300ma4f", "B"),
        ("９１１１０１０８", "A"),  # full width
        ("91110108-5513", "A"),
        ("85082Q", ""),  # the middle of a code is not its beginning
        ("ＨＪ", "AC"),  # full width and upper case
        ("HJ", "AC"),
        ("十堰 汉江", "A"),
        ("（汉江）", "AC"),
        ("100", "D"),
        ("zzzq", ""),
        ("司s", ""),  # the end of the name and the start of the initials are not one text
    ],
)
def test_a_term_finds_names_aliases_initials_and_codes(session, directory, q, expected):
    assert found(session, directory, q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("江汉江", ""),  # C holds 江汉 and 汉江 but not 江汉江
        ("hjh", ""),  # C's initials hjjhyxgs hold hj and jh but not hjh
        ("汉江江汉", "C"),
    ],
)
def test_a_term_is_checked_whole_not_only_by_its_pairs(session, directory, q, expected):
    assert found(session, directory, q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("%", "D"),
        ("100%", "D"),
        ("汉%", ""),
        ("_", ""),  # punctuation that names lose: nothing can hold it
        ("汉_江", "AC"),  # and so the term loses it too: 汉江
        ("'", ""),
        ('"', ""),
        ('"十堰" OR "东风"', ""),  # 十堰or东风, not an FTS5 query
        ("汉 OR 东风", ""),
        ("OR", ""),
        ("*", "D"),
        ("十堰*", ""),
        ("NEAR(", "D"),  # near
        ("NEAR(十堰 东风)", ""),
        ("(", ""),
        ("^汉", ""),
        ("汉:江", ""),
        ("search_grams:汉", ""),
        ("\\", ""),
        ("汉\\", ""),
        ("ＮＥＡＲ", "D"),
    ],
)
def test_hostile_terms_never_fail_nor_match_wrongly(session, directory, q, expected):
    assert found(session, directory, q) == expected


def test_an_empty_or_blank_term_does_not_filter(session, directory):
    assert found(session, directory, "") == "ABCD"
    assert found(session, directory, " \u3000") == "ABCD"


def test_a_renamed_enterprise_is_found_by_its_new_name_only(session, directory):
    enterprise = session.get(Enterprise, directory["B"])
    update_enterprise(session, enterprise, {"name": "东风小康电机有限公司"}, 1, None)
    session.commit()
    assert found(session, directory, "电机") == "B"
    assert found(session, directory, "dfxkdj") == "B"  # 东风小康电机有限公司 → dfxkdjyxgs
    assert found(session, directory, "汽车") == ""
    assert found(session, directory, "dfxkqc") == ""


def test_new_aliases_are_found_and_dropped_ones_are_not(session, directory):
    enterprise = session.get(Enterprise, directory["C"])
    update_enterprise(session, enterprise, {"aliases": ["江汉重工"]}, 1, None)
    session.commit()
    assert found(session, directory, "重工") == "C"
    enterprise = session.get(Enterprise, directory["A"])
    update_enterprise(session, enterprise, {"aliases": []}, 1, None)
    session.commit()
    assert found(session, directory, "precision") == ""
    assert found(session, directory, "汉江精工") == "A"  # still its name


def test_deleted_enterprises_are_not_listed(session, directory):
    delete_enterprise(session, session.get(Enterprise, directory["A"]), None)
    session.commit()
    assert found(session, directory, "hj") == "C"
    assert found(session, directory, "91") == "B"


def test_a_common_term_pages_like_a_rare_one(session, directory):
    """More candidates than SQLite lists from its index: it then checks row by row instead."""
    names = [f"十堰测试{number:04d}号" for number in range(MAX_LISTED + 1)]
    rows = [
        {"name": name, "name_normalised": normalise_name(name), "name_initials": initials,
         "aliases": [], **search_columns(name, [], initials)}
        for name, initials in ((name, name_initials(name)) for name in names)
    ]  # fmt: skip
    session.execute(insert(Enterprise), rows)
    session.commit()
    first, has_next = list_enterprises(session, EnterpriseFilters(q="测试"), None, 1, 20)
    assert [row.name for row in first] == names[:20]
    assert has_next
    last, has_next = list_enterprises(session, EnterpriseFilters(q="测试"), None, 251, 20)
    assert [row.name for row in last] == [names[5000]]  # 5,001 = 250 pages of 20, and one
    assert not has_next
    assert found(session, directory, "十堰")[:2] == "A?"  # A, then the first test row
    assert found(session, directory, "测试0042号") == "?"


def sqlite_only(session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's FTS5 index is kept by triggers; PostgreSQL's GIN index by itself")


def check_index(session):
    """FTS5's own check that its index agrees with the enterprises table."""
    session.execute(
        text(
            "INSERT INTO enterprise_search (enterprise_search, rank) VALUES ('integrity-check', 1)"
        )
    )


def test_plain_sql_writes_keep_the_sqlite_index_in_step(session, directory):
    sqlite_only(session)
    name = "十堰丹江数控有限公司"  # sydjskyxgs
    row = {"name": name, "name_normalised": name, "name_initials": "sydjskyxgs", "aliases": []}
    session.execute(insert(Enterprise), [row | search_columns(name, [], "sydjskyxgs")])
    session.commit()
    assert found(session, directory, "丹江") == "?"
    assert found(session, directory, "djsk") == "?"

    renamed = "十堰丹江机床有限公司"  # sydjjcyxgs
    session.execute(
        update(Enterprise)
        .where(Enterprise.name == name)
        .values(name=renamed, **search_columns(renamed, [], "sydjjcyxgs"))
    )
    session.execute(update(Enterprise).where(Enterprise.name == renamed).values(employees=30))
    session.commit()
    assert found(session, directory, "机床") == "?"
    assert found(session, directory, "数控") == ""
    assert found(session, directory, "djsk") == ""
    check_index(session)

    session.execute(delete(Enterprise).where(Enterprise.name == renamed))
    session.commit()
    assert found(session, directory, "丹江") == ""
    check_index(session)


def test_postgresql_plans_each_search_for_its_term(session):
    """A generic plan guesses how common a term is: for 十堰 (90% of rows) it took the GIN index
    and a sort, 90 ms instead of 3, once psycopg had prepared the statement."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    assert session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
