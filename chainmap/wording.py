"""The analyses' reasons in words, in the reader's language: each Reason code has one sentence,
its figures formatted here (money in 万元/亿元, shares in %), segment codes shown by name."""

from flask_babel import gettext as _

from chainmap.analysis import Reason
from chainmap.definition import ChainDefinition
from crm.i18n import locale_key
from crm.templating import money


def _sentences() -> dict[str, str]:
    return {
        "no_local_enterprise": _("本地没有该环节的企业：缺失环节"),
        "local_enterprises_met": _("本地企业 %(count)s 家，达到强链标准（至少 %(min)s 家）"),
        "local_enterprises_short": _("本地企业 %(count)s 家，少于强链标准 %(min)s 家"),
        "local_output_met": _("本地产值 %(output)s，达到强链标准（至少 %(min)s）"),
        "local_output_short": _("本地产值 %(output)s，低于强链标准 %(min)s"),
        "no_local_purchases": _("尚无本地买方在该环节的采购记录"),
        "local_sourcing": _("本地买方在该环节的采购有 %(share)s 来自本地供应商"),
        "leaders_local_sourcing": _("本地链主在该环节的采购有 %(share)s 来自本地"),
        "local_demand": _("以该环节为上游的本地环节产值合计 %(output)s"),
        "local_suppliers": _("本地供应商 %(count)s 家（链主标准：至少 %(min)s 家）"),
        "local_customers": _("本地客户 %(count)s 家"),
        "downstream_reach": _("下游可达 %(count)s 个环节"),
        "large_in_segment": _("产值 %(output)s，居所在环节本地前列"),
        "weakly_linked": _("规模大，但本地供应商只有 %(count)s 家：本地配套弱"),
        "single_source": _("%(buyer)s 在「%(segment)s」只有一家供应商：%(supplier)s"),
        "concentrated": _(
            "「%(segment)s」供应集中：HHI %(hhi)s（%(min)s 起算集中），供应商 %(suppliers)s 家"
        ),
        "low_local_sourcing": _("本地买方在「%(segment)s」只有 %(share)s 的采购来自本地"),
        "cut_point": _(
            "%(supplier)s 是 %(buyers)s 家本地买方在某一环节唯一的本地供应商（如 %(examples)s），"
            "它若离开，这些本地供应即断"
        ),
        "action_fill": _("补链：本地缺失的环节"),
        "action_strengthen": _("强链：本地已有但偏弱的环节"),
        "action_extend": _("延链：自本地强势环节向上下游延伸"),
        "importance": _("对本地买方的重要性 %(value)s（最高为 1）"),
        "relatedness": _("关联度 %(value)s：相邻 %(neighbours)s 个环节中有 %(strong)s 个强环节"),
        "part_gap": _("所在环节的优先度 %(value)s（最高为 1）"),
        "part_capability": _("产值 %(output)s"),
        "supplies_local_leader": _("已向本地链主供货"),
        "feeds_leader_segment": _("所在环节供给本地链主所在的环节：%(segments)s"),
        "no_leader_relation": _("与本地链主尚无供需关系"),
        "part_fit": _("安全生产评级 %(safety)s，环保评级 %(environment)s"),
        "hop_supply": _("%(supplier)s 向 %(customer)s 供应「%(segment)s」（占其采购 %(share)s）"),
        "hop_network": _(
            "%(ambassador)s 的人脉覆盖%(region)s与「%(through)s」，包括 %(enterprise)s"
        ),
        "what_if_cut": _("%(buyer)s 失去在「%(segment)s」的唯一供应商"),
        "what_if_local_cut": _(
            "%(buyer)s 失去在「%(segment)s」唯一的本地供应商，只剩外地供应商 %(others)s 家"
        ),
        "what_if_reduced": _(
            "%(buyer)s 在「%(segment)s」的采购少了 %(lost)s，仍有供应商 %(others)s 家"
        ),
        "what_if_exposed": _("%(buyer)s 从 %(via)s 采购「%(segment)s」，供应受波及"),
    }


MONEY_PARAMS = {"output"}
SHARE_PARAMS = {"share", "lost"}
RATIO_PARAMS = {"value", "hhi"}


class Wording:
    """Reasons and segment names of one chain in the current request's language."""

    def __init__(self, definition: ChainDefinition):
        english = locale_key() == "en"
        self.comma, self.brackets = (", ", " ({})") if english else ("、", "（{}）")
        self.names = {
            segment.code: segment.name_en if english else segment.name
            for segment in definition.segments
        }
        self.sentences = _sentences()

    def segment(self, code: str) -> str:
        return self.names.get(code, code)

    def __call__(self, reason: Reason) -> str:
        params = {}
        for name, value in reason.params.items():
            if name == "segment" or (name == "through" and value in self.names):
                value = self.segment(value)
            elif name == "examples":  # [(buyer name, segment code)]
                value = self.comma.join(
                    buyer + self.brackets.format(self.segment(code)) for buyer, code in value
                )
            elif name == "segments":
                value = self.comma.join(self.segment(code) for code in value.split("、"))
            elif name in MONEY_PARAMS or (name == "min" and reason.code.startswith("local_output")):
                value = money(value)
            elif name in SHARE_PARAMS:
                value = "—" if value is None else f"{float(value):.0%}"
            elif name in RATIO_PARAMS or (name == "min" and reason.code == "concentrated"):
                value = f"{float(value):.2f}"
            params[name] = value
        return self.sentences[reason.code] % params
