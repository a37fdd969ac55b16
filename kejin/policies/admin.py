"""Admin of the policies module: read-mostly views for platform administrators."""

from django.contrib import admin

from kejin.policies.models import (
    Application,
    CompensationClaim,
    CompensationFund,
    FundEntry,
    GroupScheme,
    InsurancePolicy,
    Policy,
    PolicyCategory,
    PolicyVersion,
)


@admin.register(PolicyCategory)
class PolicyCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order")


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("title", "doc_number", "scheme", "status", "published_at")
    list_filter = ("status", "scheme")
    search_fields = ("title", "doc_number")


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ("policy", "version", "status", "valid_from", "valid_to")
    list_filter = ("status",)


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("policy", "enterprise", "period_key", "status", "amount_approved")
    list_filter = ("status",)
    raw_id_fields = ("enterprise", "loan", "insurance_policy")


@admin.register(InsurancePolicy)
class InsurancePolicyAdmin(admin.ModelAdmin):
    list_display = ("number", "insurer", "enterprise", "line", "premium", "starts_on")
    raw_id_fields = ("enterprise",)


@admin.register(GroupScheme)
class GroupSchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "insurer", "line", "premium_per_head", "status")


@admin.register(CompensationFund)
class CompensationFundAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "balance")
    readonly_fields = ("balance",)


@admin.register(FundEntry)
class FundEntryAdmin(admin.ModelAdmin):
    list_display = ("fund", "kind", "amount", "balance_after", "on")
    list_filter = ("kind",)


@admin.register(CompensationClaim)
class CompensationClaimAdmin(admin.ModelAdmin):
    list_display = ("fund", "loan", "institution", "amount_claimed", "status")
    list_filter = ("status",)
    raw_id_fields = ("loan", "enterprise")
