"""A resource declared once: the pydantic models of its fields, its record, its list rows and
its filters, which drive validation, JSON output, the OpenAPI document and the writable set."""

from collections.abc import Mapping
from copy import copy
from typing import Annotated

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model
from pydantic import ValidationError as PydanticError

from crm.schemas.fields import FieldProblem
from crm.services.errors import UnknownFields, ValidationError


class Declaration:
    """`fields` holds what a client may write (with defaults for a new record), `record` is a
    record as read (the fields and what the system sets), `summary` a list row, `filters` the
    list's query parameters."""

    def __init__(
        self,
        *,
        fields: type[BaseModel],
        record: type[BaseModel],
        summary: type[BaseModel],
        filters: type[BaseModel],
    ):
        self.fields = fields
        self.patch = _all_optional(fields)
        self._adapters = {
            name: TypeAdapter(Annotated[info.annotation, *info.metadata])
            for name, info in fields.model_fields.items()
        }
        # Called for every new record: pydantic's get_default inspects the factory each time.
        self._defaults = {
            name: info.default_factory or (lambda default=info.default: default)
            for name, info in fields.model_fields.items()
            if not info.is_required()
        }
        self.record = record
        self.summary = summary
        self.filters = filters
        self.writable = frozenset(fields.model_fields)
        self.read_only = frozenset(record.model_fields) - self.writable

    def check_names(self, data: Mapping) -> None:
        """UnknownFields unless every key is a field the caller may write."""
        unknown = {
            key: [_("只读字段，不可修改") if key in self.read_only else _("未知字段")]
            for key in data
            if key not in self.writable
        }
        if unknown:
            raise UnknownFields(unknown)

    def clean(self, data: Mapping, *, partial: bool = False) -> tuple[dict, dict]:
        """(cleaned values, {field: [messages]}). A new record gets the defaults of the fields
        it leaves out; `partial` (an update) cleans only the fields given. Raises UnknownFields
        first. When something is wrong, the fields that are right are cleaned too, so a
        service can go on to name every problem at once."""
        self.check_names(data)
        model = self.patch if partial else self.fields
        try:
            # One call for the whole record: an import cleans a hundred thousand of them.
            record = model.__pydantic_validator__.validate_python(dict(data))
        except PydanticError as error:
            return self._field_by_field(data, partial), field_messages(error)
        return {
            name: getattr(record, name) for name in (data if partial else model.model_fields)
        }, {}

    def _field_by_field(self, data: Mapping, partial: bool) -> dict:
        cleaned = {}
        for name, value in data.items():
            try:
                cleaned[name] = self._adapters[name].validate_python(value)
            except PydanticError:
                continue
        if not partial:
            for name, default in self._defaults.items():
                if name not in data:
                    cleaned[name] = default()
        return cleaned

    def parse_filters(self, arguments: Mapping[str, str]):
        """The list's filters from query parameters; unknown parameters are ignored."""
        given = {key: arguments[key] for key in self.filters.model_fields if key in arguments}
        try:
            return self.filters.model_validate(given)
        except PydanticError as error:
            raise ValidationError(field_messages(error)) from None

    def record_json(self, values: Mapping) -> dict:
        return self.record.model_construct(**values).model_dump(mode="json")

    def summary_json(self, values: Mapping) -> dict:
        return self.summary.model_construct(**values).model_dump(mode="json")


def field_messages(error: PydanticError) -> dict[str, list[str]]:
    """pydantic's errors as {field: [message]}, in the catalog's words."""
    messages: dict[str, list[str]] = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "_"  # "_": a value on its own
        cause = (problem.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblem):
            message = str(cause)
        elif problem["type"] == "missing":
            message = _("必填")
        else:
            message = _("格式不正确")
        messages.setdefault(field, []).append(message)
    return messages


def _all_optional(model: type[BaseModel]) -> type[BaseModel]:
    """The same fields, none required and none defaulted: what a PATCH may send."""
    fields = {}
    for name, info in model.model_fields.items():
        optional = copy(info)
        optional.default, optional.default_factory = None, None
        fields[name] = (info.annotation, optional)
    return create_model(f"{model.__name__}Patch", __config__=ConfigDict(extra="forbid"), **fields)


def pick(name: str, model: type[BaseModel], field_names: tuple[str, ...]) -> type[BaseModel]:
    """A model of some of another's fields, declared there: a list row of a record."""
    fields = {
        key: (model.model_fields[key].annotation, model.model_fields[key]) for key in field_names
    }
    return create_model(name, __config__=model.model_config, **fields)
