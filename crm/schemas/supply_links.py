"""Supply links (供应关系) declared once: a supplier sells to a customer in a chain segment, for a
share of the customer's buying in that segment."""

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Numeric

from crm.schemas.declaration import Declaration
from crm.schemas.fields import MAX_ID, Amount, Count, QueryNumber, Text, Timestamp

SHARE = Numeric(5, 4)


class SupplyLinkInput(BaseModel):
    model_config = ConfigDict(extra="forbid", title="SupplyLinkInput")

    supplier_id: Count(MAX_ID) = Field(title="供应商", description="The supplier's enterprise id.")
    customer_id: Count(MAX_ID) = Field(title="客户", description="The customer's enterprise id.")
    segment: Text(20) = Field(
        None, title="产业链环节", description="The segment's code (level segment), e.g. M501."
    )
    share: Amount(SHARE, "share of the customer's buying in the segment, 0 to 1") = Field(
        None, title="份额", description="0 to 1."
    )


class SupplyLinkRecord(SupplyLinkInput):
    model_config = ConfigDict(title="SupplyLink", json_schema_serialization_defaults_required=True)

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    supplier_name: str = Field(title="供应商名称")
    customer_name: str = Field(title="客户名称")
    created_at: Timestamp = Field(title="创建时间")
    updated_at: Timestamp = Field(title="更新时间")


class SupplyLinkFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", title="SupplyLinkFilters")

    supplier: QueryNumber = Field(None, description="The supplier's enterprise id.")
    customer: QueryNumber = Field(None, description="The customer's enterprise id.")
    enterprise: QueryNumber = Field(None, description="An enterprise on either side.")
    segment: Text(20) = Field(None, description="A segment's code.")


SUPPLY_LINKS = Declaration(
    fields=SupplyLinkInput,
    record=SupplyLinkRecord,
    summary=SupplyLinkRecord,
    filters=SupplyLinkFilters,
)
