"""Supply links (供应关系) declared once: a supplier sells to a customer in a chain segment, for a
share of the customer's buying in that segment; and the spreadsheet the import and export share."""

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Numeric

from crm.schemas.declaration import Declaration
from crm.schemas.fields import MAX_ID, Amount, Count, QueryNumber, Text, Timestamp
from crm.schemas.sheets import SheetColumn

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


# The export's columns, in order; an edited export imports back. An enterprise is found by its
# credit code when the row gives one, else by its name; a segment by its code.
SHEET_COLUMNS = (
    SheetColumn("supplier_name", "供应商名称", "name", ("供应商", "供货企业", "供应商企业名称")),
    SheetColumn(
        "supplier_uscc",
        "供应商统一社会信用代码",
        "credit_code",
        ("供应商信用代码", "供应商社会信用代码", "供应商USCC"),
    ),
    SheetColumn("customer_name", "客户名称", "name", ("客户", "采购企业", "客户企业名称")),
    SheetColumn(
        "customer_uscc",
        "客户统一社会信用代码",
        "credit_code",
        ("客户信用代码", "客户社会信用代码", "客户USCC"),
    ),
    SheetColumn("segment", "环节代码", "segment", ("产业链环节代码", "产业链环节", "环节")),
    SheetColumn("segment_name", "环节名称", "readonly", ("产业链环节名称",)),
    SheetColumn("share", "份额", "share", ("供货份额", "采购份额", "份额（%）")),
    # Not exported: only where several chains share a segment code does a row need it.
    SheetColumn("chain", "产业链", "chain", ("产业链代码",)),
)
