"""Who may do what: one table of rights per role, denied unless listed."""

from functools import wraps

from flask import abort
from flask_login import current_user

from crm.services.scope import CITY, scope_kind

# Every right the product knows; a view or service names the one it needs.
READ_RIGHTS = {
    "dashboard.view",
    "enterprise.read",
    "lead.read",
    "project.read",
    "chain.read",
    "map.read",
    "ambassador.read",
    "report.read",
    # Referrals: ambassadors hold it too, and read only their own (crm.services.referrals).
    "referral.read",
}
STAFF_WRITE_RIGHTS = {
    # Only for the enterprises of the user's scope (crm.services.enterprises, scope.py).
    "enterprise.write",
    "lead.write",
    "project.write",
    "activity.write",
    "import.run",
    "export.run",
    "referral.handle",
    "ambassador.write",
    "personal_data.unmask",
    # 月督办: generate the month's items, close (销号), re-open and escalate them in scope.
    "supervision.manage",
}
ADMIN_RIGHTS = {"user.manage", "unit.manage", "config.manage", "data.purge"}
# Staff hold these only when their unit is the city bureau (crm.services.scope): a merge joins
# records across districts, and a deleted enterprise disappears for every district.
# Reward rules are the city's policy and annual targets are set by the city for every district
# and department: its bureau sets them, not a district's staff.
CITY_STAFF_RIGHTS = {"enterprise.merge", "enterprise.delete", "reward_rule.write", "target.write"}
OFFICIAL_RIGHTS = {"supervision.answer", "project.note"}

ROLE_RIGHTS: dict[str, frozenset[str]] = {
    # Admins may do everything, the ambassadors' portal included (to see what they see).
    "admin": frozenset(
        READ_RIGHTS
        | STAFF_WRITE_RIGHTS
        | CITY_STAFF_RIGHTS
        | OFFICIAL_RIGHTS
        | ADMIN_RIGHTS
        | {"verify", "portal.use"}
    ),
    "staff": frozenset(READ_RIGHTS | STAFF_WRITE_RIGHTS | CITY_STAFF_RIGHTS),
    # Officials read everything but unmasked personal data; `verify` only with can_verify.
    "official": frozenset(READ_RIGHTS | OFFICIAL_RIGHTS),
    "ambassador": frozenset({"portal.use", "referral.read"}),
}
ALL_RIGHTS = frozenset().union(*ROLE_RIGHTS.values())


def has_right(user, right: str) -> bool:
    if right not in ALL_RIGHTS:
        raise ValueError(f"unknown right {right!r}")
    if not getattr(user, "is_authenticated", False):
        return False
    if right == "verify" and user.role == "official":
        return bool(user.can_verify)
    if right in CITY_STAFF_RIGHTS and user.role == "staff":
        return scope_kind(user) == CITY
    return right in ROLE_RIGHTS.get(user.role, frozenset())


def require(right: str):
    """Page views: the log-in page for visitors, 403 for users whose role may not."""
    if right not in ALL_RIGHTS:
        raise ValueError(f"unknown right {right!r}")

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                from crm.extensions import login_manager

                return login_manager.unauthorized()
            if not has_right(current_user, right):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator
