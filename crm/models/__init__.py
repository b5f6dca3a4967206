"""Every table of the product, one module per concept; importing this registers them all."""

from crm.models.activity import Activity
from crm.models.ambassador import Ambassador, Referral, TalentReferral
from crm.models.attachment import Attachment
from crm.models.audit import AuditEvent
from crm.models.chain import Chain, ChainDataVersion, ChainSegment
from crm.models.contact import Contact
from crm.models.enterprise import Enterprise, EnterpriseTag, EnterpriseYear, enterprise_segments
from crm.models.event import Event
from crm.models.figures_version import FiguresVersion
from crm.models.import_batch import ImportBatch
from crm.models.lead import Lead, lead_segments
from crm.models.place import District, Park
from crm.models.project import (
    FundsArrival,
    Milestone,
    Project,
    ProjectMember,
    ProjectProblem,
    ProjectProgress,
)
from crm.models.reward_rule import RewardRule
from crm.models.saved_filter import SavedFilter
from crm.models.service_request import ServiceRequest
from crm.models.stage_change import StageChange
from crm.models.supervision import SupervisionEvent, SupervisionItem
from crm.models.supply import SupplyLink
from crm.models.target import Target
from crm.models.unit import Unit
from crm.models.user import ApiToken, PasswordLink, User, UserSession
from crm.models.weekly_sheet import WeeklyNote, WeeklySheet

__all__ = [
    "Activity",
    "Ambassador",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Chain",
    "ChainDataVersion",
    "ChainSegment",
    "Contact",
    "District",
    "Enterprise",
    "EnterpriseTag",
    "EnterpriseYear",
    "Event",
    "FiguresVersion",
    "FundsArrival",
    "ImportBatch",
    "Lead",
    "Milestone",
    "Park",
    "PasswordLink",
    "Project",
    "ProjectMember",
    "ProjectProblem",
    "ProjectProgress",
    "Referral",
    "RewardRule",
    "SavedFilter",
    "ServiceRequest",
    "StageChange",
    "SupervisionEvent",
    "SupervisionItem",
    "SupplyLink",
    "TalentReferral",
    "Target",
    "Unit",
    "User",
    "UserSession",
    "WeeklyNote",
    "WeeklySheet",
    "enterprise_segments",
    "lead_segments",
]
