"""Activities of a lead (走访、洽谈、考察、电话、会议): who may write them and the timeline.
An activity belongs to its lead's scope, and is also shown on the lead's enterprise."""

from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Activity, User
from crm.schemas.activities import ACTIVITIES, ActivityFilters
from crm.services import audit, leads, records
from crm.services.errors import NotFound, ValidationError

READ, WRITE = "lead.read", "activity.write"
COLUMNS = ("kind", "occurred_on", "participants", "notes", "follow_up")


def _lead_of(session: Session, activity: Activity, actor):
    """The activity's lead, in the actor's scope (NotFound otherwise)."""
    if activity.lead_id is None:
        raise NotFound
    return leads.get_lead(session, activity.lead_id, actor)


def get_activity(session: Session, activity_id: int, actor) -> Activity:
    activity = records.get_live(session, Activity, activity_id, actor, READ)
    _lead_of(session, activity, actor)
    return activity


def _check(data: Mapping, partial: bool) -> dict:
    values, errors = ACTIVITIES.clean(data, partial=partial)
    for key in ("kind", "occurred_on"):
        if partial and key in values and values[key] is None:
            errors.setdefault(key, [_("不能为空")])
    if errors:
        raise ValidationError(errors)
    return values


def create_activity(session: Session, data: Mapping, actor, parent_id: int) -> Activity:
    """A new activity of lead `parent_id` (NotFound outside the actor's scope)."""
    lead = leads.get_lead(session, parent_id, actor)
    records.require(actor, WRITE)
    leads._require_unit_in_scope(session, leads.actor_scope(session, actor), lead.owner_unit_id)
    values = _check(data, partial=False)
    activity = Activity(
        lead_id=lead.id, enterprise_id=lead.enterprise_id, created_by_id=records.actor_id(actor)
    )
    for key in COLUMNS:
        setattr(activity, key, values[key])
    session.add(activity)
    audit.record_create(session, activity, records.actor_id(actor))
    session.flush()
    return activity


def update_activity(
    session: Session, activity: Activity, data: Mapping, expected_version: int, actor
) -> Activity:
    lead = _lead_of(session, activity, actor)
    records.require(actor, WRITE)
    leads._require_unit_in_scope(session, leads.actor_scope(session, actor), lead.owner_unit_id)
    ACTIVITIES.check_names(data)
    records.check_version(activity, expected_version)
    values = _check(data, partial=True)
    with records.stale_as_conflict():
        for key, value in values.items():
            setattr(activity, key, value)
        audit.record_update(session, activity, records.actor_id(actor))
        session.flush()
    return activity


def delete_activity(session: Session, activity: Activity, actor) -> None:
    """Activities are notes of what happened: deleting one removes it, audited."""
    lead = _lead_of(session, activity, actor)
    records.require(actor, WRITE)
    leads._require_unit_in_scope(session, leads.actor_scope(session, actor), lead.owner_unit_id)
    audit.record_event(
        session, "delete", Activity.__tablename__, activity.id, records.actor_id(actor)
    )
    session.delete(activity)
    session.flush()


def activity_values(session: Session, activity: Activity) -> dict:
    author = session.get(User, activity.created_by_id) if activity.created_by_id else None
    return {
        **{key: getattr(activity, key) for key in COLUMNS},
        "id": activity.id,
        "version": activity.version,
        "lead": activity.lead_id,
        "enterprise": activity.enterprise_id,
        "created_by_name": author.label if author else None,
        "created_at": activity.created_at,
        "updated_at": activity.updated_at,
    }


def summary_values(row) -> dict:
    return row._asdict()


TIMELINE_COLUMNS = (
    Activity.id,
    Activity.version,
    Activity.kind,
    Activity.occurred_on,
    Activity.participants,
    Activity.notes,
    Activity.follow_up,
    Activity.lead_id.label("lead"),
)


def list_activities(
    session: Session, filters: ActivityFilters, actor, page: int, per_page: int, parent_id: int
):
    """A page of lead `parent_id`'s activities, newest first."""
    lead = leads.get_lead(session, parent_id, actor)
    statement = select(*TIMELINE_COLUMNS).where(Activity.lead_id == lead.id)
    if filters.kind:
        statement = statement.where(Activity.kind == filters.kind)
    statement = statement.order_by(Activity.occurred_on.desc(), Activity.id.desc())
    return records.numbered_page(session, statement, page, per_page)


def timeline(
    session: Session,
    *,
    lead_id: int | None = None,
    enterprise_id: int | None = None,
    limit: int | None = None,
    restrict=None,
):
    """Activities of a lead, or of an enterprise, newest first, with the lead's name and who
    wrote them down; `restrict` narrows the statement (to the viewer's scope)."""
    from crm.models import Lead

    statement = (
        select(
            *TIMELINE_COLUMNS,
            Lead.name.label("lead_name"),
            User.display_name.label("author_display"),
            User.name.label("author_login"),
        )
        .outerjoin(Lead, Lead.id == Activity.lead_id)
        .outerjoin(User, User.id == Activity.created_by_id)
    )
    if lead_id is not None:
        statement = statement.where(Activity.lead_id == lead_id)
    else:
        statement = statement.where(Activity.enterprise_id == enterprise_id)
    if restrict is not None:
        statement = restrict(statement)
    statement = statement.order_by(Activity.occurred_on.desc(), Activity.id.desc())
    return session.execute(statement.limit(limit) if limit else statement).all()
