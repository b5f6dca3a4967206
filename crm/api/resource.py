"""A resource's five routes (list, read, create, update with `version`, soft delete, unless the
resource has no update or no delete), made from its declaration and its service functions;
crm.api.openapi describes every resource registered."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, request, url_for
from flask_babel import gettext as _

from crm.api.auth import api_user, require_right
from crm.api.body import json_object
from crm.api.errors import CONFLICT, ApiError, forbidden, invalid, service_errors
from crm.api.pagination import page_arguments, page_body
from crm.extensions import db
from crm.permissions import has_right
from crm.schemas.declaration import Declaration
from crm.services.errors import StaleVersion


@dataclass(frozen=True)
class Parent:
    """The record a resource's collection lives under: /leads/<lead_id>/activities lists and
    creates a lead's activities, while each one is read, changed and deleted at
    /activities/<id>. The service's search and create then take `parent_id`."""

    path: str  # "leads"
    singular: str  # "lead"

    @property
    def id_name(self) -> str:
        return f"{self.singular}_id"


@dataclass(frozen=True)
class Resource:
    """What the routes need: names, rights, the declaration and the service's functions."""

    path: str  # plural, as in the URL: "enterprises"
    singular: str  # names the endpoints and the id: "enterprise", enterprise_id
    title: str  # names the OpenAPI schemas: "Enterprise", EnterpriseInput …
    read_right: str
    write_right: str | tuple[str, ...]  # several: any one of them lets the caller write
    declaration: Declaration
    search: Callable  # (session, filters, actor, page, per_page) -> (rows, has_next)
    get: Callable  # (session, id, actor) -> record, or NotFound
    create: Callable | None  # (session, data, actor) -> record; None: no POST
    update: Callable | None  # (session, record, data, version, actor) -> record; None: no PATCH
    delete: Callable | None  # (session, record, actor) -> None; None: no DELETE route
    record_values: Callable  # (session, record) -> the declaration's record values
    summary_values: Callable  # (row) -> the declaration's summary values
    parent: Parent | None = None  # a collection under another record
    create_errors: str = ""  # error statuses create may answer beyond the usual ("429")

    @property
    def collection_rule(self) -> str:
        if self.parent is None:
            return f"/{self.path}"
        return f"/{self.parent.path}/<int:{self.parent.id_name}>/{self.path}"

    @property
    def id_name(self) -> str:
        return f"{self.singular}_id"

    def record_json(self, record) -> dict:
        return self.declaration.record_json(self.record_values(db.session, record))


RESOURCES: list[Resource] = []


def register(blueprint: Blueprint, resource: Resource) -> None:
    """Add the resource's routes to the API blueprint and its description to the document."""
    RESOURCES.append(resource)
    collection = resource.collection_rule

    def parent_of(ids: dict) -> dict:
        if resource.parent is None:
            return {}
        return {"parent_id": ids[resource.parent.id_name]}

    item = f"/{resource.path}/<int:{resource.id_name}>"

    def listing(**ids):
        require_right(resource.read_right)
        page, per_page = page_arguments()
        with service_errors():
            filters = resource.declaration.parse_filters(request.args)
            rows, has_next = resource.search(
                db.session, filters, api_user(), page, per_page, **parent_of(ids)
            )
        items = [resource.declaration.summary_json(resource.summary_values(row)) for row in rows]
        return page_body(items, page, per_page, has_next)

    def detail(**ids):
        with service_errors():
            record = resource.get(db.session, ids[resource.id_name], api_user())
        return resource.record_json(record)

    def create(**ids):
        _require_write(resource)
        data = json_object()
        with service_errors():
            record = resource.create(db.session, data, api_user(), **parent_of(ids))
        db.session.commit()
        location = url_for(f"api.{resource.singular}_detail", **{resource.id_name: record.id})
        return resource.record_json(record), 201, {"Location": location}

    def update(**ids):
        record_id = ids[resource.id_name]
        with service_errors():
            record = resource.get(db.session, record_id, api_user())
        _require_write(resource)
        data = json_object()
        version = _version(data)
        try:
            with service_errors():
                resource.update(db.session, record, data, version, api_user())
        except StaleVersion:
            db.session.rollback()
            with service_errors():
                current = resource.get(db.session, record_id, api_user())
            raise ApiError(
                409, "conflict", CONFLICT, extra={"current": resource.record_json(current)}
            ) from None
        db.session.commit()
        return resource.record_json(record)

    def delete(**ids):
        with service_errors():
            record = resource.get(db.session, ids[resource.id_name], api_user())
        _require_write(resource)
        with service_errors():
            resource.delete(db.session, record, api_user())
        db.session.commit()
        return "", 204

    for rule, name, view, methods in (
        (collection, "list", listing, ["GET"]),
        (collection, "create", create, ["POST"]),
        (item, "detail", detail, ["GET"]),
        (item, "update", update, ["PATCH"]),
        (item, "delete", delete, ["DELETE"]),
    ):
        if name == "create" and resource.create is None:
            continue
        if name == "delete" and resource.delete is None:
            continue
        if name == "update" and resource.update is None:
            continue
        blueprint.add_url_rule(rule, f"{resource.singular}_{name}", view, methods=methods)


def _require_write(resource: Resource) -> None:
    rights = resource.write_right
    if isinstance(rights, str):
        require_right(rights)
        return
    user = api_user()
    if not any(has_right(user, right) for right in rights):
        raise forbidden()


def _version(data: dict) -> int:
    """The `version` an update must carry, taken out of the fields."""
    if "version" not in data:
        raise invalid({"version": [_("必填：请附上读取记录时的 version")]})
    version = data.pop("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise invalid({"version": [_("应为整数")]})
    return version
