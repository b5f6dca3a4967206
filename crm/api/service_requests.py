"""Service requests (企业诉求) over JSON: the five routes of the resource layer."""

from crm.api import blueprint, resource
from crm.schemas.service_requests import SERVICE_REQUESTS
from crm.services import service_requests

SERVICE_REQUEST_RESOURCE = resource.Resource(
    path="service-requests",
    singular="service_request",
    title="ServiceRequest",
    read_right=service_requests.READ,
    write_right=service_requests.WRITE,
    declaration=SERVICE_REQUESTS,
    search=service_requests.list_service_requests,
    get=service_requests.get_service_request,
    create=service_requests.create_service_request,
    update=service_requests.update_service_request,
    delete=service_requests.delete_service_request,
    record_values=service_requests.service_request_values,
    summary_values=service_requests.summary_values,
)
resource.register(blueprint, SERVICE_REQUEST_RESOURCE)
