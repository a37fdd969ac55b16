"""The demo policies as data: Jiaxing-style titles, 文号 and issuing departments (made up),
each with its eligibility rule over the facts catalogue, parameters citing their clause,
worked cases, benefit formula, caps and application fields.

The numbers come from ``RULES.md`` "Support schemes" (comparable Zhejiang and Jiangsu
schemes; every parameter's ``reference`` names its source, marked 参照 where it is another
city's); where no comparable scheme gives a number it is a stated demo default (演示默认值).
Fact names are the catalogue's (``kejin.facts.catalogue``), label and stage codes the
registry's (``tech_sme``, ``high_tech``, ``eaglet``, ``listing_reserve``; ``startup``,
``growth``, ``mature``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from kejin.policies.choices import ApplicationPeriod, PolicyScheme, PolicyStatus

WAN = 10_000
S = PolicyScheme

CITY_SCI = "嘉兴市科学技术局"
CITY_FIN = "嘉兴市财政局"
CITY_FINANCE_OFFICE = "嘉兴市人民政府金融工作办公室"
CITY_IP = "嘉兴市市场监督管理局（知识产权局）"
CITY_TALENT = "中共嘉兴市委人才工作领导小组办公室"
NFRA = "国家金融监督管理总局嘉兴监管分局"


def cond(cid: str, label: str, test: Any, if_missing: bool | None = None) -> dict:
    """One named condition of a rule set (``if_missing``: its value when a fact is missing)."""
    row: dict[str, Any] = {"id": cid, "label": label, "test": test}
    if if_missing is not None:
        row["if_missing"] = if_missing
    return row


def param(value: Any, reference: str, label: str) -> dict:
    return {"value": value, "reference": reference, "label": label}


def case(name: str, facts: dict, **expect: Any) -> dict:
    """A worked case: facts in, conditions' outcomes expected (``condition.<id>``)."""
    return {
        "name": name,
        "facts": facts,
        "expect": {f"condition.{k}": v for k, v in expect.items()},
    }


def money(name: str, label: str, typical: int, required: bool = True) -> dict:
    return {"name": name, "label": label, "kind": "money", "required": required, "typical": typical}


def text(name: str, label: str, required: bool = True) -> dict:
    return {"name": name, "label": label, "kind": "text", "required": required}


HONEST = cond(
    "no_serious_dishonesty",
    "近三年未列入严重违法失信名单",
    {"!": {"var": "serious_dishonesty_list"}},
    True,
)
NOT_DISHONEST = cond(
    "not_dishonest", "未列入失信被执行人名单", {"!": {"var": "credit.on_dishonesty_list"}}, True
)


@dataclass(frozen=True)
class PolicySpec:
    """One demo policy before it is written (see the module docstring)."""

    title: str
    doc_number: str
    issuers: tuple[str, ...]
    scheme: str
    categories: tuple[str, ...]
    summary: str
    clauses: tuple[str, ...]
    status: str = PolicyStatus.PUBLISHED
    county: str | None = None  # region code of a county policy
    valid_from: datetime.date = datetime.date(2025, 1, 1)
    valid_to: datetime.date | None = datetime.date(2027, 12, 31)
    reference: str = ""
    conditions: tuple[dict, ...] = ()
    parameters: dict = field(default_factory=dict)
    cases: tuple[dict, ...] = ()
    tiers: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    formula: Any = None
    benefit_reference: str = ""
    cap_per_enterprise_year: int | None = None
    cap_per_loan: int | None = None
    cap_per_institution_year: int | None = None
    budget: int | None = None
    inputs: tuple[dict, ...] = ()
    period: str = ApplicationPeriod.YEAR
    published_days_ago: int = 200

    def worked_cases(self) -> list[dict]:
        """The cases, each given the targeted stage and label unless it names its own (so
        a case tests the conditions, and the terms only where it says so)."""
        cases = []
        for one in self.cases:
            facts = dict(one["facts"])
            if self.labels:
                facts.setdefault("registry_labels", [self.labels[0]])
            if self.tiers:
                facts.setdefault("registry_stage", self.tiers[0])
            cases.append({**one, "facts": facts})
        return cases

    def document(self) -> dict | None:
        return {"conditions": list(self.conditions)} if self.conditions else None

    def full_text(self) -> str:
        numbered = [f"第{_ordinal(i)}条　{c}" for i, c in enumerate(self.clauses, start=1)]
        return "\n".join([self.summary, "", *numbered, "", "（演示数据，非真实政策文件。）"])


_CN = "一二三四五六七八九十"


def _ordinal(n: int) -> str:
    return _CN[n - 1] if n <= 10 else f"十{_CN[n - 11]}"


# --- tech insurance (科技保险) -------------------------------------------------------------

_XIAOSHAN = "萧科〔2017〕18号第三条（参照）"
INSURANCE_RATE = {
    "if": [
        {"in": [{"var": "input.line"}, ["patent", "rd_liability", "rd_equipment"]]},
        {"param": "rate_high"},
        {"in": [{"var": "input.line"}, ["interruption", "staff_health"]]},
        {"param": "rate_mid"},
        {"param": "rate_low"},
    ]
}
TECH_INSURANCE = PolicySpec(
    title="嘉兴市科技保险保费补贴实施细则",
    doc_number="嘉科〔2025〕12号",
    issuers=(CITY_SCI, CITY_FIN, NFRA),
    scheme=S.TECH_INSURANCE,
    categories=("tech_insurance",),
    summary="对投保科技保险的科技型中小企业和高新技术企业，按险种给予保费补贴。",
    clauses=(
        "补贴对象为列入科技型中小企业或高新技术企业名单、近三年未列入严重违法失信名单的企业。",
        "专利侵权损失及执行保险、产品研发责任保险、关键研发设备保险按实缴保费的70%补贴；"
        "营业中断保险、关键研发人员健康及意外保险按50%补贴；其他险种按30%补贴。",
        "每家企业每年补贴总额不超过10万元。",
    ),
    reference="嘉科〔2025〕12号第二条",
    conditions=(HONEST,),
    labels=("tech_sme", "high_tech"),
    parameters={
        "rate_high": param(0.7, _XIAOSHAN, "专利、研发责任、研发设备险补贴比例"),
        "rate_mid": param(0.5, _XIAOSHAN, "营业中断、研发人员健康意外险补贴比例"),
        "rate_low": param(0.3, _XIAOSHAN, "其他险种补贴比例"),
    },
    cases=(
        case(
            "守信的科技型中小企业",
            {"serious_dishonesty_list": False, "registry_labels": ["tech_sme"]},
            no_serious_dishonesty=True,
            terms_labels=True,
        ),
        case(
            "列入严重失信名单",
            {"serious_dishonesty_list": True, "registry_labels": ["high_tech"]},
            no_serious_dishonesty=False,
        ),
        case("不在名单", {"registry_labels": []}, terms_labels=False),
    ),
    formula={"*": [INSURANCE_RATE, {"var": "input.premium"}]},
    benefit_reference="嘉科〔2025〕12号第三条、第四条",
    cap_per_enterprise_year=10 * WAN,
    budget=800 * WAN,
    inputs=(money("premium", "实缴保费(元)", 50_000), text("line", "险种代码")),
    published_days_ago=320,
)

GROUP_COVER = PolicySpec(
    title="嘉兴市科技型初创企业政府统保实施方案",
    doc_number="嘉科〔2025〕13号",
    issuers=(CITY_SCI, CITY_FIN),
    scheme=S.GROUP_COVER,
    categories=("tech_insurance", "startup"),
    summary="由市财政出资，为成立五年以内的科技型初创企业统一投保产品研发责任保险。",
    clauses=(
        "统保对象为成立不满五年、列入科技型中小企业名单、未列入失信名单的企业。",
        "统保保费由市财政全额承担，年度预算以当年批复为准。",
        "承保机构通过公开比选确定，按统保名单逐户确认承保。",
    ),
    reference="嘉科〔2025〕13号第二条",
    conditions=(
        cond(
            "young",
            "成立不满五年",
            {"<=": [{"var": "years_registered"}, {"param": "max_years"}]},
        ),
        NOT_DISHONEST,
    ),
    labels=("tech_sme",),
    parameters={
        "max_years": param(5, "甬科高〔2014〕70号（参照：初创期不超过五年）", "成立年限上限(年)"),
    },
    cases=(
        case(
            "成立三年",
            {
                "years_registered": 3,
                "credit.on_dishonesty_list": False,
                "registry_labels": ["tech_sme"],
            },
            young=True,
            not_dishonest=True,
        ),
        case(
            "成立八年",
            {
                "years_registered": 8,
                "credit.on_dishonesty_list": False,
                "registry_labels": ["tech_sme"],
            },
            young=False,
        ),
    ),
    budget=60 * WAN,
    published_days_ago=300,
)

EAGLET_INSURANCE = PolicySpec(
    title="嘉兴市雏鹰企业科技保险专项补贴办法",
    doc_number="嘉科〔2025〕21号",
    issuers=(CITY_SCI, CITY_FIN),
    scheme=S.TECH_INSURANCE,
    categories=("tech_insurance",),
    summary="对列入雏鹰企业名单的企业投保科技保险，按保费的50%给予补贴。",
    clauses=(
        "补贴对象为列入雏鹰企业名单的企业。",
        "按实缴保费的50%补贴，每家企业每年不超过50万元。",
    ),
    reference="嘉科〔2025〕21号第二条",
    labels=("eaglet",),
    conditions=(NOT_DISHONEST,),
    parameters={"rate": param(0.5, "杭州市新雏鹰计划（参照）：不超过50%", "补贴比例")},
    cases=(
        case(
            "雏鹰企业",
            {"credit.on_dishonesty_list": False, "registry_labels": ["eaglet"]},
            not_dishonest=True,
        ),
        case("失信企业", {"credit.on_dishonesty_list": True}, not_dishonest=False),
    ),
    formula={"*": [{"param": "rate"}, {"var": "input.premium"}]},
    benefit_reference="嘉科〔2025〕21号第二条",
    cap_per_enterprise_year=50 * WAN,
    inputs=(money("premium", "实缴保费(元)", 120_000), text("line", "险种代码")),
    published_days_ago=150,
)

HAINING_INSURANCE = PolicySpec(
    title="海宁市科技保险保费补助办法",
    doc_number="海科〔2025〕6号",
    issuers=("海宁市科学技术局", "海宁市财政局"),
    scheme=S.TECH_INSURANCE,
    categories=("tech_insurance",),
    county="330481",
    summary="海宁市对本市科技型企业投保科技保险给予不超过50%的保费补助。",
    clauses=(
        "补助对象为海宁市内近三年无严重失信记录的科技型中小企业。",
        "按实缴保费的50%补助，每家企业每年不超过30万元。",
    ),
    reference="海科〔2025〕6号第三条",
    conditions=(HONEST,),
    labels=("tech_sme",),
    parameters={"rate": param(0.5, "苏州市科技保险补贴（参照）：不超过50%", "补助比例")},
    cases=(
        case("守信企业", {"serious_dishonesty_list": False}, no_serious_dishonesty=True),
        case("严重失信", {"serious_dishonesty_list": True}, no_serious_dishonesty=False),
    ),
    formula={"*": [{"param": "rate"}, {"var": "input.premium"}]},
    benefit_reference="海科〔2025〕6号第四条",
    cap_per_enterprise_year=30 * WAN,
    inputs=(money("premium", "实缴保费(元)", 40_000), text("line", "险种代码")),
    published_days_ago=120,
)

# --- loans: interest, guarantee fee, risk compensation ---------------------------------------

PATENT_PLEDGE = PolicySpec(
    title="嘉兴市专利权质押融资贴息办法",
    doc_number="嘉市监〔2025〕8号",
    issuers=(CITY_IP, CITY_FIN),
    scheme=S.INTEREST_SUBSIDY,
    categories=("ip", "loans"),
    summary="对以专利权质押取得银行贷款并按期付息的企业，按实付利息的50%给予贴息。",
    clauses=(
        "贴息对象为拥有有效Ⅰ类知识产权、以专利权质押取得贷款的企业。",
        "按实际支付利息的50%给予贴息，贴息期限不超过12个月。",
        "每家企业每年贴息不超过20万元。",
    ),
    reference="嘉市监〔2025〕8号第二条",
    conditions=(
        cond("has_patent", "拥有Ⅰ类知识产权", {">=": [{"var": "ip_class1"}, 1]}),
        NOT_DISHONEST,
    ),
    parameters={
        "share": param(0.5, "黄岩区专利质押贴息（参照）：实付利息的50%", "贴息比例"),
        "max_months": param(12, "黄岩区专利质押贴息（参照）：不超过12个月", "贴息期限(月)"),
    },
    cases=(
        case(
            "有两项发明专利",
            {"ip_class1": 2, "credit.on_dishonesty_list": False},
            has_patent=True,
            not_dishonest=True,
        ),
        case("无专利", {"ip_class1": 0, "credit.on_dishonesty_list": False}, has_patent=False),
    ),
    formula={"*": [{"param": "share"}, {"var": "input.interest_paid"}]},
    benefit_reference="嘉市监〔2025〕8号第三条",
    cap_per_enterprise_year=20 * WAN,
    budget=500 * WAN,
    inputs=(money("interest_paid", "年度实付利息(元)", 120_000),),
    published_days_ago=280,
)

TONGXIANG_PLEDGE = PolicySpec(
    title="桐乡市知识产权质押融资贴息实施办法",
    doc_number="桐市监〔2025〕3号",
    issuers=("桐乡市市场监督管理局", "桐乡市财政局"),
    scheme=S.INTEREST_SUBSIDY,
    categories=("ip", "loans"),
    county="330483",
    summary="桐乡市对知识产权质押贷款按LPR计算的利息给予50%贴息。",
    clauses=(
        "贴息以贷款市场报价利率（LPR）计算的利息为基数，按50%给予贴息。",
        "每家企业每年贴息不超过50万元。",
    ),
    reference="桐市监〔2025〕3号第二条",
    conditions=(cond("has_patent", "拥有Ⅰ类知识产权", {">=": [{"var": "ip_class1"}, 1]}),),
    parameters={"share": param(0.5, "富阳区知识产权质押贴息（参照）：按LPR利息的50%", "贴息比例")},
    cases=(
        case("有专利", {"ip_class1": 1}, has_patent=True),
        case("无专利", {"ip_class1": 0}, has_patent=False),
    ),
    formula={"*": [{"param": "share"}, {"var": "input.interest_at_lpr"}]},
    benefit_reference="桐市监〔2025〕3号第二条",
    cap_per_enterprise_year=50 * WAN,
    inputs=(money("interest_at_lpr", "按LPR计算的利息(元)", 200_000),),
    published_days_ago=90,
)

RISK_COMPENSATION = PolicySpec(
    title="嘉兴市科技支行信贷风险补偿资金管理办法",
    doc_number="嘉科〔2024〕30号",
    issuers=(CITY_SCI, CITY_FIN, NFRA),
    scheme=S.RISK_COMPENSATION,
    categories=("risk_compensation", "loans"),
    summary="设立科技支行信贷风险补偿资金池，对合作科技支行向科技型企业发放贷款形成的本金损失给予补偿。",
    clauses=(
        "资金池由市、县（市、区）财政共同出资，合作银行按约定比例配套。",
        "对合作银行的不良贷款，按本金损失的50%给予补偿，追偿回收按比例返还资金池。",
        "单笔补偿金额500万元以上的，由市科技局会同市财政局人工复核。",
        "合作银行入池贷款不良率超过3%的，暂停新增贷款入池。",
    ),
    valid_from=datetime.date(2024, 3, 1),
    reference="嘉科〔2024〕30号第八条",
    conditions=(
        cond("on_list", "借款企业在科技企业名单库中", {"==": [{"var": "registry_on_list"}, True]}),
    ),
    parameters={
        "share": param(
            0.5, "嘉科〔2024〕30号第八条；穗科规字〔2021〕2号（参照：不超过50%）", "补偿比例"
        ),
        "manual_review_above": param(
            500 * WAN, "锡政发〔2013〕104号（参照：500万元以上另行审核）", "人工复核起点(元)"
        ),
        "npl_pause_ratio": param(3, "嘉科〔2024〕30号第十条（演示默认值3%）", "暂停入池不良率(%)"),
    },
    cases=(
        case("在库企业", {"registry_on_list": True}, on_list=True),
        case("不在库", {"registry_on_list": False}, on_list=False),
    ),
    formula={"*": [{"param": "share"}, {"var": "input.principal_loss"}]},
    benefit_reference="嘉科〔2024〕30号第八条",
    cap_per_loan=500 * WAN,
    cap_per_institution_year=1000 * WAN,
    inputs=(money("principal_loss", "本金损失(元)", 2_000_000),),
    period=ApplicationPeriod.ONCE,
    published_days_ago=600,
)

GUARANTEE_FEE = PolicySpec(
    title="嘉兴市科技型中小企业融资担保费补贴办法",
    doc_number="嘉财金〔2025〕5号",
    issuers=(CITY_FIN, CITY_FINANCE_OFFICE, CITY_SCI),
    scheme=S.GUARANTEE_FEE,
    categories=("loans",),
    summary="对通过政府性融资担保机构取得贷款的科技型中小企业，补贴担保费的50%。",
    clauses=(
        "补贴对象为列入科技型中小企业名单、在平台无违约贷款的企业。",
        "担保费率高于1%的部分不予补贴；按补贴基数的50%给予补贴。",
        "每家企业每年补贴不超过10万元。",
    ),
    reference="嘉财金〔2025〕5号第三条",
    labels=("tech_sme",),
    conditions=(
        cond(
            "no_default",
            "在平台无违约贷款",
            {"==": [{"var": "financing.loans_default"}, 0]},
            True,
        ),
    ),
    parameters={
        "share": param(0.5, "嘉财金〔2025〕5号第四条（演示默认值）", "补贴比例"),
        "fee_rate_cap": param(0.01, "嘉财金〔2025〕5号第四条（演示默认值）", "补贴担保费率上限"),
    },
    cases=(
        case(
            "无违约",
            {"financing.loans_default": 0, "registry_labels": ["tech_sme"]},
            no_default=True,
        ),
        case("有违约贷款", {"financing.loans_default": 1}, no_default=False),
    ),
    formula={
        "*": [
            {"param": "share"},
            {
                "min": [
                    {"var": "input.guarantee_fee"},
                    {"*": [{"var": "input.guaranteed_amount"}, {"param": "fee_rate_cap"}]},
                ]
            },
        ]
    },
    benefit_reference="嘉财金〔2025〕5号第四条",
    cap_per_enterprise_year=10 * WAN,
    inputs=(
        money("guarantee_fee", "实缴担保费(元)", 30_000),
        money("guaranteed_amount", "担保贷款金额(元)", 3_000_000),
    ),
    published_days_ago=210,
)

FIRST_LOAN = PolicySpec(
    title="嘉兴市科技型企业首贷贴息实施细则",
    doc_number="嘉金办〔2025〕7号",
    issuers=(CITY_FINANCE_OFFICE, CITY_FIN),
    scheme=S.INTEREST_SUBSIDY,
    categories=("loans", "startup"),
    summary="对首次获得银行贷款的科技型企业给予一年期利息30%的贴息。",
    clauses=("对首贷企业按实付利息的30%贴息，每家企业不超过10万元。",),
    reference="嘉金办〔2025〕7号第二条",
    conditions=(
        cond(
            "no_default", "在平台无违约贷款", {"==": [{"var": "financing.loans_default"}, 0]}, True
        ),
    ),
    parameters={"share": param(0.3, "嘉金办〔2025〕7号第二条（演示默认值）", "贴息比例")},
    cases=(
        case("无违约", {"financing.loans_default": 0}, no_default=True),
        case("有违约", {"financing.loans_default": 2}, no_default=False),
    ),
    formula={"*": [{"param": "share"}, {"var": "input.interest_paid"}]},
    benefit_reference="嘉金办〔2025〕7号第二条",
    cap_per_enterprise_year=10 * WAN,
    inputs=(money("interest_paid", "年度实付利息(元)", 60_000),),
    period=ApplicationPeriod.ONCE,
    published_days_ago=100,
)

# --- R&D, talent, platforms, listing -----------------------------------------------------------

RD_RATIO = {"/": [{"var": "rd_expense"}, {"var": "revenue"}]}
RD_SUPPORT = PolicySpec(
    title="嘉兴市企业研发投入奖励办法",
    doc_number="嘉科〔2025〕18号",
    issuers=(CITY_SCI, CITY_FIN),
    scheme=S.GRANT,
    categories=("rd",),
    summary="对研发投入强度达到标准的企业，按上年度研发费用的一定比例给予奖励。",
    clauses=(
        "奖励对象为上年度研发费用不低于100万元、研发费用占销售收入比例不低于3%的企业。",
        "按上年度研发费用的5%给予奖励，每家企业每年不超过100万元。",
    ),
    reference="嘉科〔2025〕18号第二条",
    conditions=(
        cond("rd_ratio", "研发投入占比", {">=": [RD_RATIO, {"param": "min_ratio"}]}),
        cond("rd_amount", "上年度研发费用", {">=": [{"var": "rd_expense"}, {"param": "min_rd"}]}),
    ),
    parameters={
        "min_ratio": param(
            0.03, "《高新技术企业认定管理办法》第十一条（参照：研发费用占比3%）", "研发投入占比下限"
        ),
        "min_rd": param(100 * WAN, "嘉科〔2025〕18号第二条（演示默认值）", "研发费用下限(元)"),
        "rate": param(0.05, "嘉科〔2025〕18号第三条（演示默认值）", "奖励比例"),
    },
    cases=(
        case(
            "占比4%",
            {"rd_expense": 2_000_000, "revenue": 50_000_000},
            rd_ratio=True,
            rd_amount=True,
        ),
        case(
            "占比2.1%",
            {"rd_expense": 1_050_000, "revenue": 50_000_000},
            rd_ratio=False,
            rd_amount=True,
        ),
    ),
    formula={"*": [{"param": "rate"}, {"var": "rd_expense"}]},
    benefit_reference="嘉科〔2025〕18号第三条",
    cap_per_enterprise_year=100 * WAN,
    budget=5000 * WAN,
    published_days_ago=260,
)

NANHU_RD = PolicySpec(
    title="南湖区科技型企业研发费用补助办法",
    doc_number="南科〔2025〕4号",
    issuers=("嘉兴市南湖区科学技术局", "嘉兴市南湖区财政局"),
    scheme=S.GRANT,
    categories=("rd",),
    county="330402",
    summary="南湖区对研发费用占比不低于5%的科技型中小企业，按研发费用的8%给予补助。",
    clauses=("研发费用占销售收入比例不低于5%的科技型中小企业，按研发费用的8%补助，最高50万元。",),
    reference="南科〔2025〕4号第二条",
    labels=("tech_sme",),
    conditions=(cond("rd_ratio", "研发投入占比", {">=": [RD_RATIO, {"param": "min_ratio"}]}),),
    parameters={
        "min_ratio": param(0.05, "南科〔2025〕4号第二条（演示默认值）", "研发投入占比下限"),
        "rate": param(0.08, "南科〔2025〕4号第二条（演示默认值）", "补助比例"),
    },
    cases=(
        case("占比6%", {"rd_expense": 600_000, "revenue": 10_000_000}, rd_ratio=True),
        case("占比3%", {"rd_expense": 300_000, "revenue": 10_000_000}, rd_ratio=False),
    ),
    formula={"*": [{"param": "rate"}, {"var": "rd_expense"}]},
    benefit_reference="南科〔2025〕4号第二条",
    cap_per_enterprise_year=50 * WAN,
    published_days_ago=140,
)

_LISTING_STAGE = {"var": "input.milestone"}


def _listing_formula(*names: str) -> dict:
    """An award by milestone: ``if milestone == name then param else …, 0``."""
    branches: list[Any] = []
    for name in names:
        branches += [{"==": [_LISTING_STAGE, name]}, {"param": f"award_{name}"}]
    return {"if": [*branches, 0]}


_XIAOSHAN_LISTING = "萧政办发〔2021〕41号（参照）"
LISTING = PolicySpec(
    title="嘉兴市推进企业股改上市奖励办法",
    doc_number="嘉政办发〔2025〕9号",
    issuers=("嘉兴市人民政府办公室",),
    scheme=S.GRANT,
    categories=("listing",),
    summary="对完成股份制改造、首发上市申请获受理、成功上市及新三板挂牌的企业分阶段给予奖励。",
    clauses=(
        "完成股份制改造的，奖励100万元。",
        "首次公开发行申请获证券交易所受理的，奖励200万元。",
        "成功上市的，奖励700万元（已享受前述奖励的予以扣除）。",
        "在全国中小企业股份转让系统挂牌的，奖励200万元。",
    ),
    reference="嘉政办发〔2025〕9号第三条",
    conditions=(NOT_DISHONEST,),
    parameters={
        "award_shareholding": param(100 * WAN, _XIAOSHAN_LISTING + "：股改100万元", "股改奖励(元)"),
        "award_ipo_accepted": param(
            200 * WAN, _XIAOSHAN_LISTING + "：受理200万元", "IPO受理奖励(元)"
        ),
        "award_listed": param(700 * WAN, _XIAOSHAN_LISTING + "：上市700万元", "上市奖励(元)"),
        "award_neeq": param(200 * WAN, _XIAOSHAN_LISTING + "：新三板200万元", "新三板挂牌奖励(元)"),
    },
    cases=(
        case("守信企业", {"credit.on_dishonesty_list": False}, not_dishonest=True),
        case("失信企业", {"credit.on_dishonesty_list": True}, not_dishonest=False),
    ),
    formula=_listing_formula("shareholding", "ipo_accepted", "listed", "neeq"),
    benefit_reference="嘉政办发〔2025〕9号第三条",
    inputs=(text("milestone", "上市阶段（shareholding/ipo_accepted/listed/neeq）"),),
    period=ApplicationPeriod.YEAR,
    published_days_ago=330,
)

_HUZHOU = "湖州市“上市10条”（2022）（参照）"
JIASHAN_LISTING = PolicySpec(
    title="嘉善县企业上市挂牌扶持办法",
    doc_number="善政办发〔2025〕15号",
    issuers=("嘉善县人民政府办公室",),
    scheme=S.GRANT,
    categories=("listing",),
    county="330421",
    summary="嘉善县对上市申请获受理、核准注册和成功上市的企业分阶段奖励。",
    clauses=("申请获受理奖励300万元，获核准（注册）奖励500万元，成功上市奖励500万元。",),
    reference="善政办发〔2025〕15号第二条",
    labels=("listing_reserve",),
    parameters={
        "award_ipo_accepted": param(300 * WAN, _HUZHOU + "：受理300万元", "受理奖励(元)"),
        "award_approved": param(500 * WAN, _HUZHOU + "：核准500万元", "核准奖励(元)"),
        "award_listed": param(500 * WAN, _HUZHOU + "：上市500万元", "上市奖励(元)"),
    },
    formula=_listing_formula("ipo_accepted", "approved", "listed"),
    benefit_reference="善政办发〔2025〕15号第二条",
    inputs=(text("milestone", "上市阶段（ipo_accepted/approved/listed）"),),
    published_days_ago=60,
)

HIGH_TECH_AWARD = PolicySpec(
    title="嘉兴市高新技术企业认定奖励办法",
    doc_number="嘉科〔2025〕15号",
    issuers=(CITY_SCI, CITY_FIN),
    scheme=S.GRANT,
    categories=("rd", "platform"),
    summary="对首次认定的高新技术企业给予一次性奖励。",
    clauses=("首次通过高新技术企业认定的企业，一次性奖励20万元。",),
    reference="嘉科〔2025〕15号第二条",
    conditions=(
        cond(
            "certified",
            "持有有效高新技术企业证书",
            {"==": [{"var": "high_tech_certificate_valid"}, True]},
        ),
    ),
    parameters={"award": param(20 * WAN, "嘉科〔2025〕15号第二条（演示默认值）", "奖励金额(元)")},
    cases=(
        case("有证书", {"high_tech_certificate_valid": True}, certified=True),
        case("无证书", {"high_tech_certificate_valid": False}, certified=False),
    ),
    formula={"param": "award"},
    benefit_reference="嘉科〔2025〕15号第二条",
    period=ApplicationPeriod.ONCE,
    published_days_ago=240,
)

PINGHU_HIGH_TECH = PolicySpec(
    title="平湖市高新技术企业培育奖励办法",
    doc_number="平科〔2025〕9号",
    issuers=("平湖市科学技术局",),
    scheme=S.GRANT,
    categories=("rd",),
    county="330482",
    summary="平湖市对列入高新技术企业培育库、当年研发投入占比不低于3%的科技型中小企业奖励10万元。",
    clauses=("列入培育库且研发投入占比不低于3%的，奖励10万元。",),
    reference="平科〔2025〕9号第二条",
    labels=("tech_sme",),
    conditions=(cond("rd_ratio", "研发投入占比", {">=": [RD_RATIO, {"param": "min_ratio"}]}),),
    parameters={
        "min_ratio": param(0.03, "平科〔2025〕9号第二条（演示默认值）", "研发投入占比下限"),
        "award": param(10 * WAN, "平科〔2025〕9号第二条（演示默认值）", "奖励金额(元)"),
    },
    cases=(
        case("占比3.5%", {"rd_expense": 350_000, "revenue": 10_000_000}, rd_ratio=True),
        case("占比1%", {"rd_expense": 100_000, "revenue": 10_000_000}, rd_ratio=False),
    ),
    formula={"param": "award"},
    benefit_reference="平科〔2025〕9号第二条",
    period=ApplicationPeriod.ONCE,
    published_days_ago=80,
)

PLATFORM_AWARD = PolicySpec(
    title="嘉兴市创新平台建设奖励办法",
    doc_number="嘉科〔2025〕16号",
    issuers=(CITY_SCI, CITY_FIN),
    scheme=S.GRANT,
    categories=("platform",),
    summary="对新认定的省级以上企业研发机构（重点企业研究院、企业研究开发中心）给予奖励。",
    clauses=("新认定为省级以上研发机构的，奖励50万元。",),
    reference="嘉科〔2025〕16号第二条",
    conditions=(
        cond(
            "institute",
            "建有省部级以上研发机构",
            {"==": [{"var": "provincial_rd_institution"}, True]},
        ),
    ),
    parameters={"award": param(50 * WAN, "嘉科〔2025〕16号第二条（演示默认值）", "奖励金额(元)")},
    cases=(
        case("有省级研发机构", {"provincial_rd_institution": True}, institute=True),
        case("无", {"provincial_rd_institution": False}, institute=False),
    ),
    formula={"param": "award"},
    benefit_reference="嘉科〔2025〕16号第二条",
    period=ApplicationPeriod.ONCE,
    published_days_ago=230,
)

PATENT_AWARD = PolicySpec(
    title="嘉兴市发明专利产业化奖励办法",
    doc_number="嘉市监〔2025〕11号",
    issuers=(CITY_IP,),
    scheme=S.GRANT,
    categories=("ip",),
    summary="对拥有三项以上有效发明专利并实现产业化的企业给予奖励。",
    clauses=("拥有3项以上Ⅰ类知识产权且高新技术产品收入占比不低于60%的，奖励30万元。",),
    reference="嘉市监〔2025〕11号第二条",
    conditions=(
        cond("patents", "Ⅰ类知识产权", {">=": [{"var": "ip_class1"}, {"param": "min_patents"}]}),
        cond(
            "high_tech_income",
            "高新技术产品收入占比",
            {">=": [{"/": [{"var": "high_tech_income"}, {"var": "revenue"}]}, 0.6]},
        ),
    ),
    parameters={
        "min_patents": param(3, "嘉市监〔2025〕11号第二条（演示默认值）", "Ⅰ类知识产权下限(项)"),
        "award": param(30 * WAN, "嘉市监〔2025〕11号第二条（演示默认值）", "奖励金额(元)"),
    },
    cases=(
        case(
            "四项专利",
            {"ip_class1": 4, "high_tech_income": 7_000_000, "revenue": 10_000_000},
            patents=True,
            high_tech_income=True,
        ),
        case(
            "一项专利",
            {"ip_class1": 1, "high_tech_income": 7_000_000, "revenue": 10_000_000},
            patents=False,
        ),
    ),
    formula={"param": "award"},
    benefit_reference="嘉市监〔2025〕11号第二条",
    published_days_ago=190,
)

TALENT = PolicySpec(
    title="嘉兴市高层次人才创业项目资助办法",
    doc_number="嘉人才办〔2025〕2号",
    issuers=(CITY_TALENT, CITY_SCI),
    scheme=S.GRANT,
    categories=("talent", "startup"),
    summary="对高层次人才领办的科技型初创企业，经评审给予创业项目资助。",
    clauses=(
        "申报企业成立不超过三年，科技人员不少于5人。",
        "经专家评审，按A、B、C类分别给予资助，具体金额由评审确定。",
    ),
    reference="嘉人才办〔2025〕2号第三条",
    conditions=(
        cond(
            "young", "成立不超过三年", {"<=": [{"var": "years_registered"}, {"param": "max_years"}]}
        ),
        cond("staff", "科技人员数", {">=": [{"var": "tech_staff"}, {"param": "min_staff"}]}),
    ),
    parameters={
        "max_years": param(3, "嘉人才办〔2025〕2号第三条（演示默认值）", "成立年限上限(年)"),
        "min_staff": param(5, "嘉人才办〔2025〕2号第三条（演示默认值）", "科技人员下限(人)"),
    },
    cases=(
        case(
            "两年、八名科技人员", {"years_registered": 2, "tech_staff": 8}, young=True, staff=True
        ),
        case("六年", {"years_registered": 6, "tech_staff": 8}, young=False),
    ),
    period=ApplicationPeriod.ONCE,
    published_days_ago=170,
)

XIUZHOU_TALENT = PolicySpec(
    title="秀洲区人才企业贷款贴息办法",
    doc_number="秀人才办〔2025〕1号",
    issuers=("中共嘉兴市秀洲区委人才工作领导小组办公室", "嘉兴市秀洲区财政局"),
    scheme=S.INTEREST_SUBSIDY,
    categories=("talent", "loans"),
    county="330411",
    summary="秀洲区对人才企业取得的银行贷款按实付利息的50%给予贴息。",
    clauses=("按实付利息的50%贴息，每家企业每年不超过30万元。",),
    reference="秀人才办〔2025〕1号第二条",
    conditions=(cond("staff", "科技人员数", {">=": [{"var": "tech_staff"}, 3]}),),
    parameters={"share": param(0.5, "秀人才办〔2025〕1号第二条（演示默认值）", "贴息比例")},
    cases=(
        case("五名科技人员", {"tech_staff": 5}, staff=True),
        case("一名", {"tech_staff": 1}, staff=False),
    ),
    formula={"*": [{"param": "share"}, {"var": "input.interest_paid"}]},
    benefit_reference="秀人才办〔2025〕1号第二条",
    cap_per_enterprise_year=30 * WAN,
    inputs=(money("interest_paid", "年度实付利息(元)", 80_000),),
    published_days_ago=70,
)

HAIYAN_STARTUP = PolicySpec(
    title="海盐县科技型初创企业创业资助办法",
    doc_number="盐科〔2025〕5号",
    issuers=("海盐县科学技术局", "海盐县财政局"),
    scheme=S.GRANT,
    categories=("startup",),
    county="330424",
    summary="海盐县对处于初创期的科技型企业一次性资助10万元。",
    clauses=("处于初创期、成立不满五年的科技型中小企业，一次性资助10万元。",),
    reference="盐科〔2025〕5号第二条",
    tiers=("startup",),
    conditions=(cond("young", "成立不满五年", {"<=": [{"var": "years_registered"}, 5]}),),
    parameters={"award": param(10 * WAN, "盐科〔2025〕5号第二条（演示默认值）", "资助金额(元)")},
    cases=(
        case(
            "成立两年",
            {"years_registered": 2, "registry_stage": "startup"},
            young=True,
            terms_tiers=True,
        ),
        case(
            "成立七年",
            {"years_registered": 7, "registry_stage": "growth"},
            young=False,
            terms_tiers=False,
        ),
    ),
    formula={"param": "award"},
    benefit_reference="盐科〔2025〕5号第二条",
    period=ApplicationPeriod.ONCE,
    published_days_ago=50,
)

INCUBATOR_RENT = PolicySpec(
    title="嘉兴市科技企业孵化器在孵企业房租补贴办法",
    doc_number="嘉科〔2025〕22号",
    issuers=(CITY_SCI,),
    scheme=S.GRANT,
    categories=("startup",),
    summary="对入驻市级以上科技企业孵化器、成立不满三年的在孵企业，按实付房租的50%给予补贴。",
    clauses=("按实付房租的50%补贴，每家企业每年不超过10万元。",),
    reference="嘉科〔2025〕22号第二条",
    conditions=(cond("young", "成立不满三年", {"<=": [{"var": "years_registered"}, 3]}),),
    parameters={"share": param(0.5, "嘉科〔2025〕22号第二条（演示默认值）", "补贴比例")},
    cases=(
        case("一年", {"years_registered": 1}, young=True),
        case("四年", {"years_registered": 4}, young=False),
    ),
    formula={"*": [{"param": "share"}, {"var": "input.rent_paid"}]},
    benefit_reference="嘉科〔2025〕22号第二条",
    cap_per_enterprise_year=10 * WAN,
    inputs=(money("rent_paid", "年度实付房租(元)", 120_000),),
    published_days_ago=110,
)

INNOVATION_VOUCHER = PolicySpec(
    title="嘉兴市科技创新券使用管理办法",
    doc_number="嘉科〔2025〕25号",
    issuers=(CITY_SCI, CITY_FIN),
    scheme=S.GRANT,
    categories=("rd", "startup"),
    summary="科技型中小企业使用创新券购买检验检测、研发设计等科技服务的，按服务费用的50%兑付。",
    clauses=("按实付科技服务费的50%兑付，每家企业每年不超过20万元。",),
    reference="嘉科〔2025〕25号第三条",
    labels=("tech_sme",),
    parameters={"share": param(0.5, "嘉科〔2025〕25号第三条（演示默认值）", "兑付比例")},
    formula={"*": [{"param": "share"}, {"var": "input.service_fee"}]},
    benefit_reference="嘉科〔2025〕25号第三条",
    cap_per_enterprise_year=20 * WAN,
    inputs=(money("service_fee", "实付科技服务费(元)", 80_000),),
    period=ApplicationPeriod.QUARTER,
    published_days_ago=40,
)

GUIDE = PolicySpec(
    title="嘉兴市科技金融政策汇编（2025年版）",
    doc_number="",
    issuers=(CITY_SCI, CITY_FINANCE_OFFICE),
    scheme=S.INFORMATION,
    categories=("loans", "tech_insurance", "listing"),
    summary="汇集全市科技信贷、科技保险、上市培育等现行政策，供企业查阅（不受理申报）。",
    clauses=("本汇编所列政策以各政策原文为准。",),
    published_days_ago=20,
)

# --- drafts and an expired policy ------------------------------------------------------------

DRAFT_RISK = PolicySpec(
    title="嘉兴市科技企业信用贷款风险补偿扩面方案（征求意见稿）",
    doc_number="",
    issuers=(CITY_SCI, CITY_FIN),
    scheme=S.RISK_COMPENSATION,
    categories=("risk_compensation",),
    status=PolicyStatus.DRAFT,
    valid_from=datetime.date(2026, 7, 1),
    valid_to=None,
    summary="拟将风险补偿范围扩大至小额贷款公司发放的科技信用贷款（征求意见中）。",
    clauses=("补偿比例拟为本金损失的40%。",),
    parameters={"share": param(0.4, "征求意见稿第五条（演示默认值）", "补偿比例")},
    formula={"*": [{"param": "share"}, {"var": "input.principal_loss"}]},
    inputs=(money("principal_loss", "本金损失(元)", 1_000_000),),
)

DRAFT_RD = PolicySpec(
    title="嘉兴市研发费用加计扣除配套奖励办法（草案）",
    doc_number="",
    issuers=(CITY_SCI, CITY_FIN),
    scheme=S.GRANT,
    categories=("rd",),
    status=PolicyStatus.DRAFT,
    valid_from=datetime.date(2026, 7, 1),
    valid_to=None,
    summary="拟对享受研发费用加计扣除的企业按境内研发费用给予配套奖励（草案）。",
    clauses=("按境内研发费用的3%给予奖励，最高50万元。",),
    conditions=(
        cond(
            "rd_domestic",
            "境内研发费用不低于50万元",
            {">=": [{"var": "rd_expense_domestic"}, 500_000]},
        ),
    ),
    cases=(
        case("60万元", {"rd_expense_domestic": 600_000}, rd_domestic=True),
        case("10万元", {"rd_expense_domestic": 100_000}, rd_domestic=False),
    ),
    parameters={"rate": param(0.03, "草案第三条（演示默认值）", "奖励比例")},
    formula={"*": [{"param": "rate"}, {"var": "rd_expense_domestic"}]},
    cap_per_enterprise_year=50 * WAN,
)

EXPIRED_INSURANCE = PolicySpec(
    title="嘉兴市科技保险保费补贴暂行办法（2019年）",
    doc_number="嘉科〔2019〕9号",
    issuers=(CITY_SCI, CITY_FIN),
    scheme=S.TECH_INSURANCE,
    categories=("tech_insurance",),
    status=PolicyStatus.EXPIRED,
    valid_from=datetime.date(2019, 1, 1),
    valid_to=datetime.date(2024, 12, 31),
    summary="按保费的50%补贴科技保险，已被嘉科〔2025〕12号替代。",
    clauses=("按实缴保费的50%补贴，每家企业每年不超过5万元。",),
    reference="嘉科〔2019〕9号第二条",
    parameters={"rate": param(0.5, "嘉科〔2019〕9号第二条", "补贴比例")},
    formula={"*": [{"param": "rate"}, {"var": "input.premium"}]},
    benefit_reference="嘉科〔2019〕9号第二条",
    cap_per_enterprise_year=5 * WAN,
    inputs=(money("premium", "实缴保费(元)", 30_000),),
    published_days_ago=2400,
)

#: Every demo policy, in the order they are written.
POLICY_SPECS: tuple[PolicySpec, ...] = (
    TECH_INSURANCE,
    GROUP_COVER,
    EAGLET_INSURANCE,
    HAINING_INSURANCE,
    PATENT_PLEDGE,
    TONGXIANG_PLEDGE,
    RISK_COMPENSATION,
    GUARANTEE_FEE,
    FIRST_LOAN,
    RD_SUPPORT,
    NANHU_RD,
    LISTING,
    JIASHAN_LISTING,
    HIGH_TECH_AWARD,
    PINGHU_HIGH_TECH,
    PLATFORM_AWARD,
    PATENT_AWARD,
    TALENT,
    XIUZHOU_TALENT,
    HAIYAN_STARTUP,
    INCUBATOR_RENT,
    INNOVATION_VOUCHER,
    GUIDE,
    DRAFT_RISK,
    DRAFT_RD,
    EXPIRED_INSURANCE,
)

#: The demo categories: (code, name, English name).
CATEGORIES = (
    ("tech_insurance", "科技保险", "Tech insurance"),
    ("risk_compensation", "风险补偿", "Risk compensation"),
    ("loans", "融资信贷", "Loans and guarantees"),
    ("ip", "知识产权", "Intellectual property"),
    ("rd", "研发创新", "R&D"),
    ("listing", "股改上市", "Listing"),
    ("talent", "人才支持", "Talent"),
    ("platform", "创新平台", "Innovation platforms"),
    ("startup", "初创企业", "Start-ups"),
)
