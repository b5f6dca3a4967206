"""What services raise when they refuse; pages and the API turn it into their own answers."""


class ValidationError(ValueError):
    """Values that break the rules; `fields` maps each field to its messages, and `holders`
    a field to the id of the record that already holds its value (pages link to it)."""

    def __init__(self, fields: dict[str, list[str]], holders: dict[str, int] | None = None):
        super().__init__(fields)
        self.fields = fields
        self.holders = holders or {}


class UnknownFields(ValidationError):
    """Fields the record does not have, or that no one may write."""


class StaleVersion(Exception):
    """The record changed since the caller read it (optimistic locking)."""


class NotFound(LookupError):
    """Absent, deleted, or not the caller's to see: the same answer for all three."""


class Forbidden(PermissionError):
    """The caller's role or scope may not do this; `message` says why, where the role alone
    does not (a district's staff changing another district's enterprise); `field`, when the
    refusal is about one field's value (pages show it there)."""

    def __init__(self, message: str | None = None, field: str | None = None):
        super().__init__(*([message] if message else []))
        self.message = message
        self.field = field
