"""Import batches: every imported row remembers the batch it came in."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, Record, enum_column, non_negative
from crm.vocabulary import IMPORT_KIND, IMPORT_STATUS


class ImportBatch(Record, Base):
    """Who imported which file when, and the outcome; a refused file leaves only this row."""

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint("row_count >= 0", name="row_count_non_negative"),
        *non_negative("created_count", "updated_count", "error_count"),
    )

    kind: Mapped[str] = enum_column(IMPORT_KIND)
    file_name: Mapped[str] = mapped_column(String(255))
    row_count: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None]
    # NULL while the import runs (or for the demo city, which predates the outcome).
    status: Mapped[str | None] = enum_column(IMPORT_STATUS, nullable=True)
    created_count: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_count: Mapped[int] = mapped_column(default=0, server_default="0")
    error_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # The first errors of a refused file: [{"row", "column", "message"}].
    errors: Mapped[list | None] = mapped_column(JSON)
