"""Enumerations of financing matchmaking: products, demands, their workflow, loans."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductType(models.TextChoices):
    """The plan's measures 6 and 7, plus equity investment and tech insurance."""

    CREDIT_LOAN = "credit_loan", _("信用贷款")
    RECEIVABLES_PLEDGE = "receivables_pledge", _("应收账款质押贷款")
    IP_PLEDGE = "ip_pledge", _("知识产权质押贷款")
    INVESTMENT_LOAN = "investment_loan", _("投贷联动")
    GUARANTEE_LOAN = "guarantee_loan", _("政策性担保贷款")
    LOAN_GUARANTEE_INSURANCE = "loan_guarantee_insurance", _("小额贷款保证保险")
    EQUITY_INVESTMENT = "equity_investment", _("股权投资")
    TECH_INSURANCE = "tech_insurance", _("科技保险")


#: Types whose price is a premium or fee rate rather than an interest rate.
PREMIUM_PRICED = frozenset({ProductType.TECH_INSURANCE, ProductType.LOAN_GUARANTEE_INSURANCE})
#: Types that lend money (and become a Loan when disbursed).
LENDING_TYPES = frozenset(
    {
        ProductType.CREDIT_LOAN,
        ProductType.RECEIVABLES_PLEDGE,
        ProductType.IP_PLEDGE,
        ProductType.INVESTMENT_LOAN,
        ProductType.GUARANTEE_LOAN,
        ProductType.LOAN_GUARANTEE_INSURANCE,
    }
)


class ProductStatus(models.TextChoices):
    """Where a product is: drafted, waiting for an officer, on the market, withdrawn."""

    DRAFT = "draft", _("草稿")
    UNDER_REVIEW = "under_review", _("审核中")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已下架")


class ProductVersionReview(models.TextChoices):
    """An officer's review of one version of a product."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已通过")


class ProductAction(models.TextChoices):
    """Every move of a product (one ``ProductEvent`` each; ``kejin.financing.product_workflow``
    says from which states)."""

    CREATE = "create", _("起草产品")
    EDIT = "edit", _("修改草稿")
    REVISE = "revise", _("起草新版本")
    SUBMIT = "submit", _("提交审核")
    APPROVE = "approve", _("审核通过")
    RETURN = "return", _("退回修改")
    WITHDRAW = "withdraw", _("下架")


class CollateralKind(models.TextChoices):
    """What an enterprise can pledge, and what a product asks for."""

    PATENT = "patent", _("专利权")
    TRADEMARK = "trademark", _("商标权")
    COPYRIGHT = "copyright", _("著作权")
    RECEIVABLES = "receivables", _("应收账款")
    PROPERTY = "property", _("房产土地")
    EQUIPMENT = "equipment", _("机器设备")
    EQUITY = "equity", _("股权")
    DEPOSIT = "deposit", _("存单")


#: Collateral kinds that are intellectual property (a patent needs its number).
IP_KINDS = frozenset({CollateralKind.PATENT, CollateralKind.TRADEMARK, CollateralKind.COPYRIGHT})


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("较急")
    VERY_URGENT = "very_urgent", _("紧急")


class DemandStatus(models.TextChoices):
    """A demand's place in the workflow (``kejin.financing.workflow`` says which moves exist)."""

    SUBMITTED = "submitted", _("已提交")
    ROUTED = "routed", _("待认领")
    CLAIMED = "claimed", _("已认领")
    CONTACTED = "contacted", _("已联系")
    UNDER_REVIEW = "under_review", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已拒绝")
    DISBURSED = "disbursed", _("已放款")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")
    EXPIRED = "expired", _("已过期")


#: States a demand never leaves.
FINAL_STATUSES = frozenset(
    {DemandStatus.CLOSED, DemandStatus.WITHDRAWN, DemandStatus.EXPIRED, DemandStatus.REJECTED}
)
#: States in which an institution holds the demand exclusively.
CLAIMED_STATUSES = frozenset(
    {
        DemandStatus.CLAIMED,
        DemandStatus.CONTACTED,
        DemandStatus.UNDER_REVIEW,
        DemandStatus.APPROVED,
        DemandStatus.DISBURSED,
    }
)


class DemandAction(models.TextChoices):
    """Every move of the demand workflow (one row of ``DemandEvent`` each)."""

    SUBMIT = "submit", _("提交需求")
    ROUTE = "route", _("推送机构")
    POOL = "pool", _("转入抢单池")
    CLAIM = "claim", _("认领")
    RELEASE = "release", _("放弃认领")
    CONTACT = "contact", _("首次联系")
    START_REVIEW = "start_review", _("进入审批")
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("拒绝")
    REFER = "refer", _("转介其他机构")
    REQUEST_GUARANTEE = "request_guarantee", _("申请担保")
    GRANT_GUARANTEE = "grant_guarantee", _("同意担保")
    REFUSE_GUARANTEE = "refuse_guarantee", _("拒绝担保")
    DISBURSE = "disburse", _("放款")
    CLOSE = "close", _("办结")
    WITHDRAW = "withdraw", _("撤回")
    EXPIRE = "expire", _("过期")
    ESCALATE = "escalate", _("逾期督办")


class GuaranteeStatus(models.TextChoices):
    """The guarantor step of a demand (a step of the same workflow)."""

    NONE = "none", _("未涉及")
    REQUESTED = "requested", _("担保申请中")
    GRANTED = "granted", _("已同意担保")
    REFUSED = "refused", _("已拒绝担保")


class RejectionReason(models.TextChoices):
    """Why an institution declined (the enterprise sees it, with the text)."""

    CREDIT = "credit", _("信用状况不符合要求")
    FINANCIALS = "financials", _("经营或财务状况不足")
    COLLATERAL = "collateral", _("担保或抵质押不足")
    POLICY = "policy", _("不符合产品准入政策")
    MATERIALS = "materials", _("材料不完整")
    AMOUNT = "amount", _("金额或期限无法满足")
    ENTERPRISE_DECLINED = "enterprise_declined", _("企业主动放弃")
    OTHER = "other", _("其他原因")


class DeadlineStep(models.TextChoices):
    """Steps that have a working-day limit."""

    CLAIM = "claim", _("认领")
    CONTACT = "contact", _("首次联系")
    DECISION = "decision", _("审批决定")


class LeadStatus(models.TextChoices):
    NEW = "new", _("待跟进")
    CONTACTED = "contacted", _("已联系")
    DISMISSED = "dismissed", _("不跟进")


class PledgeType(models.TextChoices):
    """How a loan is secured."""

    NONE = "none", _("信用")
    IP = "ip", _("知识产权质押")
    RECEIVABLES = "receivables", _("应收账款质押")
    PROPERTY = "property", _("抵押")
    GUARANTEE = "guarantee", _("担保")
    INSURANCE = "insurance", _("保证保险")
    OTHER = "other", _("其他")


class LoanStatus(models.TextChoices):
    PERFORMING = "performing", _("正常")
    OVERDUE = "overdue", _("逾期")
    DEFAULT = "default", _("违约")
    REPAID = "repaid", _("已结清")


class LoanChannel(models.TextChoices):
    """How a loan's change reached the platform."""

    DEMAND = "demand", _("需求放款")
    FORM = "form", _("页面录入")
    API = "api", _("接口报送")
    IMPORT = "import", _("文件导入")
    DEMO = "demo", _("演示数据")
