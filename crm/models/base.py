"""The declarative base and the columns every table shares."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry

from crm.vocabulary import Vocabulary

# Alembic needs every constraint named; the same convention on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Money is 万元 with four decimals (one yuan); areas are 亩.
Money = Numeric(18, 4)
Area = Numeric(14, 2)


# users point at units, and units at districts: a foreign key from these back to users would
# make a cycle that PostgreSQL cannot create in one pass, so their created_by is a plain id.
TABLES_USERS_NEED = {"units", "districts"}


def utcnow() -> datetime:
    """Now in UTC, stored without a zone so SQLite and PostgreSQL agree."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: DateTime(), date: Date(), Decimal: Money, str: String(200)},
    )


class Record:
    """id, created_at, updated_at, created_by: on every table."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        if cls.__tablename__ in TABLES_USERS_NEED:
            return mapped_column(Integer)
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Versioned:
    """Optimistic locking: SQLAlchemy bumps `version` and refuses to overwrite a newer row."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


class SoftDeleted:
    deleted_at: Mapped[datetime | None]


class DemoMarked:
    """Rows of the fictional demo city carry is_demo, so they can be purged in one go."""

    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())


def enum_column(vocabulary: Vocabulary, check_name: str | None = None, **kwargs) -> Mapped:
    """A short English key, checked in the database against the vocabulary.

    `check_name` names the CHECK constraint when one table has two columns of one vocabulary.
    """
    kind = Enum(
        *vocabulary.keys,
        name=check_name or vocabulary.name,
        native_enum=False,
        create_constraint=True,
        length=40,
        validate_strings=True,
    )
    return mapped_column(kind, **kwargs)


def non_negative(*columns: str) -> tuple[CheckConstraint, ...]:
    return tuple(
        CheckConstraint(f"{column} >= 0", name=f"{column}_non_negative") for column in columns
    )
