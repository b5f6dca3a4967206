"""Import batches: every imported row remembers the batch it came in."""

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, Record, enum_column
from crm.vocabulary import IMPORT_KIND


class ImportBatch(Record, Base):
    __tablename__ = "import_batches"
    __table_args__ = (CheckConstraint("row_count >= 0", name="row_count_non_negative"),)

    kind: Mapped[str] = enum_column(IMPORT_KIND)
    file_name: Mapped[str] = mapped_column(String(255))
    row_count: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None]
