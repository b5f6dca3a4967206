"""Referrals declared once: investors an ambassador (招商大使, 荣誉市民) refers, and talent a
招才大使 refers. Ambassadors write them; what a record and a list row show, and the filters.
Field names are the data model's."""

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
)

from crm.models import Project, Referral, TalentReferral
from crm.schemas.declaration import Declaration, pick
from crm.schemas.fields import (
    MAX_ID,
    Amount,
    Choice,
    Count,
    CreditCode,
    QueryNumber,
    Text,
    Timestamp,
)
from crm.schemas.formats import datetime_text
from crm.vocabulary import REFERRAL_STATUS, SECTOR, TALENT_REFERRAL_STATUS

MAX_TEXT = 2000


def _length(model, name: str) -> int:
    return model.__table__.c[name].type.length


class ReferralInput(BaseModel):
    """What an ambassador writes when referring an investor."""

    model_config = ConfigDict(extra="forbid", title="ReferralInput")

    enterprise_name: Text(_length(Referral, "enterprise_name"), required=True, name=True) = Field(
        title="企业名称"
    )
    enterprise_uscc: CreditCode = Field(
        None, title="统一社会信用代码", description="If known; checked like everywhere else."
    )
    contact_name: Text(_length(Referral, "contact_name"), name=True) = Field(None, title="联系人")
    contact_phone: Text(_length(Referral, "contact_phone")) = Field(None, title="联系电话")
    sector: Choice(SECTOR) = Field(None, title="行业")
    intended_project: Text(_length(Referral, "intended_project")) = Field(
        None, title="意向项目", description="The project the investor has in mind."
    )
    how_known: Text(_length(Referral, "how_known"), multiline=True) = Field(
        None, title="如何认识", description="How the ambassador knows the investor."
    )
    segment_code: Text(_length(Referral, "segment_code")) = Field(
        None,
        title="产业链环节",
        description="A chain segment's code (level segment, e.g. M501); unknown codes are refused.",
    )
    description: Text(MAX_TEXT, multiline=True) = Field(
        None, title="补充说明", description="Anything else the ambassador wants staff to know."
    )
    estimated_investment_wan: Amount(
        Referral.__table__.c.estimated_investment_wan.type, "Estimated investment in 万元"
    ) = Field(None, title="预计投资（万元）")


def _attachment_dicts(files) -> list[dict]:
    return [file | {"created_at": datetime_text(file["created_at"])} for file in files]


# A list of plain dicts, written out as such: pydantic's own serializer for a list of models
# given dicts warns on each one.
Attachments = Annotated[
    list[dict],
    PlainValidator(lambda value: value),
    PlainSerializer(_attachment_dicts),
    WithJsonSchema(
        {
            "type": "array",
            "description": "Business-card photos, brochures; each downloaded at "
            "/api/v1/referrals/{referral_id}/attachments/{id}. Read one record to see them.",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "file_name": {"type": "string", "description": "As the sender named it."},
                    "content_type": {
                        "type": "string",
                        "description": "Told by the content: JPEG, PNG, WebP, HEIC/HEIF or PDF.",
                    },
                    "size_bytes": {"type": "integer"},
                    "created_at": {"type": "string", "format": "date-time"},
                },
                "required": ["id", "file_name", "content_type", "size_bytes", "created_at"],
                "additionalProperties": False,
            },
        }
    ),
]


class ReferralRecord(ReferralInput):
    """A referral as read: what the ambassador wrote and how far it has come."""

    model_config = ConfigDict(title="Referral", json_schema_serialization_defaults_required=True)

    id: int = Field(title="编号")
    version: int = Field(title="版本")
    ambassador_id: int = Field(title="大使")
    status: Choice(REFERRAL_STATUS, nullable=False) = Field(
        title="进展",
        description="submitted, accepted, rejected (with rejected_reason) or known (declined "
        "because the enterprise was already referred or followed; the reason is neutral) as "
        "staff handled it; once a lead is linked, derived from it and its projects: in_talks "
        "(the lead in negotiation), signed, landed (a project under construction or beyond), "
        "ended (the lead lost or removed with nothing landed).",
    )
    rejected_reason: str | None = Field(title="未受理原因")
    funds_in_place_wan: Amount(
        Project.__table__.c.funds_in_place_wan.type, "Funds in place in 万元"
    ) = Field(title="到位资金（万元）", description="Of the landed projects; null before.")
    submitted_at: Timestamp = Field(title="提交时间")
    lead_id: int | None = Field(
        title="线索", description="The linked lead's id; shown to the bureau's readers only."
    )
    credit_share: Amount(Referral.__table__.c.credit_share.type, "A share from 0 to 1") = Field(
        title="功劳份额",
        description="This referral's share of its lead's reward (the shares of one lead sum to "
        "1); shown to the bureau's readers only.",
    )
    attachments: Attachments = Field(title="附件")


ReferralSummary = pick(
    "ReferralSummary",
    ReferralRecord,
    (
        "id",
        "ambassador_id",
        "enterprise_name",
        "enterprise_uscc",
        "estimated_investment_wan",
        "status",
        "rejected_reason",
        "funds_in_place_wan",
        "submitted_at",
        "lead_id",
        "credit_share",
    ),
)


class ReferralFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ReferralFilters")

    ambassador: QueryNumber = Field(
        None, description="An ambassador's id (an ambassador sees only their own anyway)."
    )
    status: Choice(REFERRAL_STATUS) = Field(None, description="The stored status.")


REFERRALS = Declaration(
    fields=ReferralInput,
    record=ReferralRecord,
    summary=ReferralSummary,
    filters=ReferralFilters,
)


class TalentReferralInput(BaseModel):
    """What a 招才大使 writes when referring a person."""

    model_config = ConfigDict(extra="forbid", title="TalentReferralInput")

    person_name: Text(_length(TalentReferral, "person_name"), required=True, name=True) = Field(
        title="姓名"
    )
    field: Text(_length(TalentReferral, "field"), required=True) = Field(title="专业领域")
    qualifications: Text(MAX_TEXT, multiline=True) = Field(None, title="学历与资历")
    wishes: Text(MAX_TEXT, multiline=True) = Field(None, title="意向与诉求")
    suggested_employer: Text(_length(TalentReferral, "suggested_employer"), name=True) = Field(
        None, title="建议用人单位"
    )
    suggested_park_id: Count(MAX_ID) = Field(None, title="建议园区", description="A park's id.")
    contact: Text(_length(TalentReferral, "contact")) = Field(None, title="联系方式")


class TalentReferralRecord(TalentReferralInput):
    model_config = ConfigDict(
        title="TalentReferral", json_schema_serialization_defaults_required=True
    )

    id: int = Field(title="编号")
    version: int = Field(title="版本")
    ambassador_id: int = Field(title="大使")
    status: Choice(TALENT_REFERRAL_STATUS, nullable=False) = Field(title="进展")
    rejected_reason: str | None = Field(title="未受理原因")
    created_at: Timestamp = Field(title="提交时间")


TalentReferralSummary = pick(
    "TalentReferralSummary",
    TalentReferralRecord,
    ("id", "ambassador_id", "person_name", "field", "status", "rejected_reason", "created_at"),
)


class TalentReferralFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", title="TalentReferralFilters")

    ambassador: QueryNumber = Field(
        None, description="An ambassador's id (an ambassador sees only their own anyway)."
    )
    status: Choice(TALENT_REFERRAL_STATUS) = Field(None, description="A status.")


TALENT_REFERRALS = Declaration(
    fields=TalentReferralInput,
    record=TalentReferralRecord,
    summary=TalentReferralSummary,
    filters=TalentReferralFilters,
)
