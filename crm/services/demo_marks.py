"""What the CRM knows of the demo city: whether it is loaded (the demo/ package builds it)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import ImportBatch


def has_demo(session: Session) -> bool:
    """Whether the demo city is loaded (its import batch is the marker; a tiny table)."""
    query = select(ImportBatch.id).where(ImportBatch.kind == "demo").limit(1)
    return session.scalar(query) is not None
