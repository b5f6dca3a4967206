"""Supply links (供应关系) over JSON: the five routes of the resource layer."""

from crm.api import blueprint, resource
from crm.schemas.supply_links import SUPPLY_LINKS
from crm.services import supply_links

SUPPLY_LINK_RESOURCE = resource.Resource(
    path="supply-links",
    singular="supply_link",
    title="SupplyLink",
    read_right=supply_links.READ,
    write_right=supply_links.WRITE,
    declaration=SUPPLY_LINKS,
    search=supply_links.list_supply_links,
    get=supply_links.get_supply_link,
    create=supply_links.create_supply_link,
    update=supply_links.update_supply_link,
    delete=supply_links.delete_supply_link,
    record_values=supply_links.supply_link_values,
    summary_values=supply_links.summary_values,
)
resource.register(blueprint, SUPPLY_LINK_RESOURCE)
