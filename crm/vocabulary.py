"""Every enumeration of the product: English keys stored and sent, Chinese and English labels.

The stage lists and the project stage → pool mapping are data here, so a city can rename
or add stages in one place (adding a key also needs a migration for its CHECK constraint).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    key: str
    zh: str
    en: str
    pool: str | None = None  # only project stages belong to a pool


class Vocabulary:
    def __init__(self, name: str, *terms: Term):
        self.name = name
        self.terms = terms
        self._by_key = {term.key: term for term in terms}
        if len(self._by_key) != len(terms):
            raise ValueError(f"duplicate key in vocabulary {name}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(term.key for term in self.terms)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __getitem__(self, key: str) -> Term:
        return self._by_key[key]

    def __iter__(self):
        return iter(self.terms)

    def label(self, key: str | None, locale: str = "zh") -> str:
        if key is None:
            return ""
        term = self._by_key.get(key)
        if term is None:
            return key
        return term.en if locale.startswith("en") else term.zh


ROLE = Vocabulary(
    "role",
    Term("admin", "管理员", "Administrator"),
    Term("staff", "招商局工作人员", "Bureau staff"),
    Term("official", "领导", "Official"),
    Term("ambassador", "大使", "Ambassador"),
)

UNIT_KIND = Vocabulary(
    "unit_kind",
    Term("city_bureau", "市招商局", "City investment bureau"),
    Term("district_bureau", "区县招商局", "District investment bureau"),
    Term("park_committee", "园区管委会", "Park management committee"),
    Term("city_department", "市直部门", "City department"),
    Term("task_team", "专班", "Task team"),
)

DISTRICT_KIND = Vocabulary(
    "district_kind",
    Term("county_district", "县级行政区", "County-level district"),
    Term("functional_zone", "功能区", "Functional zone"),
)

CHAIN_LEVEL = Vocabulary(
    "chain_level",
    Term("tier", "环节层级", "Tier"),
    Term("category", "类别", "Category"),
    Term("segment", "环节", "Segment"),
)

CHAIN_TRACK = Vocabulary(
    "chain_track",
    Term("trad", "传统商用车", "Traditional commercial vehicles"),
    Term("nev", "新能源", "New energy"),
    Term("icv", "智能网联", "Intelligent connected"),
    Term("common", "通用", "Common"),
)

RATING = Vocabulary(
    "rating",
    Term("A", "A", "A"),
    Term("B", "B", "B"),
    Term("C", "C", "C"),
    Term("D", "D", "D"),
)

# The systems a location may be given in (crm.coordinates); stored converted to WGS-84.
COORDINATE_SYSTEM = Vocabulary(
    "coordinate_system",
    Term("wgs84", "WGS-84（GPS、天地图）", "WGS-84 (GPS, Tianditu)"),
    Term("gcj02", "GCJ-02（高德、腾讯）", "GCJ-02 (AMap, Tencent)"),
    Term("bd09", "BD-09（百度）", "BD-09 (Baidu)"),
)

ENTERPRISE_TAG = Vocabulary(
    "enterprise_tag",
    Term("fortune500", "500强", "Fortune 500"),
    Term("listed", "上市", "Listed"),
    Term("specialised", "专精特新", "Specialised and innovative"),
    Term("state_owned", "央企/国企", "State-owned"),
    Term("foreign", "外资", "Foreign-invested"),
)

LEAD_SOURCE = Vocabulary(
    "lead_source",
    Term("business_referral", "以商招商", "Referred by a business"),
    Term("ambassador", "大使推荐", "Ambassador referral"),
    Term("exhibition", "展会", "Exhibition"),
    Term("intermediary", "中介", "Intermediary"),
    Term("online", "网络", "Online"),
    Term("walk_in", "上门", "Walk-in"),
    Term("chain_targeting", "产业链招商", "Chain-based targeting"),
    Term("other", "其他", "Other"),
)

LEAD_STAGE = Vocabulary(
    "lead_stage",
    Term("clue", "线索", "Lead"),
    Term("initial_contact", "初步接洽", "Initial contact"),
    Term("site_visit", "实地考察", "Site visit"),
    Term("negotiation", "深度洽谈", "In-depth negotiation"),
    Term("signed", "签约", "Signed"),
)

LEAD_STATUS = Vocabulary(
    "lead_status",
    Term("active", "推进中", "Active"),
    Term("on_hold", "暂缓", "On hold"),
    Term("lost", "流失", "Lost"),
)

PROJECT_POOL = Vocabulary(
    "project_pool",
    Term("reserve", "储备库", "Reserve pool"),
    Term("construction", "建设库", "Construction pool"),
    Term("in_effect", "达效库", "In-effect pool"),
)

PROJECT_STAGE = Vocabulary(
    "project_stage",
    Term("planning", "正在谋划", "Planning", pool="reserve"),
    Term("ready_to_start", "准备开工", "Ready to start", pool="reserve"),
    Term("newly_started", "新开工", "Newly started", pool="construction"),
    Term("under_construction", "在建", "Under construction", pool="construction"),
    Term("completed", "竣工", "Completed", pool="in_effect"),
    Term("in_production", "达产", "In full production", pool="in_effect"),
)

# Derived from total investment, never stored: 亿元以上 (≥ 10,000 万元), 10亿元以上 (≥ 100,000).
PROJECT_SIZE_TIER = Vocabulary(
    "project_size_tier",
    Term("over_100m", "亿元以上", "¥100 million or more"),
    Term("over_1b", "10亿元以上", "¥1 billion or more"),
)

PROJECT_STATUS = Vocabulary(
    "project_status",
    Term("on_track", "正常推进", "On track"),
    Term("lagging", "滞后", "Lagging"),
    Term("suspended", "停缓建", "Suspended"),
)

PROJECT_TYPE = Vocabulary(
    "project_type",
    Term("new_build", "新建", "New build"),
    Term("expansion", "扩建", "Expansion"),
    Term("upgrade", "技改", "Technical upgrade"),
)

SECTOR = Vocabulary(
    "sector",
    Term("industry", "工业", "Industry"),
    Term("agriculture", "农业", "Agriculture"),
    Term("services", "服务业", "Services"),
    Term("infrastructure", "基础设施", "Infrastructure"),
)

PROGRESS_PERIOD = Vocabulary(
    "progress_period",
    Term("week", "周", "Week"),
    Term("month", "月", "Month"),
)

FUNDS_ORIGIN = Vocabulary(
    "funds_origin",
    Term("local", "本地", "Local"),
    Term("out_of_province", "省外", "Out of province"),
    Term("foreign", "境外", "Foreign"),
)

MILESTONE_STATUS = Vocabulary(
    "milestone_status",
    Term("pending", "未开始", "Pending"),
    Term("in_progress", "进行中", "In progress"),
    Term("done", "已完成", "Done"),
)

PROBLEM_STATUS = Vocabulary(
    "problem_status",
    Term("open", "待解决", "Open"),
    Term("in_progress", "办理中", "In progress"),
    Term("solved", "已解决", "Solved"),
)

SERVICE_REQUEST_STATUS = Vocabulary(
    "service_request_status",
    Term("open", "待办理", "Open"),
    Term("in_progress", "办理中", "In progress"),
    Term("answered", "已答复", "Answered"),
    Term("closed", "已办结", "Closed"),
)

ACTIVITY_KIND = Vocabulary(
    "activity_kind",
    Term("visit", "走访", "Visit"),
    Term("call", "电话", "Call"),
    Term("meeting", "会议", "Meeting"),
    Term("negotiation", "洽谈", "Negotiation"),
    Term("inspection", "考察", "Inspection"),
)

EVENT_KIND = Vocabulary(
    "event_kind",
    Term("signing_ceremony", "集中签约", "Signing ceremony"),
    Term("groundbreaking", "集中开工", "Groundbreaking ceremony"),
    Term("exhibition", "展会", "Exhibition"),
    Term("promotion_trip", "招商推介", "Promotion trip"),
)

ATTACHMENT_OWNER = Vocabulary(
    "attachment_owner",
    Term("enterprise", "企业", "Enterprise"),
    Term("lead", "线索", "Lead"),
    Term("project", "项目", "Project"),
    Term("progress", "项目进度", "Project progress"),
    Term("referral", "推荐", "Referral"),
)

STAGE_CHANGE_SUBJECT = Vocabulary(
    "stage_change_subject",
    Term("lead", "线索", "Lead"),
    Term("project", "项目", "Project"),
)

AMBASSADOR_KIND = Vocabulary(
    "ambassador_kind",
    Term("investment_ambassador", "招商大使", "Investment ambassador"),
    Term("talent_ambassador", "招才大使", "Talent ambassador"),
    Term("honorary_citizen", "荣誉市民", "Honorary citizen"),
)

AMBASSADOR_STATUS = Vocabulary(
    "ambassador_status",
    Term("active", "在任", "Active"),
    Term("expired", "期满", "Term ended"),
    Term("revoked", "已撤销", "Revoked"),
)

REFERRAL_STATUS = Vocabulary(
    "referral_status",
    Term("submitted", "已提交", "Submitted"),
    Term("accepted", "已受理", "Accepted"),
    Term("in_talks", "洽谈中", "In talks"),
    Term("signed", "已签约", "Signed"),
    Term("landed", "已落地", "Landed"),
    # Derived: the lead was lost or removed after acceptance, with nothing landed.
    Term("ended", "已终止", "Ended"),
    Term("rejected", "未受理", "Not accepted"),
    # Declined because the enterprise was already referred or followed: said neutrally.
    Term("known", "已知", "Already known"),
)

TALENT_REFERRAL_STATUS = Vocabulary(
    "talent_referral_status",
    Term("submitted", "已提交", "Submitted"),
    Term("contacted", "已联系", "Contacted"),
    Term("matched", "已对接", "Matched"),
    Term("hired", "已引进", "Hired"),
    Term("rejected", "未采纳", "Rejected"),
)

# 全年目标任务: the counts and amounts run from 1 January; the three rates are in per cent.
TARGET_INDICATOR = Vocabulary(
    "target_indicator",
    Term("signed_count", "签约项目数", "Signed projects"),
    Term("signed_amount_wan", "签约金额(万元)", "Signed amount (10k yuan)"),
    Term("funds_in_place_wan", "到位资金(万元)", "Funds in place (10k yuan)"),
    Term("projects_started", "新开工项目数", "Projects started"),
    Term("projects_completed", "竣工项目数", "Projects completed"),
    Term("projects_over_100m", "亿元以上项目数", "Projects of ¥100 million or more"),
    Term("projects_over_1b", "10亿元以上项目数", "Projects of ¥1 billion or more"),
    Term("investment_completed_wan", "完成投资(万元)", "Investment completed (10k yuan)"),
    Term("projects_in_statistics", "入库项目数", "Projects in statistics"),
    Term("landing_rate", "签约项目落地率(%)", "Landing rate of signed projects (%)"),
    Term("starting_rate", "落地项目开工率(%)", "Starting rate of landed projects (%)"),
    Term("in_statistics_rate", "开工项目入库率(%)", "Statistics rate of started projects (%)"),
)

SUPERVISION_SOURCE = Vocabulary(
    "supervision_source",
    Term("overdue_milestone", "节点逾期", "Overdue milestone"),
    Term("stalled_project", "项目停滞", "Stalled project"),
    Term("problem", "项目问题", "Project problem"),
    Term("service_request", "企业诉求逾期", "Overdue service request"),
    # 三未: the lag lists.
    Term("not_started", "立项未开工", "Approved, not started"),
    Term("not_building", "开工未建设", "Started, not building"),
    Term("not_completed", "建设未竣工", "Building, not completed"),
)

# 黄牌 when an item's deadline first passes unanswered, 红牌 when it is overdue again.
SUPERVISION_CARD = Vocabulary(
    "supervision_card",
    Term("none", "无", "None"),
    Term("yellow", "黄牌", "Yellow card"),
    Term("red", "红牌", "Red card"),
)

# Who takes the item up: the owning unit on site, the joint meeting of the responsible units,
# the city government.
SUPERVISION_LEVEL = Vocabulary(
    "supervision_level",
    Term("unit", "责任单位", "Responsible unit"),
    Term("joint_meeting", "联席会议", "Joint meeting"),
    Term("city_government", "市政府", "City government"),
)

# An item's dated history: each event leaves the item's status, card, level and deadline as
# they were after it, so the item is read as of any day.
SUPERVISION_EVENT = Vocabulary(
    "supervision_event",
    Term("opened", "立项督办", "Opened"),
    Term("answered", "反馈", "Answered"),
    Term("closed", "销号", "Closed"),
    Term("reopened", "重新交办", "Re-opened"),
    Term("carded", "亮牌", "Card shown"),
    Term("escalated", "升级", "Escalated"),
)

SUPERVISION_STATUS = Vocabulary(
    "supervision_status",
    Term("open", "待办理", "Open"),
    Term("answered", "已反馈", "Answered"),
    Term("closed", "已销号", "Closed"),
)

IMPORT_KIND = Vocabulary(
    "import_kind",
    Term("enterprises", "企业", "Enterprises"),
    Term("leads", "线索", "Leads"),
    Term("projects", "项目", "Projects"),
    Term("demo", "示例数据", "Demo data"),
    Term("supply_links", "供应关系", "Supply links"),
    Term("targets", "全年目标", "Annual targets"),
)

AUDIT_ACTION = Vocabulary(
    "audit_action",
    Term("create", "新建", "Create"),
    Term("update", "修改", "Update"),
    Term("delete", "删除", "Delete"),
    Term("unmask", "查看个人信息", "Unmask personal data"),
    Term("login", "登录", "Log in"),
    Term("merge", "合并", "Merge"),
    Term("import", "导入", "Import"),
    Term("logout", "退出登录", "Log out"),
    Term("password", "设置密码", "Set password"),
    Term("revoke", "撤销", "Revoke"),
)

IMPORT_STATUS = Vocabulary(
    "import_status",
    Term("applied", "已导入", "Imported"),
    Term("refused", "未导入（有错误）", "Refused (errors)"),
    Term("failed", "失败", "Failed"),
)


def pool_of_stage(stage: str) -> str:
    """The pool (储备库/建设库/达效库) a project stage belongs to."""
    return PROJECT_STAGE[stage].pool
