"""Supervision items (督办) over JSON: list, read and PATCH (answer, close, re-open, escalate)
from the resource layer. Items are generated each month, never created or deleted by hand."""

from crm.api import blueprint, resource
from crm.schemas.supervision import SUPERVISION
from crm.services import supervision

SUPERVISION_RESOURCE = resource.Resource(
    path="supervision-items",
    singular="supervision_item",
    title="SupervisionItem",
    read_right=supervision.READ,
    write_right=(supervision.ANSWER, supervision.MANAGE),
    declaration=SUPERVISION,
    search=supervision.list_items,
    get=supervision.get_item,
    create=None,
    update=supervision.update_item,
    delete=None,
    record_values=supervision.item_values,
    summary_values=supervision.summary_values,
)
resource.register(blueprint, SUPERVISION_RESOURCE)
