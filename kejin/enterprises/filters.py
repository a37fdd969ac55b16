"""The one FilterSet for enterprise lists, shared by the directory and list pages and the API.

Besides the record (name/code, county, industry, size, founding date) it filters by the
tech-enterprise list (名单库): ``stage`` (a growth stage's code), ``label`` (a label's code;
repeat it to ask for enterprises having *all* the labels), ``on_list`` (``true``: on the list;
``false``: not on it, including never evaluated) and ``recognition``
(``<rule set>:<status>``, e.g. ``tech_sme:qualified``; ``<rule set>:passed`` means qualified
or directly qualified; repeat it: values of one rule set are alternatives, different rule sets
must all hold). Each is a join on the enterprise's RegistryEntry or RecognitionResult that
matches at most one row per enterprise, so no ``distinct`` is needed.
"""

import django_filters
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from kejin.core.models import Industry, Region
from kejin.core.uscc import uscc_normalise
from kejin.enterprises.choices import EnterpriseSize, RecognitionStatus
from kejin.enterprises.models import Enterprise


def _list_model(field: str):
    """The model of the list (名单库) that the enterprise's entry on it points to by ``field``.

    The list is the registry app's, a layer above enterprises (which may not import it), so
    its stages and labels are reached through the foreign keys rather than imported.
    """
    entry = Enterprise._meta.get_field("registry_entry").related_model
    return entry._meta.get_field(field).related_model


#: ``<rule set>:passed`` in the ``recognition`` filter: qualified, computed or directly.
RECOGNITION_PASSED = "passed"
_PASSED_STATUSES = (RecognitionStatus.QUALIFIED, RecognitionStatus.QUALIFIED_DIRECT)


def recognition_filter_choices() -> list[tuple[str, StrOrPromise]]:
    """The values of the ``recognition`` filter: ``<rule set>:<status>`` for every recognition
    rule set, ``passed`` first."""
    from kejin.enterprises.recognition import rulesets

    choices: list[tuple[str, StrOrPromise]] = []
    for ruleset in rulesets():
        passed = format_lazy(_("{ruleset}：符合（含直接认定）"), ruleset=ruleset.title)
        choices.append((f"{ruleset.id}:{RECOGNITION_PASSED}", passed))
        choices += [
            (f"{ruleset.id}:{status.value}", format_lazy("{}：{}", ruleset.title, status.label))
            for status in RecognitionStatus
        ]
    return choices


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称或信用代码"), method="filter_q")
    uscc = django_filters.CharFilter(label=_("统一社会信用代码"), method="filter_uscc")
    county = django_filters.ModelChoiceFilter(
        label=_("县(市、区)"), queryset=Region.objects.filter(level="county"), to_field_name="code"
    )
    industry = django_filters.CharFilter(label=_("行业代码"), method="filter_industry")
    size = django_filters.ChoiceFilter(label=_("企业规模"), choices=EnterpriseSize.choices)
    founded_after = django_filters.DateFilter(
        label=_("成立日期不早于"), field_name="founded_on", lookup_expr="gte"
    )
    founded_before = django_filters.DateFilter(
        label=_("成立日期不晚于"), field_name="founded_on", lookup_expr="lte"
    )
    stage = django_filters.ModelChoiceFilter(
        label=_("成长阶段"),
        field_name="registry_entry__stage",
        queryset=_list_model("stage").objects.all(),
        to_field_name="code",
    )
    label = django_filters.ModelMultipleChoiceFilter(
        label=_("名单标签"),
        queryset=_list_model("labels").objects.all(),
        to_field_name="code",
        method="filter_label",
        help_text=_("标签代码，可重复；同时具有所有所选标签的企业"),
    )
    on_list = django_filters.BooleanFilter(label=_("在库状态"), method="filter_on_list")
    recognition = django_filters.MultipleChoiceFilter(
        label=_("认定结果"),
        choices=recognition_filter_choices(),
        method="filter_recognition",
        help_text=_(
            "“规则:结果”，如 tech_sme:qualified；passed 表示符合或直接认定。可重复："
            "同一规则的多个结果任一即可，不同规则须同时满足"
        ),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("founded_on", "founded_on"),
            ("registered_capital", "registered_capital"),
            ("registry_entry__stage__order", "stage"),
            ("registry_entry__since", "since"),
        ),
        label=_("排序"),
    )

    class Meta:
        model = Enterprise
        fields = ["q", "uscc", "county", "industry", "size"]

    def __init__(self, *args, for_count: bool = False, **kwargs):
        """``for_count``: plan the name search for a bounded ``count()`` rather than for a page
        in name order (the same rows; ``kejin.enterprises.search.enterprise_name_search``)."""
        super().__init__(*args, **kwargs)
        self.for_count = for_count

    def filter_q(self, queryset, name, value):
        """Names containing ``value`` (indexed: kejin/enterprises/search.py), or the USCC ``value``."""
        from kejin.enterprises.search import enterprise_name_search

        value = value.strip()
        if not value:
            return queryset
        code = uscc_normalise(value)
        if len(code) != 18:  # no stored code can equal it; a plain name search plans best
            return enterprise_name_search(queryset, value, for_count=self.for_count)
        # Not the counting plan here: on SQLite it joins the index table, which an OR with
        # the code cannot take (an 18-character text finds few candidates anyway).
        return enterprise_name_search(queryset, value) | queryset.filter(uscc=code)

    def filter_uscc(self, queryset, name, value):
        return queryset.filter(uscc=uscc_normalise(value))

    def filter_industry(self, queryset, name, value):
        """A section letter (C) or a division code (39): the enterprise's industry or below it."""
        codes = Industry.objects.filter(Q(code=value) | Q(parent__code=value)).values("pk")
        return queryset.filter(industry__in=codes)

    def filter_on_list(self, queryset, name, value):
        """On the list, or not on it (an enterprise never evaluated has no entry: not on it)."""
        if value is None:
            return queryset
        if value:
            return queryset.filter(registry_entry__on_list=True)
        return queryset.filter(Q(registry_entry__on_list=False) | Q(registry_entry__isnull=True))

    def filter_label(self, queryset, name, value: list):
        """Every label asked for, not any of them: one join per label, each matching at most
        one row, so no duplicates."""
        for label in value:
            queryset = queryset.filter(registry_entry__labels=label)
        return queryset

    def filter_recognition(self, queryset, name, value: list[str]):
        """One join per rule set asked for: its stored result must have one of the statuses."""
        wanted: dict[str, set[str]] = {}
        for choice in value:
            ruleset, status = choice.split(":", 1)
            asked = _PASSED_STATUSES if status == RECOGNITION_PASSED else (status,)
            wanted.setdefault(ruleset, set()).update(asked)
        for ruleset, statuses in sorted(wanted.items()):
            queryset = queryset.filter(
                recognitions__ruleset=ruleset, recognitions__status__in=sorted(statuses)
            )
        return queryset
