"""Chains are data: `load-chain FILE` loads another chain with no code, brings a changed file's
tree into the database, and refuses to drop a segment that records still use."""

from sqlalchemy import select

from crm.models import ChainSegment
from crm.services.enterprises import create_enterprise

FOOD = """
key = "food"
name = "绿色食品饮料"
name_en = "Green food and beverages"

tracks.common = { name = "通用", name_en = "Common" }

tiers = [
  { code = "FU", name = "上游·原料", name_en = "Upstream: raw materials" },
  { code = "FD", name = "下游·加工", name_en = "Downstream: processing" },
]
categories = [
  { code = "FU1", tier = "FU", name = "农产品", name_en = "Farm produce" },
  { code = "FD1", tier = "FD", name = "饮料", name_en = "Beverages" },
]
segments = [
  { code = "FU101", category = "FU1", track = "common", name = "茶叶", name_en = "Tea" },
  { code = "FU102", category = "FU1", track = "common", name = "柑橘", name_en = "Citrus" },
  { code = "FD101", category = "FD1", track = "common", name = "茶饮料", name_en = "Tea drinks" },
]

[flows]
FU101 = ["FD101"]
FU102 = ["FD101"]
"""


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def codes(session) -> dict[str, str]:
    rows = session.scalars(select(ChainSegment).where(ChainSegment.chain_key == "food"))
    return {row.code: row.name for row in rows}


def test_another_chain_loads_with_no_code_and_again_changes_nothing(app, session, tmp_path):
    file = tmp_path / "food.toml"
    file.write_text(FOOD, encoding="utf-8")
    first = invoke(app, "load-chain", str(file))
    assert first.exit_code == 0, first.output
    assert "added 7, changed 0, removed 0" in first.output
    assert codes(session)["FD101"] == "茶饮料"
    again = invoke(app, "load-chain", str(file))
    assert "added 0, changed 0, removed 0" in again.output


def test_a_changed_file_renames_moves_and_drops(app, session, tmp_path):
    file = tmp_path / "food.toml"
    file.write_text(FOOD, encoding="utf-8")
    invoke(app, "load-chain", str(file))
    changed = (
        FOOD.replace('name = "柑橘"', 'name = "柑橘与脐橙"')
        .replace(
            '  { code = "FU101", category = "FU1", track = "common", name = "茶叶", name_en = "Tea" },\n',
            "",
        )
        .replace('FU101 = ["FD101"]\n', "")
    )
    file.write_text(changed, encoding="utf-8")
    result = invoke(app, "load-chain", str(file))
    assert result.exit_code == 0, result.output
    assert "added 0, changed 1, removed 1" in result.output
    assert codes(session) == {
        "FU": "上游·原料", "FD": "下游·加工", "FU1": "农产品", "FD1": "饮料",
        "FU102": "柑橘与脐橙", "FD101": "茶饮料",
    }  # fmt: skip


def test_a_segment_in_use_is_not_dropped(app, session, tmp_path):
    file = tmp_path / "food.toml"
    file.write_text(FOOD, encoding="utf-8")
    invoke(app, "load-chain", str(file))
    tea = session.scalar(select(ChainSegment).where(ChainSegment.code == "FU101"))
    enterprise = create_enterprise(session, {"name": "竹溪茶业有限公司"}, None)
    enterprise.segments.append(tea)
    session.commit()
    dropped = FOOD.replace(
        '  { code = "FU101", category = "FU1", track = "common", name = "茶叶", name_en = "Tea" },\n',
        "",
    ).replace('FU101 = ["FD101"]\n', "")
    file.write_text(dropped, encoding="utf-8")
    result = invoke(app, "load-chain", str(file))
    assert result.exit_code == 1
    assert "FU101" in result.output and "竹溪茶业有限公司" in result.output
    assert "FU101" in codes(session)  # nothing changed


def test_a_broken_file_is_refused_clearly(app, session, tmp_path):
    file = tmp_path / "food.toml"
    file.write_text(FOOD.replace('category = "FD1"', 'category = "FD9"'), encoding="utf-8")
    result = invoke(app, "load-chain", str(file))
    assert result.exit_code == 1 and "FD9" in result.output
    assert codes(session) == {}


def test_codes_are_unique_across_chains(app, session, tmp_path):
    file = tmp_path / "food.toml"
    file.write_text(FOOD, encoding="utf-8")
    assert invoke(app, "load-chain", str(file)).exit_code == 0
    other = tmp_path / "drinks.toml"
    other.write_text(
        FOOD.replace('key = "food"', 'key = "drinks"').replace(
            'name = "绿色食品饮料"', 'name = "饮料"'
        ),
        encoding="utf-8",
    )
    result = invoke(app, "load-chain", str(other))
    assert result.exit_code == 1
    assert "codes already used by another chain: FD (food), FD1 (food)" in result.output
