"""What services raise when a write cannot be done; views turn it into form errors or answers."""


class ValidationError(ValueError):
    """Values that break the rules; `fields` maps each field to its messages."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__(fields)
        self.fields = fields


class UnknownFields(ValidationError):
    """Fields the record does not have, or that no one may write."""


class StaleVersion(Exception):
    """The record changed since the caller read it (optimistic locking)."""
