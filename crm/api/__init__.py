"""The JSON API under /api/v1: token or session log-in, JSON errors, a module per resource."""

from flask import Blueprint

from crm.api import auth, errors
from crm.extensions import csrf

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
# Flask-WTF's form check does not fit token clients; crm.api.auth checks cookie writes itself.
csrf.exempt(blueprint)
blueprint.before_request(auth.authenticate)
errors.register(blueprint)

from crm.api import (  # noqa: E402, F401  (their routes join the blueprint)
    ambassadors,
    enterprises,
    leads,
    openapi,
    projects,
    referrals,
    reports,
    reward_rules,
    service_requests,
    supervision,
    supply_links,
    targets,
    users,
)
