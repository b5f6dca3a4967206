"""The shipped automotive chain, its segment graph, the demo local base, and validation."""

from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from chainmap.definition import (
    DEFAULT_DIR,
    ChainDefinitionError,
    load_chain,
    load_chain_by_key,
    load_local_base,
    parse_chain,
    segment_graph,
)

DEMO_BASE = Path(__file__).resolve().parents[2] / "data" / "demo" / "shiyan-chain-base.toml"

# Tier → category → segment codes, copied by hand from the reference's tables.
EXPECTED_TREE = {
    "U": {
        "U1": ["U101", "U102", "U103"],
        "U2": ["U201", "U202"],
        "U3": ["U301", "U302", "U303", "U304", "U305", "U306", "U307"],
        "U4": ["U401", "U402", "U403"],
    },
    "M": {
        "M1": ["M101", "M102", "M103"],
        "M2": ["M201", "M202", "M203", "M204", "M205"],
        "M3": ["M301", "M302", "M303", "M304"],
        "M4": ["M401", "M402"],
        "M5": ["M501", "M502", "M503", "M504", "M505"],
        "M6": ["M601", "M602", "M603"],
        "M7": ["M701"],
        "M8": ["M801", "M802", "M803"],
        "M9": ["M901", "M902", "M903"],
        "M10": ["M1001", "M1002"],
    },
    "D": {
        "D1": ["D101", "D102", "D103", "D104", "D105", "D106"],
        "D2": ["D201", "D202", "D203", "D204", "D205", "D206"],
    },
    "S": {"S1": ["S101", "S102"]},
}

# Counted by hand over the reference's supply-flow list, line by line:
# U 6+5+4+1+3+2+1+1+1+1+1+1+7+2+3 = 39; M501..M902 1+1+3+1+1+1+4+4 = 16;
# M203, M204 8+7 = 15; M101..M402 4+3+3+6+6+7+5+6+6+6+6 = 58; M304, D101, D102 1+5+5 = 11;
# M502..M1002 4+2+2+1+1+1+3+3+3 = 20; D103..D206 3+3+4+6+1 = 17; S102, S101 3+3 = 6.
FLOW_COUNT = 182

# The recycling loop D206 → U301 closes every cycle: U301 reaches M501 via U302 or U304, then M502,
# and M502 reaches D206 directly, via D105 or via D106: 2 × 3 = 6 simple cycles.
RECYCLING_LOOP = {"U301", "U302", "U304", "M501", "M502", "D105", "D106", "D206"}
CYCLE_COUNT = 6

# Hand count of the reference's last column, tier by tier (U, M, D, S).
LOCAL_BASE_COUNTS = {"strong": 1 + 8 + 4 + 1, "present": 0 + 11 + 5 + 1, "gap": 14 + 12 + 3 + 0}


@pytest.fixture(scope="module")
def chain():
    return load_chain_by_key("automotive")


@pytest.fixture(scope="module")
def graph(chain):
    return segment_graph(chain)


def test_chain_identity(chain):
    assert chain.key == "automotive"
    assert chain.name == "下一代汽车产业及配套体系"
    assert chain.name_en == "Next-generation automotive industry and supply base"
    assert [track.code for track in chain.tracks] == ["trad", "nev", "icv", "common"]


def test_hierarchy_sizes(chain):
    assert [tier.code for tier in chain.tiers] == ["U", "M", "D", "S"]
    assert len(chain.categories) == 17
    assert len(chain.segments) == 60


def test_every_category_and_segment_sits_where_the_reference_puts_it(chain):
    assert {c.code: c.tier_code for c in chain.categories} == {
        category: tier for tier, categories in EXPECTED_TREE.items() for category in categories
    }
    assert {s.code: (s.category_code, s.tier_code) for s in chain.segments} == {
        segment: (category, tier)
        for tier, categories in EXPECTED_TREE.items()
        for category, segments in categories.items()
        for segment in segments
    }


def test_segment_graph_has_one_node_per_segment_and_one_edge_per_flow(chain, graph):
    assert graph.number_of_nodes() == 60
    assert len(chain.flows) == FLOW_COUNT
    assert graph.number_of_edges() == FLOW_COUNT
    assert graph.nodes["M501"] == {
        "name": "动力电池电芯",
        "name_en": "Traction battery cells",
        "tier": "M",
        "category": "M5",
        "track": "nev",
    }


def test_specific_flows(graph):
    for supplier, buyer in [("U302", "M501"), ("M504", "D106"), ("S101", "M802")]:
        assert graph.has_edge(supplier, buyer)
    # Cells reach vehicles only through the pack, and flows have a direction.
    assert not graph.has_edge("M501", "D106")
    assert not graph.has_edge("M501", "U302")


def test_recycling_is_the_only_loop(graph):
    cycles = list(nx.simple_cycles(graph))
    assert len(cycles) == CYCLE_COUNT
    assert all({"D206", "U301"} <= set(cycle) for cycle in cycles)
    assert set().union(*cycles) == RECYCLING_LOOP
    without_recycling = graph.copy()
    without_recycling.remove_edge("D206", "U301")
    assert nx.is_directed_acyclic_graph(without_recycling)


def test_demo_local_base_covers_the_chain(chain):
    base = load_local_base(DEMO_BASE)
    assert set(base) == {segment.code for segment in chain.segments}
    assert (base["D101"], base["M801"], base["M501"]) == ("strong", "gap", "present")
    assert Counter(base.values()) == LOCAL_BASE_COUNTS


MINIMAL_CHAIN = """
key = "mini"
name = "迷你链"
name_en = "Mini chain"
tracks.common = { name = "通用", name_en = "Common" }
tiers = [
  { code = "U", name = "上游", name_en = "Upstream" },
  { code = "D", name = "下游", name_en = "Downstream" },
]
categories = [
  { code = "U1", tier = "U", name = "材料", name_en = "Materials" },
  { code = "D1", tier = "D", name = "整车", name_en = "Vehicles" },
]
segments = [
  { code = "U101", category = "U1", name = "钢", name_en = "Steel", track = "common" },
  { code = "D101", category = "D1", name = "卡车", name_en = "Trucks", track = "common" },
]

[flows]
U101 = ["D101"]
"""


def write(tmp_path, text, name="mini.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_chain_loads(tmp_path):
    write(tmp_path, MINIMAL_CHAIN)
    chain = load_chain_by_key("mini", directory=tmp_path)
    assert [segment.tier_code for segment in chain.segments] == ["U", "D"]
    assert chain.flows == (("U101", "D101"),)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('code = "D101"', 'code = "U101"', "code U101 appears more than once"),
        ('category = "D1"', 'category = "D9"', "unknown category D9"),
        ('tier = "D"', 'tier = "X"', "unknown tier X"),
        ('"Trucks", track = "common"', '"Trucks", track = "nev"', "unknown track nev"),
        ('U101 = ["D101"]', 'U101 = ["D999"]', "unknown segment D999"),
        ('U101 = ["D101"]', 'U101 = ["U101"]', "U101 → U101 is a self-loop"),
    ],
)
def test_invalid_definitions_are_rejected(tmp_path, old, new, message):
    assert MINIMAL_CHAIN.count(old) == 1
    path = write(tmp_path, MINIMAL_CHAIN.replace(old, new), name="bad.toml")
    with pytest.raises(ChainDefinitionError, match=message):
        load_chain(path)


def test_chain_key_cannot_leave_the_directory(tmp_path):
    with pytest.raises(ChainDefinitionError, match="invalid chain key"):
        load_chain_by_key("../mini", directory=tmp_path)


def test_local_base_rejects_unknown_levels(tmp_path):
    path = write(tmp_path, '[local_base]\nU101 = "weak"\n', name="base.toml")
    with pytest.raises(ChainDefinitionError, match="U101"):
        load_local_base(path)


def test_industry_words_name_known_codes():
    text = (DEFAULT_DIR / "automotive.toml").read_text(encoding="utf-8")
    chain = parse_chain(text)
    assert chain.industries["氢能"] == {"M601", "M602", "M603", "U307", "D204"}
    with pytest.raises(ChainDefinitionError, match="industry 氢能 names unknown code X9"):
        parse_chain(text.replace('"氢能" = ["M6", "U307", "D204"]', '"氢能" = ["M6", "X9"]'))
    with pytest.raises(ChainDefinitionError, match="industry 氢能: must be a list"):
        parse_chain(text.replace('"氢能" = ["M6", "U307", "D204"]', '"氢能" = "M6"'))
