"""Training statistical scorecards: optimal WOE binning (optbinning) + logistic regression
(scikit-learn), saved as a points table the rules engine evaluates.

The method is the standard bank one. Every candidate variable is binned by
``optbinning.BinningProcess`` (numeric variables into intervals, categorical ones into groups
of categories; variables with an information value below 0.02 are left out); the logistic
regression is fitted on the bins' weights of evidence. The score is on the usual scale:
``offset − factor·logit(PD)`` with ``factor = pdo / ln 2`` and ``offset = base_score −
factor·ln(base_odds)`` (``base_score`` points at good:bad odds of ``base_odds``, ``pdo``
points to double the odds). A bin of variable *i* with weight of evidence *w* gives
``−factor·βᵢ·w`` points and the base points are ``offset − factor·β₀``, so the points table
reproduces the fitted model's score; points are kept to 4 decimals (the total within
0.0001 × (number of variables + 1) of the model's).

Worked cases: a few held-out rows (low, middle and high scores, none within rounding of a
grade bound) with the fitted model's own score for each (within the rounding bound) and its
grade, so the saved points table passes its activation gate only if it reproduces the model.

Held-out metrics: AUC, KS (the largest gap between the cumulative bad and good shares),
Gini (2·AUC − 1) and a calibration table (predicted against observed bad rates by decile of
predicted PD).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from optbinning import BinningProcess
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import StratifiedKFold, train_test_split

#: The default score scale: 600 points at 50:1 good:bad odds, 20 points to double them.
BASE_SCORE = 600.0
BASE_ODDS = 50.0
PDO = 20.0
POINTS_DECIMALS = 4
MIN_IV = 0.02
#: The held-out rows saved as a trained scorecard's worked cases, by quantile of score.
WORKED_CASE_QUANTILES = (0.1, 0.5, 0.9)
#: Default grade bands of a trained scorecard on the default scale (configurable per
#: version: the document's ``grades``).
DEFAULT_GRADES = [
    {"code": "AAA", "min": 680},
    {"code": "AA", "min": 660},
    {"code": "A", "min": 640},
    {"code": "BBB", "min": 620},
    {"code": "BB", "min": 600},
    {"code": "B", "min": 580},
    {"code": "CCC", "min": 560},
    {"code": "CC", "min": 540},
    {"code": "C"},
]


class TrainingError(ValueError):
    """Training data that cannot give a scorecard (no target, one class, no variable)."""


@dataclass
class FittedScorecard:
    """A fitted binning process and logistic regression over the selected variables."""

    binning: BinningProcess
    model: LogisticRegression
    variables: list[str]  # selected, in the model's column order
    categorical: list[str]

    def woe(self, frame: pd.DataFrame) -> pd.DataFrame:
        return self.binning.transform(frame[self.binning.variable_names], metric="woe")[
            self.variables
        ]

    def probability_bad(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self.woe(frame).to_numpy())[:, 1]

    def scores(self, frame: pd.DataFrame, *, pdo=PDO, base_score=BASE_SCORE, base_odds=BASE_ODDS):
        """The model's (unrounded) scores: offset − factor·logit(PD)."""
        factor, offset = scale(pdo=pdo, base_score=base_score, base_odds=base_odds)
        logit = self.model.decision_function(self.woe(frame).to_numpy())
        return offset - factor * logit


@dataclass
class TrainingResult:
    fitted: FittedScorecard
    document: dict[str, Any]
    metrics: dict[str, Any]
    worked_cases: list[dict[str, Any]]


def scale(*, pdo: float, base_score: float, base_odds: float) -> tuple[float, float]:
    factor = pdo / math.log(2)
    return factor, base_score - factor * math.log(base_odds)


def target_vector(series: pd.Series, *, bad_value: Any = None) -> np.ndarray:
    """1 for a bad outcome, 0 for a good one: ``bad_value`` if given, else 1 of a 0/1
    column, else the value "bad"."""
    values = set(series.dropna().unique().tolist())
    if bad_value is None:
        if values <= {0, 1}:
            bad_value = 1
        elif "bad" in values:
            bad_value = "bad"
        else:
            raise TrainingError(
                f"目标列的取值为 {sorted(map(str, values))}，请用 --bad-value 指明哪个值表示违约。"
            )
    if series.isna().any():
        raise TrainingError("目标列有空值，请先删除这些行。")
    y = (series == type(next(iter(values)))(bad_value)).astype(int).to_numpy()
    if y.min() == y.max():
        raise TrainingError("目标列只有一类结果（全部违约或全部正常），无法训练评分卡。")
    return y


def scorecard_fit(
    frame: pd.DataFrame, y: np.ndarray, *, variables: list[str], categorical: list[str]
) -> FittedScorecard:
    """Bin every variable (optimal WOE binning) and fit the logistic regression."""
    binning = BinningProcess(
        variables,
        categorical_variables=categorical,
        selection_criteria={"iv": {"min": MIN_IV}},
    )
    with warnings.catch_warnings():
        # optbinning 1.0 sets items in a way pandas 3 deprecates (its own code, not ours).
        warnings.filterwarnings("ignore", module="optbinning")
        binning.fit(frame[variables], y)
    selected = [str(v) for v in binning.get_support(names=True)]
    if not selected:
        raise TrainingError("没有信息值达到0.02的变量，无法训练评分卡。")
    woe = binning.transform(frame[variables], metric="woe")[selected]
    model = LogisticRegression(max_iter=1000).fit(woe.to_numpy(), y)
    return FittedScorecard(binning, model, selected, [c for c in categorical if c in selected])


def informative(frame: pd.DataFrame, variables: list[str]) -> list[str]:
    """The variables with at least two distinct known values (TrainingError if none)."""
    kept = [v for v in variables if frame[v].nunique(dropna=True) > 1]
    if not kept:
        raise TrainingError("没有取值有变化的变量，无法训练评分卡。")
    return kept


def variable_kinds(frame: pd.DataFrame, variables: list[str]) -> list[str]:
    """The categorical variables: those not stored as numbers (or booleans)."""
    return [
        v
        for v in variables
        if not pd.api.types.is_numeric_dtype(frame[v]) or pd.api.types.is_bool_dtype(frame[v])
    ]


def points_table(
    fitted: FittedScorecard,
    *,
    code: str,
    title: str,
    reference: str,
    valid_from: str,
    labels: dict[str, str] | None = None,
    reasons: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    grades: list[dict] | None = None,
    pdo: float = PDO,
    base_score: float = BASE_SCORE,
    base_odds: float = BASE_ODDS,
) -> dict[str, Any]:
    """The fitted model as a points table (a rule set document for ``kejin.rules``)."""
    factor, offset = scale(pdo=pdo, base_score=base_score, base_odds=base_odds)
    labels, reasons = labels or {}, reasons or {}
    indicators = []
    for beta, name in zip(fitted.model.coef_[0], fitted.variables, strict=True):
        binned = fitted.binning.get_binned_variable(name)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="optbinning")
            table = binned.binning_table.build()
        # Rows: the bins, then Special, Missing and Totals.
        woes = [float(w) for w in table["WoE"].iloc[: len(table) - 3]]
        missing_woe = float(table["WoE"].iloc[len(table) - 2])

        def points(w: float, beta: float = float(beta)) -> float:
            return round(-factor * beta * w, POINTS_DECIMALS) + 0.0

        if name in fitted.categorical:
            bands = [
                {"values": sorted(_plain(v) for v in group), "points": points(w)}
                for group, w in zip(binned.splits, woes, strict=True)
            ]
        else:
            splits = [float(s) for s in binned.splits]
            bands = [
                {"min": _plain(s), "points": points(w)}
                for s, w in reversed(list(zip(splits, woes[1:], strict=True)))
            ]
            bands.append({"points": points(woes[0])})
            bands.insert(len(bands) - 1, {"missing": True, "points": points(missing_woe)})
        if name in fitted.categorical:
            bands += [{"missing": True, "points": points(missing_woe)}, {"points": 0.0}]
        indicators.append(
            {
                "id": _indicator_id(name),
                "label": labels.get(name, name),
                "reason": reasons.get(name, ""),
                "value": (values or {}).get(name, {"var": name}),
                "bands": bands,
            }
        )
    return {
        "id": code,
        "title": title,
        "reference": reference,
        "valid_from": valid_from,
        "facts": list(fitted.variables),
        "base_points": round(offset - factor * float(fitted.model.intercept_[0]), POINTS_DECIMALS),
        "reason_count": 3,
        "indicators": indicators,
        "grades": grades or DEFAULT_GRADES,
    }


def grade_of(score: float, grades: list[dict]) -> str | None:
    """The first grade whose lower bound ``score`` reaches (the last has none)."""
    for grade in grades:
        if grade.get("min") is None or score >= grade["min"]:
            return grade["code"]
    return None


def held_out_worked_cases(
    fitted: FittedScorecard,
    document: dict[str, Any],
    test: pd.DataFrame,
    *,
    booleans: list[str] | tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Worked cases from held-out rows: each row's variables in, the fitted model's score
    (within the points' rounding) and grade out; rows at ``WORKED_CASE_QUANTILES`` of the
    score, skipping any within rounding of a grade bound (its grade would be a coin toss)."""
    if len(test) == 0:
        return []
    scores = np.asarray(fitted.scores(test), dtype=float)
    tolerance = round(10.0**-POINTS_DECIMALS * (len(fitted.variables) + 2), POINTS_DECIMALS)
    bounds = [g["min"] for g in document["grades"] if g.get("min") is not None]
    order = [int(i) for i in np.argsort(scores, kind="stable")]
    order = [i for i in order if all(abs(scores[i] - b) > 2 * tolerance for b in bounds)]
    picked: list[int] = []
    for quantile in WORKED_CASE_QUANTILES:
        if not order:
            break
        position = order[min(len(order) - 1, int(quantile * len(order)))]
        if position not in picked:
            picked.append(position)
    cases = []
    for position in picked:
        row = test.iloc[position]
        score = float(scores[position])
        cases.append(
            {
                "name": f"留出样本（第{_plain(test.index[position])}行）：模型评分 {score:.2f}",
                "facts": {
                    name: _fact(row[name], boolean=name in booleans) for name in fitted.variables
                },
                "expect": {
                    "score": {"approx": round(score, POINTS_DECIMALS), "tolerance": tolerance},
                    "grade": grade_of(score, document["grades"]),
                },
            }
        )
    return cases


def _fact(value: Any, *, boolean: bool = False) -> Any:
    """A frame value as a fact: missing as None, booleans (trained as 0/1) as booleans."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return None
    value = _plain(value)
    if boolean:
        return bool(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _indicator_id(name: str) -> str:
    return name.removeprefix("credit.")


def _plain(value: Any) -> Any:
    """A JSON-safe scalar (numpy scalars to Python, whole floats kept as floats)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def held_out_metrics(y: np.ndarray, probability: np.ndarray, scores: np.ndarray) -> dict:
    """AUC, KS, Gini and the calibration table by decile of predicted PD."""
    auc = float(roc_auc_score(y, probability))
    fpr, tpr, _ = roc_curve(y, probability)
    frame = pd.DataFrame({"y": y, "p": probability, "score": scores})
    frame["decile"] = pd.qcut(frame["p"].rank(method="first"), 10, labels=False)
    calibration = [
        {
            "decile": int(decile) + 1,
            "count": int(len(group)),
            "predicted_bad_rate": round(float(group["p"].mean()), 4),
            "observed_bad_rate": round(float(group["y"].mean()), 4),
            "score_min": round(float(group["score"].min()), 1),
            "score_max": round(float(group["score"].max()), 1),
        }
        for decile, group in frame.groupby("decile")
    ]
    return {
        "auc": round(auc, 4),
        "ks": round(float(np.max(tpr - fpr)), 4),
        "gini": round(2 * auc - 1, 4),
        "calibration": calibration,
    }


def scorecard_train(
    frame: pd.DataFrame,
    *,
    target: str,
    code: str,
    title: str,
    reference: str,
    valid_from: str,
    bad_value: Any = None,
    variables: list[str] | None = None,
    labels: dict[str, str] | None = None,
    reasons: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    booleans: list[str] | None = None,
    test_size: float = 0.3,
    seed: int = 0,
) -> TrainingResult:
    """Split off ``test_size`` of the rows (stratified), fit on the rest, measure on the
    held-out rows, and return the points table with its metrics and worked cases
    (``booleans``: the variables trained as 0/1 that are facts true or false)."""
    if target not in frame.columns:
        raise TrainingError(f"数据中没有目标列 {target}。")
    y = target_vector(frame[target], bad_value=bad_value)
    variables = informative(frame, variables or [c for c in frame.columns if c != target])
    categorical = variable_kinds(frame, variables)
    train, test, y_train, y_test = train_test_split(
        frame, y, test_size=test_size, stratify=y, random_state=seed
    )
    fitted = scorecard_fit(train, y_train, variables=variables, categorical=categorical)
    metrics = held_out_metrics(y_test, fitted.probability_bad(test), fitted.scores(test))
    metrics |= {
        "train_rows": int(len(train)),
        "test_rows": int(len(test)),
        "bad_rate": round(float(y.mean()), 4),
        "information_value": {
            name: round(float(fitted.binning.get_binned_variable(name).binning_table.iv), 4)
            for name in fitted.variables
        },
        "scale": {"base_score": BASE_SCORE, "base_odds": BASE_ODDS, "pdo": PDO},
        "target": target,
    }
    document = points_table(
        fitted,
        code=code,
        title=title,
        reference=reference,
        valid_from=valid_from,
        labels=labels,
        reasons=reasons,
        values=values,
    )
    cases = held_out_worked_cases(fitted, document, test, booleans=booleans or ())
    return TrainingResult(fitted, document, metrics, cases)


def cross_validated_auc(
    frame: pd.DataFrame, *, target: str, folds: int = 5, seed: int = 0, bad_value: Any = None
) -> list[float]:
    """Held-out AUC of each fold of a stratified ``folds``-fold cross-validation."""
    y = target_vector(frame[target], bad_value=bad_value)
    variables = informative(frame, [c for c in frame.columns if c != target])
    categorical = variable_kinds(frame, variables)
    aucs = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_index, test_index in splitter.split(frame, y):
        train, test = frame.iloc[train_index], frame.iloc[test_index]
        fitted = scorecard_fit(train, y[train_index], variables=variables, categorical=categorical)
        aucs.append(float(roc_auc_score(y[test_index], fitted.probability_bad(test))))
    return aucs


def to_polars(frame: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> pl.DataFrame:
    """``columns`` of a pandas frame as a polars frame (without pyarrow: through lists)."""
    return pl.DataFrame(
        {c: [None if pd.isna(v) else _plain(v) for v in frame[c].tolist()] for c in columns}
    )
