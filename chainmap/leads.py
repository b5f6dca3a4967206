"""A lead from a recommendation (产业链招商), or from an introduction path (以商招商), with the
reasoning that made it written into the lead's basis, in words."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from chainmap.analysis import Analysis
from chainmap.documents import paths_json
from chainmap.wording import Wording
from crm.models import Lead

# The lead stages still being worked: a second lead of the same enterprise is not made then.
OPEN = ("active", "on_hold")


def open_lead(session: Session, enterprise_id: int) -> Lead | None:
    return session.scalar(
        select(Lead)
        .where(
            Lead.enterprise_id == enterprise_id,
            Lead.deleted_at.is_(None),
            Lead.status.in_(OPEN),
        )
        .order_by(Lead.id.desc())
        .limit(1)
    )


def find_target(analysis: Analysis, segment: str, enterprise_id: int) -> tuple[dict, dict] | None:
    """The recommendation of `segment` and its target `enterprise_id`, as the analysis has them."""
    for item in analysis.recommendations:
        if item["segment"] == segment:
            for target in item["targets"]:
                if target["enterprise"].id == enterprise_id:
                    return item, target
    return None


def lead_values(item: dict, target: dict, say: Wording, path: dict | None = None) -> dict:
    """What the lead form would hold: name, source, segment and the basis in words."""
    action = {
        "fill": _("补链"),
        "strengthen": _("强链"),
        "extend": _("延链"),
    }[item["action"]]
    segment = say.segment(item["segment"])
    lines = [
        _("产业链招商推荐：%(segment)s，%(action)s，第 %(rank)s 位", segment=segment,
          action=action, rank=item["rank"]),
        *(f"· {say(reason)}" for reason in item["reasons"]),
        _("目标企业评分 %(score)s：", score=f"{target['score']:.2f}"),
        *(f"· {say(part['reason'])}（{part['value']:.2f} × {part['weight']:.2f}）"
          for part in target["parts"]),
    ]  # fmt: skip
    source = "chain_targeting"
    if path is not None:
        source = "business_referral"
        lines.append(
            _("以商招商引荐路径（%(hops)s 步），引荐人：%(who)s", hops=path["hops"],
              who=path["introducer"]["name"])
        )  # fmt: skip
        lines.extend(f"· {step['reason']}" for step in path["steps"])
    return {
        "name": f"{target['enterprise'].name}·{segment}"[:200],
        "enterprise": target["enterprise"].id,
        "source": source,
        "segments": [item["segment"]],
        "basis": "\n".join(lines)[:4000],
    }


def chosen_path(found: dict, definition, introducer: str) -> dict | None:
    """The path ending at `introducer` ("enterprise-12", "ambassador-3") among those found."""
    for path in paths_json(found, definition)["paths"]:
        end = path["introducer"]
        if f"{end['kind']}-{end['id']}" == introducer:
            return path
    return None
