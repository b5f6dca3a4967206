"""Saved filters: a user names the query of a list page to come back to it."""

from urllib.parse import parse_qsl, urlencode

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import SavedFilter
from crm.schemas.fields import clean_text
from crm.services.errors import NotFound, ValidationError

# Paging and sorting belong to a visit, not to what was looked for.
NOT_SAVED = frozenset({"after", "page"})
MAX_PER_USER_AND_LIST = 50


def saved_filters(session: Session, user, list_name: str) -> list[SavedFilter]:
    return session.scalars(
        select(SavedFilter)
        .where(SavedFilter.user_id == user.id, SavedFilter.list_name == list_name)
        .order_by(SavedFilter.name)
    ).all()


def save_filter(session: Session, user, list_name: str, name: str, query: str) -> SavedFilter:
    """Save (or replace, under the same name) the list's query string."""
    try:
        name = clean_text(name, SavedFilter.__table__.c.name.type.length, required=True)
    except ValueError as problem:
        raise ValidationError({"name": [str(problem)]}) from None
    kept = urlencode([(key, value) for key, value in parse_qsl(query) if key not in NOT_SAVED])
    if len(kept) > SavedFilter.__table__.c.query.type.length:
        raise ValidationError({"name": [_("筛选条件太长，无法保存")]})
    existing = {saved.name: saved for saved in saved_filters(session, user, list_name)}
    if name in existing:
        existing[name].query = kept
        session.flush()
        return existing[name]
    if len(existing) >= MAX_PER_USER_AND_LIST:
        raise ValidationError({"name": [_("最多保存 %(max)d 个筛选", max=MAX_PER_USER_AND_LIST)]})
    saved = SavedFilter(
        user_id=user.id, list_name=list_name, name=name, query=kept, created_by_id=user.id
    )
    session.add(saved)
    session.flush()
    return saved


def delete_filter(session: Session, user, filter_id: int) -> None:
    saved = session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != user.id:
        raise NotFound
    session.delete(saved)
    session.flush()
