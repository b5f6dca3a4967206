"""Spreadsheet columns, declared with the resource they import into and export from."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SheetColumn:
    """A column of a resource's spreadsheet: the export writes `header`, the import also
    accepts the `variants`; `kind` says how a cell becomes a field value ("readonly": written
    by the export, ignored by the import)."""

    key: str  # a field of the resource's input, or a column of the export alone
    header: str
    kind: str = "text"  # text, amount, count, flag, date, list, district, segments, tags …
    variants: tuple[str, ...] = ()

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.variants)
