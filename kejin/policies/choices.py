"""Choices of the policies module (codes are stable: stored and sent over the API)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    EXPIRED = "expired", _("已失效")


class PolicyScheme(models.TextChoices):
    """What a policy pays and how applications reach it (each scheme's formula inputs)."""

    INFORMATION = "information", _("政策信息（不受理申报）")
    GRANT = "grant", _("奖励补助")
    TECH_INSURANCE = "tech_insurance", _("科技保险保费补贴")
    GROUP_COVER = "group_cover", _("政府统保")
    INTEREST_SUBSIDY = "interest_subsidy", _("贷款贴息")
    GUARANTEE_FEE = "guarantee_fee", _("担保费补贴")
    RISK_COMPENSATION = "risk_compensation", _("信贷风险补偿")


#: Schemes enterprises do not apply for on the policy's page (information only; risk
#: compensation is claimed by banks in the fund; group cover is listed by officers).
NO_APPLICATION_SCHEMES = frozenset(
    {PolicyScheme.INFORMATION, PolicyScheme.RISK_COMPENSATION, PolicyScheme.GROUP_COVER}
)


class ApplicationPeriod(models.TextChoices):
    """How often an enterprise may apply: one application per enterprise, policy and period."""

    YEAR = "year", _("每年度一次")
    QUARTER = "quarter", _("每季度一次")
    ONCE = "once", _("限申报一次")


class PolicyAction(models.TextChoices):
    CREATE = "create", _("起草")
    EDIT = "edit", _("修改")
    REVISE = "revise", _("起草新版本")
    PUBLISH = "publish", _("发布")
    EXPIRE = "expire", _("失效")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    RETURNED = "returned", _("退回补充材料")
    APPROVED = "approved", _("已核定")
    REJECTED = "rejected", _("未通过")
    PAID = "paid", _("已兑付")
    WITHDRAWN = "withdrawn", _("已撤回")


class ApplicationAction(models.TextChoices):
    SUBMIT = "submit", _("提交")
    ACCEPT = "accept", _("受理")
    RETURN = "return", _("退回补充")
    RESUBMIT = "resubmit", _("补充后重新提交")
    APPROVE = "approve", _("核定金额")
    REJECT = "reject", _("不予通过")
    PAY = "pay", _("记录兑付")
    WITHDRAW = "withdraw", _("撤回")
    REMIND = "remind", _("超期提醒")


class ApplicationStep(models.TextChoices):
    """The steps with a working-day limit (快申快享): acceptance after submission, the
    decision after acceptance, payment after approval."""

    ACCEPT = "accept", _("受理")
    DECIDE = "decide", _("审核核定")
    PAY = "pay", _("资金兑付")


class RejectReason(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", _("不符合申报条件")
    MATERIALS = "materials", _("材料不全或不实")
    DUPLICATE = "duplicate", _("重复享受同类政策")
    BUDGET = "budget", _("资金额度已用完")
    OTHER = "other", _("其他")


class InsuranceLine(models.TextChoices):
    """Tech-insurance lines (科技保险险种, after 萧科〔2017〕18号)."""

    PATENT = "patent", _("专利侵权损失及执行保险")
    RD_LIABILITY = "rd_liability", _("产品研发责任保险")
    RD_EQUIPMENT = "rd_equipment", _("关键研发设备保险")
    INTERRUPTION = "interruption", _("营业中断保险")
    ENVIRONMENT = "environment", _("环境污染责任保险")
    PRODUCT_LIABILITY = "product_liability", _("产品责任及质量保证保险")
    STAFF_HEALTH = "staff_health", _("关键研发人员健康及意外保险")


class GroupSchemeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("已确定名单")
    CONFIRMED = "confirmed", _("保险机构已确认承保")


class GroupMemberStatus(models.TextChoices):
    LISTED = "listed", _("列入统保名单")
    COVERED = "covered", _("已承保")
    DECLINED = "declined", _("未承保")


class FundEntryKind(models.TextChoices):
    CONTRIBUTION = "contribution", _("注资")
    PAYOUT = "payout", _("代偿支出")
    RECOVERY = "recovery", _("追偿回收")


class FundSource(models.TextChoices):
    """Who put money into a fund."""

    CITY = "city", _("市级财政")
    COUNTY = "county", _("县(市、区)财政")
    INSTITUTION = "institution", _("合作金融机构")
    BORROWER = "borrower", _("借款企业风险准备金")


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已核准并代偿")
    RETURNED = "returned", _("退回补充材料")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("正常入池")
    PAUSED = "paused", _("暂停入池")


class ClaimAction(models.TextChoices):
    """The moves of a compensation claim (``kejin.policies.claim_workflow``)."""

    SUBMIT = "submit", _("提交")
    APPROVE = "approve", _("核准并代偿")
    RETURN = "return", _("退回补充")
    RESUBMIT = "resubmit", _("补充后重新提交")
    REJECT = "reject", _("不予通过")
    WITHDRAW = "withdraw", _("撤回")
    RECOVER = "recover", _("登记追偿回收")


def reject_reason_problems(reason: str) -> dict[str, list[str]]:
    """``{"reason": [message]}`` when ``reason`` is not a ``RejectReason`` code, else ``{}``
    (the start of a refusal's field errors)."""
    if reason in RejectReason.values:
        return {}
    return {
        "reason": [
            _("请选择不予通过的原因：%(choices)s。")
            % {"choices": "、".join(str(label) for label in RejectReason.labels)}
        ]
    }
