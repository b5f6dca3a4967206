"""Merging two enterprise records that are one company: every dependant moves to the record
that stays, conflicts follow MERGE_RULES, and the other record is kept, marked merged."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import Session, aliased

from crm.models import (
    Activity,
    Attachment,
    Contact,
    Enterprise,
    EnterpriseTag,
    Lead,
    Project,
    ServiceRequest,
    SupplyLink,
)
from crm.models.base import utcnow
from crm.schemas.enterprises import MAX_ALIASES
from crm.services import audit, records
from crm.services.enterprises import CITY_ONLY, PLAIN_COLUMNS, refresh_search
from crm.services.errors import ValidationError

MERGE = "enterprise.merge"

# What the page shows before a merge; merge_enterprises does exactly this, in this order.
MERGE_RULES = (
    _l("保留记录已填写的字段不变；保留记录为空的字段取被合并记录的值。"),
    _l("被合并记录的名称和别名加入保留记录的别名。"),
    _l("龙头、链主、规上：任一记录为“是”即为“是”；本地或外地以保留记录为准。"),
    _l("产业链环节和标签取两者的并集。"),
    _l("年度数据：同一年份两者都有时，以保留记录为准，其空缺的数值取被合并记录的。"),
    _l(
        "供应关系、联系人、线索、项目、走访记录、企业诉求和附件全部转到保留记录；"
        "重复的供应关系只保留一条，两者之间的供应关系删除。"
    ),
    _l("被合并记录标记为“已合并”，不再出现在列表中；两条记录的历史都记下这次合并。"),
)

# Filled from the other record where the one that stays has nothing.
FILLED_COLUMNS = (
    *(column for column in PLAIN_COLUMNS if column not in ("aliases", "uscc")),
    "district_id",
    "park_id",
)
FLAGS_ORED = ("is_leading", "is_chain_leader", "is_above_scale")
MOVED = (Contact, Lead, Project, Activity, ServiceRequest)
YEAR_FIGURES = (
    "output_wan",
    "value_added_wan",
    "tax_wan",
    "energy_tce",
    "emissions_t",
    "employees",
    "rd_spend_wan",
)


@dataclass
class MergeResult:
    moved: dict[str, int] = field(default_factory=dict)  # table → rows moved
    dropped_links: int = 0


def require_merge(actor) -> None:
    """Forbidden, saying why, unless the actor may merge: a merge joins records across
    districts, so only admins and the city bureau's staff may."""
    records.require(actor, MERGE, CITY_ONLY)


def merge_enterprises(
    session: Session,
    keep: Enterprise,
    other: Enterprise,
    versions: tuple[int, int],
    actor,
) -> MergeResult:
    """Merge `other` into `keep` in the caller's transaction. `versions` are the two records'
    versions as the actor saw them; StaleVersion when either moved on."""
    require_merge(actor)
    if keep.id == other.id:
        raise ValidationError({"other": [str(_l("不能与自身合并"))]})
    records.check_version(keep, versions[0])
    records.check_version(other, versions[1])
    result = MergeResult()
    with records.stale_as_conflict():
        _fill_columns(session, keep, other)
        changed = audit.record_update(session, keep, records.actor_id(actor))
        changed += ["segments"] * records.replace_collection(
            session,
            keep,
            "segments",
            _union(keep.segments, other.segments, lambda segment: segment.id),
            lambda segment: segment.code,
            actor,
        )
        wanted_tags = sorted({tag.tag for tag in keep.tags} | {tag.tag for tag in other.tags})
        changed += ["tags"] * records.replace_collection(
            session,
            keep,
            "tags",
            [EnterpriseTag(tag=key) for key in wanted_tags],
            lambda tag: tag.tag,
            actor,
        )
        if changed:
            records.touch(keep)
        session.flush()
        _merge_years(session, keep, other)
        result.dropped_links = _move_supply_links(session, keep.id, other.id)
        for model in MOVED:
            moved = session.execute(
                update(model)
                .where(model.enterprise_id == other.id)
                .values(enterprise_id=keep.id)
                .execution_options(synchronize_session=False)
            ).rowcount
            result.moved[model.__tablename__] = moved
        result.moved["attachments"] = session.execute(
            update(Attachment)
            .where(Attachment.owner_type == "enterprise", Attachment.owner_id == other.id)
            .values(owner_id=keep.id)
        ).rowcount
        other.deleted_at = utcnow()
        other.merged_into_id = keep.id
        session.flush()
    who = records.actor_id(actor)
    audit.record_value(session, "merge", keep, "merged_from", None, _label(other), who)
    audit.record_value(session, "merge", other, "merged_into", None, _label(keep), who)
    session.flush()
    return result


def _label(enterprise: Enterprise) -> str:
    return f"{enterprise.name} (#{enterprise.id})"


def _union(first, second, key) -> list:
    seen = {key(item): item for item in first}
    for item in second:
        seen.setdefault(key(item), item)
    return list(seen.values())


def _fill_columns(session: Session, keep: Enterprise, other: Enterprise) -> None:
    for column in FILLED_COLUMNS:
        if getattr(keep, column) is None and getattr(other, column) is not None:
            setattr(keep, column, getattr(other, column))
    if keep.lon is None and other.lon is not None:
        keep.lon, keep.lat = other.lon, other.lat
    for flag in FLAGS_ORED:
        setattr(keep, flag, getattr(keep, flag) or getattr(other, flag))
    names = [other.name, *(other.aliases or [])]
    aliases = [alias for alias in dict.fromkeys([*(keep.aliases or []), *names])]
    keep.aliases = [alias for alias in aliases if alias != keep.name][:MAX_ALIASES]
    refresh_search(keep)
    if keep.uscc is None and other.uscc is not None:
        # The code is unique: the other record gives it up first.
        code, other.uscc = other.uscc, None
        session.flush()
        keep.uscc = code


def _merge_years(session: Session, keep: Enterprise, other: Enterprise) -> None:
    kept_years = {year.year: year for year in keep.years}
    for year in list(other.years):
        mine = kept_years.get(year.year)
        if mine is None:
            year.enterprise_id = keep.id
            continue
        for figure in YEAR_FIGURES:
            if getattr(mine, figure) is None and getattr(year, figure) is not None:
                setattr(mine, figure, getattr(year, figure))
        session.delete(year)
    session.flush()
    session.expire(keep, ["years"])
    session.expire(other, ["years"])


def _move_supply_links(session: Session, keep_id: int, other_id: int) -> int:
    """Move the other record's links to the one that stays; returns how many were dropped
    (links between the two, and links the one that stays already has)."""
    link, twin = SupplyLink, aliased(SupplyLink)
    dropped = session.execute(
        delete(link).where(
            ((link.supplier_id == other_id) & (link.customer_id == keep_id))
            | ((link.supplier_id == keep_id) & (link.customer_id == other_id))
        )
    ).rowcount
    for side, partner in (("supplier_id", "customer_id"), ("customer_id", "supplier_id")):
        duplicate = exists().where(
            getattr(twin, side) == keep_id,
            getattr(twin, partner) == getattr(link, partner),
            # Two links without a segment are the same link too.
            (twin.segment_id == link.segment_id)
            | and_(twin.segment_id.is_(None), link.segment_id.is_(None)),
        )
        dropped += session.execute(
            delete(link).where(getattr(link, side) == other_id, duplicate)
        ).rowcount
        session.execute(
            update(link)
            .where(getattr(link, side) == other_id)
            .values({side: keep_id})
            .execution_options(synchronize_session=False)
        )
    return dropped


def merge_candidates(session: Session, enterprise: Enterprise, limit: int = 10) -> list:
    """Live records that look like the same company: the same normalised name without its
    suffix, or the same credit code. Shown on the merge page as suggestions."""
    stem = enterprise.name_normalised[:6]
    statement = (
        select(Enterprise.id, Enterprise.name, Enterprise.uscc)
        .where(
            Enterprise.deleted_at.is_(None),
            Enterprise.id != enterprise.id,
            Enterprise.name_normalised.startswith(stem, autoescape=True),
        )
        .order_by(Enterprise.name)
        .limit(limit)
    )
    return session.execute(statement).all()
