"""A hand-built chain and city whose right answers are worked out in the tests that use it.

Chain "mini": upstream steel A101, chips A102, batteries A103 → vehicles B101 → repair B102.

    local   L1 整车厂 (B101, 链主, output 100,000)   L2 钢厂甲 (A101, 30,000)
            L3 钢厂乙 (A101, 20,000)                  L4 维修站 (B102, 500)
            L5 车队 (B102, 300)
    outside O1 芯片一 (A102, 50,000, Shanghai, ratings A/B)   O2 芯片二 (A102, 50,000)
            O3 电池一 (A103, 50,000)   O6 电池二 (A103, 50,000)
            O4 整车外 (B101, no credit code)   O5 维修外 (B102, Shanghai)
    links   L2→L1 A101 0.6   L3→L1 A101 0.4   O1→L1 A102 1.0   L1→L4 B101 1.0
            L4→L5 B102 1.0   O3→O4 A103 0.5   O4→O5 B101 0.5
    ambassador 甲大使: 长三角 + segment B102
"""

from sqlalchemy import select
from stdnum.cn import uscc as stdnum_uscc

from chainmap.segments import sync_chain
from chainmap.settings import ChainSettings
from crm.models import Ambassador, ChainSegment, Enterprise, SupplyLink
from crm.services.enterprises import create_enterprise
from crm.services.users import create_user

MINI = """
key = "mini"
name = "迷你汽车链"
name_en = "Mini vehicle chain"
tracks.common = { name = "通用", name_en = "Common" }
tiers = [
  { code = "A", name = "上游", name_en = "Upstream" },
  { code = "B", name = "下游", name_en = "Downstream" },
]
categories = [
  { code = "A1", tier = "A", name = "材料与部件", name_en = "Materials and parts" },
  { code = "B1", tier = "B", name = "整车与服务", name_en = "Vehicles and services" },
]
segments = [
  { code = "A101", category = "A1", track = "common", name = "钢材", name_en = "Steel" },
  { code = "A102", category = "A1", track = "common", name = "芯片", name_en = "Chips" },
  { code = "A103", category = "A1", track = "common", name = "电池", name_en = "Batteries" },
  { code = "B101", category = "B1", track = "common", name = "整车", name_en = "Vehicles" },
  { code = "B102", category = "B1", track = "common", name = "维修", name_en = "Repair" },
]
[flows]
A101 = ["B101"]
A102 = ["B101"]
A103 = ["B101"]
B101 = ["B102"]
"""

# Small thresholds, so that five firms make the chain's figures.
SETTINGS = ChainSettings(
    strong_min_enterprises=2,
    strong_min_output_wan=40_000,
    leader_min_local_suppliers=2,
    leading_min_output_wan=20_000,
    leading_top_per_segment=1,
    weakly_linked_below=1,
)


def shanghai_code(serial: int) -> str:
    body = f"91310000MA1K{serial:05d}"
    return body + stdnum_uscc.calc_check_digit(body)


def build(session) -> dict[str, Enterprise]:
    sync_chain(session, MINI)
    segments = {
        row.code: row
        for row in session.scalars(select(ChainSegment).where(ChainSegment.chain_key == "mini"))
    }
    specs = {
        "L1": ("十堰整车厂", True, 100_000, "B101", {"is_chain_leader": True}),
        "L2": ("十堰钢厂甲", True, 30_000, "A101", {}),
        "L3": ("十堰钢厂乙", True, 20_000, "A101", {}),
        "L4": ("十堰维修站", True, 500, "B102", {}),
        "L5": ("十堰车队", True, 300, "B102", {}),
        "O1": ("上海芯片一", False, 50_000, "A102",
               {"uscc": shanghai_code(1), "safety_rating": "A", "environment_rating": "B"}),
        "O2": ("上海芯片二", False, 50_000, "A102", {}),
        "O3": ("外地电池一", False, 50_000, "A103", {}),
        "O4": ("外地整车", False, 80_000, "B101", {}),
        "O5": ("上海维修", False, 1_000, "B102", {"uscc": shanghai_code(2)}),
        "O6": ("外地电池二", False, 50_000, "A103", {}),
    }  # fmt: skip
    firms = {}
    for label, (name, is_local, output, segment, extra) in specs.items():
        data = {"name": name, "is_local": is_local, "output_wan": str(output), **extra}
        firm = create_enterprise(session, data, None)
        firm.segments.append(segments[segment])
        firms[label] = firm
    session.flush()
    for supplier, customer, segment, share in (
        ("L2", "L1", "A101", 0.6),
        ("L3", "L1", "A101", 0.4),
        ("O1", "L1", "A102", 1.0),
        ("L1", "L4", "B101", 1.0),
        ("L4", "L5", "B102", 1.0),
        ("O3", "O4", "A103", 0.5),
        ("O4", "O5", "B101", 0.5),
    ):
        session.add(
            SupplyLink(
                supplier_id=firms[supplier].id,
                customer_id=firms[customer].id,
                segment_id=segments[segment].id,
                share=share,
            )
        )
    envoy = create_user(session, "envoy", "ambassador", display_name="甲大使")
    session.flush()
    profile = session.scalar(select(Ambassador).where(Ambassador.user_id == envoy.id))
    profile.regions, profile.segments = ["长三角"], ["B102"]
    session.commit()
    return firms
