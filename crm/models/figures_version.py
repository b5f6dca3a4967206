"""The change counter of the dashboard's figures (leads, projects and their dated history)."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base


class FiguresVersion(Base):
    """One row, bumped by database triggers whenever data the dashboard's lead and project
    figures read changes (leads, projects, their stage log, funds arrivals, leads' segments,
    districts); the enterprise figures follow chain_data_version. As there, the token changes
    with every bump, so a counter a rolled-back transaction took back never names other data."""

    __tablename__ = "figures_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    token: Mapped[str] = mapped_column(String(40), default="")
