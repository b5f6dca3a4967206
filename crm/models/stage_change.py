"""Stage changes of leads and projects; time in stage and as-of reports are computed from them."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, Record, enum_column, utcnow
from crm.vocabulary import LEAD_STAGE, PROJECT_STAGE, STAGE_CHANGE_SUBJECT


def _keys_in(column: str, *vocabularies) -> str:
    keys = ", ".join(f"'{key}'" for vocabulary in vocabularies for key in vocabulary.keys)
    return f"{column} IN ({keys})"


class StageChange(Record, Base):
    __tablename__ = "stage_changes"
    __table_args__ = (
        CheckConstraint(
            "(subject = 'lead' AND lead_id IS NOT NULL AND project_id IS NULL)"
            " OR (subject = 'project' AND project_id IS NOT NULL AND lead_id IS NULL)",
            name="one_subject",
        ),
        CheckConstraint(
            "from_stage IS NULL OR " + _keys_in("from_stage", LEAD_STAGE, PROJECT_STAGE),
            name="from_stage_key",
        ),
        CheckConstraint(_keys_in("to_stage", LEAD_STAGE, PROJECT_STAGE), name="to_stage_key"),
    )

    subject: Mapped[str] = enum_column(STAGE_CHANGE_SUBJECT)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str | None] = mapped_column(String(40))  # None when the record is created
    to_stage: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
