"""Enterprises over JSON: the five routes of the resource layer."""

from crm.api import blueprint, resource
from crm.schemas.enterprises import ENTERPRISES
from crm.services import enterprises

ENTERPRISE_RESOURCE = resource.Resource(
    path="enterprises",
    singular="enterprise",
    title="Enterprise",
    read_right=enterprises.READ,
    write_right=enterprises.WRITE,
    declaration=ENTERPRISES,
    search=enterprises.list_enterprises,
    get=enterprises.get_enterprise,
    create=enterprises.create_enterprise,
    update=enterprises.update_enterprise,
    delete=enterprises.delete_enterprise,
    record_values=enterprises.enterprise_values,
    summary_values=enterprises.summary_values,
)
resource.register(blueprint, ENTERPRISE_RESOURCE)
