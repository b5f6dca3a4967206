"""Attachments: files kept outside the web root, owned by one record."""

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, Record, enum_column
from crm.vocabulary import ATTACHMENT_OWNER


class Attachment(Record, Base):
    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("size_bytes >= 0", name="size_bytes_non_negative"),
        Index("ix_attachments_owner", "owner_type", "owner_id"),
    )

    owner_type: Mapped[str] = enum_column(ATTACHMENT_OWNER)
    owner_id: Mapped[int]
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int]
    # Relative to the configured upload folder, which lies outside static/.
    stored_path: Mapped[str] = mapped_column(String(300), unique=True)
