"""Officer-facing (zh-hans, translatable) messages for rule errors, built from their code,
path and parameters — never parsed back from the English text."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kejin.rules.expressions import OPERATORS, RuleError
from kejin.rules.versions import NO_WORKED_CASES


def rule_error_message(error: RuleError) -> str:
    """What is wrong with a rule and where, in words an officer can act on."""
    where = {"path": error.path or "$"}
    params = error.params
    if error.code == "unknown_operator":
        return _("规则使用了不支持的运算符“%(op)s”（位置 %(path)s）。可用的运算符：%(ops)s。") % {
            "op": params["op"],
            "ops": " ".join(sorted(OPERATORS)),
            **where,
        }
    if error.code == "one_operator":
        return _("规则的每个运算应是只含一个运算符的JSON对象（位置 %(path)s）。") % where
    if error.code == "var_name":
        return _("var 之后应是数据项名称（位置 %(path)s）。") % where
    if error.code == "arity":
        return _("运算符“%(op)s”需要%(n)s个参数（位置 %(path)s）。") % {
            "op": params["op"],
            "n": params["count"],
            **where,
        }
    if error.code == "if_arity":
        return _("if 需要条件、成立时的值和不成立时的值（位置 %(path)s）。") % where
    if error.code == "in_arity":
        return (
            _('in 需要一个值和一个值列表，如 {"in": [{"var": "x"}, ["a", "b"]]}（位置 %(path)s）。')
            % where
        )
    if error.code == "list_place":
        return _("值列表只能作为 in 的第二个参数（位置 %(path)s）。") % where
    if error.code == "unknown_facts":
        return _("规则引用了未知的数据项：%(facts)s。请使用数据目录中的名称。") % {
            "facts": "、".join(params["facts"])
        }
    if error.code == "malformed_ruleset":
        return _(
            "规则集“%(ruleset)s”的格式有误（%(path)s），问题出在：%(detail)s。请对照规则集文件的格式改正。"
        ) % {"ruleset": params["ruleset"], "detail": params["detail"], **where}
    if error.code == "unknown_parameter":
        return _(
            "规则引用了未定义的参数“%(name)s”（位置 %(path)s）。请在规则集的参数表中定义它，或改正名称。"
        ) % {"name": params["name"], **where}
    if error.code == "worked_cases_fail":
        failures = params["failures"]
        if all(failure["case"] == NO_WORKED_CASES for failure in failures):
            return _("规则集版本 %(path)s 没有算例：至少要有一个算例且全部通过，才能启用。") % where
        cases = list(dict.fromkeys(failure["case"] for failure in failures))
        return _(
            "规则集版本 %(path)s 有 %(count)s 个算例未通过：%(cases)s。算例全部通过后才能启用该版本。"
        ) % {"count": len(cases), "cases": "、".join(cases), **where}
    if error.code == "versions_overlap":
        return _(
            "规则集“%(ruleset)s”的版本 %(first)s 和 %(second)s 在 %(day)s 同时有效。请调整有效期，使各版本互不重叠。"
        ) % {
            "ruleset": params["ruleset"],
            "first": params["first"],
            "second": params["second"],
            "day": params["day"],
        }
    # A code added to RULE_ERROR_TEMPLATES without a message here (tests forbid it).
    return _("规则有误（位置 %(path)s）：%(error)s") % {"error": error.detail, **where}
