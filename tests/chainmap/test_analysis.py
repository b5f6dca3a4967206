"""The chain analyses on the hand-built mini city (tests/chainmap/mini_city.py), each answer
worked out here by hand, on whichever database the run uses."""

import math

import pytest

from chainmap.analysis import analyse, target_order
from chainmap.definition import parse_chain
from chainmap.facts import gather
from chainmap.paths import introduction_paths, what_if
from tests.chainmap.mini_city import MINI, SETTINGS, build


@pytest.fixture
def city(session):
    return build(session)


@pytest.fixture
def analysis(session, city):
    definition = parse_chain(MINI)
    return analyse(definition, gather(session, definition, SETTINGS), SETTINGS)


def by_code(analysis):
    return {view.code: view for view in analysis.segments}


def test_coverage_a_segment_without_local_firms_is_a_gap(analysis):
    segments = by_code(analysis)
    # A101: L2 and L3, 2 firms ≥ 2 and 50,000 ≥ 40,000 → strong; B101: one firm → weak;
    # B102: two firms but 800 of output → weak; A102 and A103: outside firms only → gap.
    assert {code: view.coverage for code, view in segments.items()} == {
        "A101": "strong", "A102": "gap", "A103": "gap", "B101": "weak", "B102": "weak",
    }  # fmt: skip
    assert segments["A102"].local_enterprises == 0 and segments["A102"].outside_enterprises == 2
    assert segments["A101"].local_output_wan == 50_000
    assert next(reason.code for reason in segments["A102"].reasons) == "no_local_enterprise"


def test_local_sourcing_and_concentration(analysis):
    segments = by_code(analysis)
    # A101: L1 buys 0.6 + 0.4, all from local L2 and L3; A102: 1.0 from outside O1.
    assert segments["A101"].local_sourcing_share == pytest.approx(1.0)
    assert segments["A101"].leaders_local_sourcing_share == pytest.approx(1.0)
    assert segments["A102"].local_sourcing_share == pytest.approx(0.0)
    assert segments["A102"].leaders_local_sourcing_share == pytest.approx(0.0)
    # HHI of A101's suppliers: 0.6² + 0.4² = 0.52; A102 has one supplier: 1.
    assert segments["A101"].supplier_hhi == pytest.approx(0.52)
    assert segments["A102"].supplier_hhi == pytest.approx(1.0)
    # Demand: the local output of the buying segments; A10x feed B101 (L1: 100,000).
    assert segments["A102"].importance == pytest.approx(1.0)
    assert segments["B101"].importance == pytest.approx(800 / 100_000)


def test_risks_single_source_and_cut_points(analysis, city):
    names = {firm.id: label for label, firm in city.items()}
    single = [
        (risk["segment"], names[risk["enterprise"].id], names[risk["supplier"].id])
        for risk in analysis.risks
        if risk["kind"] == "single_source"
    ]
    # Largest buyer first: L1 (chips from O1 only), L4 (vehicles from L1), L5 (repair from L4).
    assert single == [("A102", "L1", "O1"), ("B101", "L4", "L1"), ("B102", "L5", "L4")]
    cuts = [(names[r["enterprise"].id], r["buyers"]) for r in analysis.risks
            if r["kind"] == "cut_point"]  # fmt: skip
    # L1 is L4's only local supplier of vehicles; L4 is L5's only one of repair. L2 and L3 are
    # not: L1 has both.
    assert cuts == [("L1", 1), ("L4", 1)]
    concentrated = {r["segment"] for r in analysis.risks if r["kind"] == "concentration"}
    assert concentrated == {"A101", "A102", "B101", "B102"}  # HHI 0.52, 1, 1, 1 ≥ 0.25
    low_local = {r["segment"] for r in analysis.risks if r["kind"] == "local_sourcing"}
    assert low_local == {"A102"}


def test_leaders_are_suggested_never_set(analysis, city):
    names = {firm.id: label for label, firm in city.items()}
    entries = {names[entry["enterprise"].id]: entry for entry in analysis.leaders}
    # L1 has two local suppliers (≥ 2): it organises and is flagged 链主; as the only and largest
    # firm of B101 with 100,000 ≥ 20,000 it is 龙头 too, which it is not flagged: suggested.
    assert entries["L1"]["role"] == "organiser"
    assert entries["L1"]["suggestions"] == [{"flag": "is_leading", "value": True}]
    # L2 is the largest of A101 (30,000) with no local supplier: large but weakly linked.
    assert entries["L2"]["role"] == "weakly_linked"
    assert entries["L2"]["suggestions"] == [{"flag": "is_leading", "value": True}]
    assert "L3" not in entries  # second in its segment, no local suppliers
    assert city["L1"].is_leading is False  # nothing was changed


def test_recommendations_rank_segments_and_targets(analysis, city):
    names = {firm.id: label for label, firm in city.items()}
    order = [(item["segment"], item["action"]) for item in analysis.recommendations]
    # priority = 0.6 × importance + 0.4 × relatedness:
    #   A102, A103: 0.6 × 1 + 0.4 × ½ (their one neighbour B101 is weak) = 0.8, tie → by code;
    #   B102: 0 + 0.4 × ½ = 0.2;  B101: 0.6 × 0.008 + 0.4 × (1 + 0 + 0 + ½) / 4 = 0.1548.
    assert order == [("A102", "fill"), ("A103", "fill"), ("B102", "strengthen"),
                     ("B101", "strengthen")]  # fmt: skip
    priorities = [item["priority"] for item in analysis.recommendations]
    assert priorities == pytest.approx([0.8, 0.8, 0.2, 0.1548])

    chips = analysis.recommendations[0]["targets"]
    capability = math.log10(50_001) / math.log10(1_000_001)
    # O1 supplies the local 链主 (1) and is rated A/B (fit ½ × (1 + 0.7)); O2 only sits upstream
    # of the 链主's segment (½) and is unrated (½).
    assert [names[target["enterprise"].id] for target in chips] == ["O1", "O2"]
    assert chips[0]["score"] == pytest.approx(0.35 + 0.3 * capability + 0.2 + 0.15 * 0.85)
    assert chips[1]["score"] == pytest.approx(0.35 + 0.3 * capability + 0.1 + 0.15 * 0.5)
    assert [part["name"] for part in chips[0]["parts"]] == [
        "gap", "capability", "leader_relation", "fit"]  # fmt: skip
    assert sum(p["weight"] * p["value"] for p in chips[0]["parts"]) == pytest.approx(
        chips[0]["score"]
    )
    # B102's gap weight is its priority over the top one: 0.2 / 0.8.
    repair = analysis.recommendations[2]["targets"][0]
    assert repair["parts"][0]["value"] == pytest.approx(0.25)


def test_a_tie_in_scores_goes_to_the_larger_output_then_the_lower_id(analysis, city):
    batteries = analysis.recommendations[1]["targets"]
    # O3 and O6 are alike in every part (same output, no ratings, both upstream of the 链主).
    assert batteries[0]["score"] == batteries[1]["score"]
    assert [target["enterprise"].id for target in batteries] == [city["O3"].id, city["O6"].id]
    smaller, larger = (
        {"score": 0.5, "enterprise": type("F", (), {"output_wan": output, "id": firm_id})}
        for output, firm_id in ((10.0, 1), (20.0, 2))
    )
    assert sorted([smaller, larger], key=target_order) == [larger, smaller]


def test_an_introduction_path_of_three_hops_through_an_ambassador(session, city):
    definition = parse_chain(MINI)
    found = introduction_paths(session, city["O3"].id, definition, SETTINGS)
    # O3 sells to O4 (0.5), O4 to O5 (0.5), and O5 (Shanghai, repair) is in 甲大使's network
    # (长三角 + B102): three hops, 0.5 × 0.5 × 0.5.
    (path,) = found["paths"]
    assert path["hops"] == 3
    assert path["strength"] == pytest.approx(0.125)
    assert [node["name"] for node in path["nodes"]] == [
        "外地电池一",
        "外地整车",
        "上海维修",
        "甲大使",
    ]
    assert [step.evidence["kind"] for step in path["steps"]] == [
        "supply_link", "supply_link", "network"]  # fmt: skip
    assert path["steps"][2].evidence["region"] == "长三角"


def test_a_direct_customer_is_the_shortest_path(session, city):
    found = introduction_paths(session, city["O1"].id, parse_chain(MINI), SETTINGS)
    first = found["paths"][0]
    assert first["hops"] == 1 and first["introducer"]["id"] == city["L1"].id
    assert first["introducer"]["is_chain_leader"] is True


def test_what_if_a_firm_left(session, city):
    definition = parse_chain(MINI)
    names = {firm.id: label for label, firm in city.items()}
    leaving_l1 = what_if(session, city["L1"].id, definition, SETTINGS)
    # L4 bought vehicles only from L1: cut; L5 buys from L4: exposed at depth 2.
    assert [(names[a["enterprise"].id], a["depth"], a["severity"]) for a in leaving_l1["affected"]] == [
        ("L4", 1, "cut"), ("L5", 2, "exposed")]  # fmt: skip
    leaving_l2 = what_if(session, city["L2"].id, definition, SETTINGS)
    (only,) = leaving_l2["affected"]
    # L1 keeps L3 in steel: it loses 0.6 of its 1.0.
    assert (names[only["enterprise"].id], only["severity"]) == ("L1", "reduced")
    assert only["lost_share"] == pytest.approx(0.6) and only["remaining_suppliers"] == 1
