"""What needs attention in a customer table before cleaning, each finding with a suggested recipe step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.clean._recipe import Step
from core.clean._steps import Context, duplicated_rows, numeric_behaviour_columns
from core.schema import id_column as find_id_column

SKEW_LIMIT = 1.0  # |skew| above this suggests a transform
CORRELATION_LIMIT = 0.9  # |r| above this marks a redundant pair
NEAR_CONSTANT_SHARE = 0.95  # one value on this share of rows or more
MOSTLY_MISSING_SHARE = 0.5  # above this, dropping the column beats filling it
COUNT_SAMPLE_ROWS = 200_000  # distinct values and the top value's share are counted on a seeded sample this size


@dataclass(frozen=True)
class Finding:
    """One thing worth a look: where, what, and the step that would deal with it (``None`` = just a note)."""

    column: str
    finding: str
    suggestion: str
    step: Step | None


@dataclass(frozen=True)
class Diagnosis:
    """Per-column statistics, correlated pairs, duplicate counts and the findings drawn from them.

    Attributes
    ----------
    columns : pandas.DataFrame
        ``column, role, missing, missing_share, skew, outliers, unique, constant, near_constant`` per column
        (``unique`` and the constancy flags come from a seeded sample of 200,000 rows on bigger tables).
    correlation : pandas.DataFrame
        Pearson correlation of the numeric behaviour columns (square, column names on both axes).
    correlated : pandas.DataFrame
        ``column_a, column_b, r`` for pairs with ``|r| > 0.9``, strongest first.
    duplicate_rows, duplicate_ids, feature_duplicates : int
        Exact duplicate rows; ids on more than one row; rows sharing all features with another id.
    findings : tuple of Finding
    """

    columns: pd.DataFrame
    correlation: pd.DataFrame
    correlated: pd.DataFrame
    duplicate_rows: int
    duplicate_ids: int
    feature_duplicates: int
    findings: tuple[Finding, ...]

    def findings_table(self) -> pd.DataFrame:
        """Return the findings as a frame: ``column, finding, suggestion``."""
        rows = [{"column": f.column, "finding": f.finding, "suggestion": f.suggestion} for f in self.findings]
        return pd.DataFrame(rows, columns=["column", "finding", "suggestion"])


def _column_stats(frame: pd.DataFrame, roles: Mapping[str, str], numeric: list[str]) -> pd.DataFrame:
    missing = frame.isna().sum()
    values = frame[numeric].astype("float64").replace([np.inf, -np.inf], np.nan)
    skew = values.skew()
    q1, q3 = values.quantile(0.25), values.quantile(0.75)
    spread = q3 - q1
    outliers = (values.lt(q1 - 1.5 * spread) | values.gt(q3 + 1.5 * spread)).sum()
    sample = frame if len(frame) <= COUNT_SAMPLE_ROWS else frame.sample(COUNT_SAMPLE_ROWS, random_state=0)
    rows = []
    for column in frame.columns:
        counts = sample[column].value_counts(dropna=True)
        top_share = float(counts.iloc[0] / counts.sum()) if len(counts) else 1.0
        rows.append(
            {
                "column": str(column),
                "role": roles.get(column, "feature"),
                "missing": int(missing[column]),
                "missing_share": float(missing[column] / len(frame)) if len(frame) else 0.0,
                "skew": float(skew[column]) if column in numeric else np.nan,
                "outliers": int(outliers[column]) if column in numeric else 0,
                "unique": len(counts),
                "constant": len(counts) <= 1,
                "near_constant": len(counts) > 1 and top_share >= NEAR_CONSTANT_SHARE,
            }
        )
    return pd.DataFrame(rows)


def _correlated(correlation: pd.DataFrame) -> pd.DataFrame:
    names = list(correlation.columns)
    values = correlation.to_numpy()
    upper = np.triu(np.abs(np.nan_to_num(values)) > CORRELATION_LIMIT, k=1)
    pairs = [(names[i], names[j], float(values[i, j])) for i, j in zip(*np.nonzero(upper), strict=True)]
    table = pd.DataFrame(pairs, columns=["column_a", "column_b", "r"])
    return table.sort_values("r", key=np.abs, ascending=False, kind="stable").reset_index(drop=True)


def _column_findings(stats: pd.DataFrame, numeric: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    for row in stats.itertuples(index=False):
        column = row.column
        if row.missing and row.missing_share > MOSTLY_MISSING_SHARE:
            findings.append(
                Finding(
                    column,
                    f"{row.missing:,} missing ({row.missing_share:.0%})",
                    "drop the column",
                    Step("drop_columns", {"columns": [column]}),
                )
            )
        elif row.missing:
            findings.append(
                Finding(
                    column,
                    f"{row.missing:,} missing ({row.missing_share:.1%})",
                    "fill with the median",
                    Step("impute", {"method": "median", "columns": [column]}),
                )
            )
        if column not in numeric:
            continue
        if row.constant:
            findings.append(
                Finding(
                    column, "constant", "not used as a feature (drop it)", Step("drop_columns", {"columns": [column]})
                )
            )
        elif row.near_constant:
            findings.append(
                Finding(
                    column,
                    f"nearly constant (one value on ≥{NEAR_CONSTANT_SHARE:.0%} of rows)",
                    "consider dropping it",
                    Step("drop_columns", {"columns": [column]}),
                )
            )
        if row.unique <= 2:  # a yes/no flag (FLAG_EMAIL): neither skewed nor outlying, whatever its shares
            continue
        if row.skew > SKEW_LIMIT:
            findings.append(
                Finding(
                    column,
                    f"right-skewed (skew {row.skew:.1f})",
                    "log1p (Yeo-Johnson if negative)",
                    Step("transform", {"method": "auto", "columns": [column]}),
                )
            )
        if row.outliers:
            findings.append(
                Finding(
                    column,
                    f"{row.outliers:,} outliers beyond the IQR fences",
                    "cap at the 1st / 99th percentile",
                    Step("outliers", {"columns": [column], "detect": "percentile", "action": "cap"}),
                )
            )
    return findings


def diagnose(frame: pd.DataFrame, roles: Mapping[str, str]) -> Diagnosis:
    """Find what needs attention: gaps, skew, outliers, (near-)constant columns, correlated pairs, duplicates.

    Parameters
    ----------
    frame : pandas.DataFrame
        A customer table, one row per customer. Not modified.
    roles : mapping
        Column -> role; ids, labels and non-numeric columns are not checked for skew or outliers.

    Returns
    -------
    Diagnosis

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "b", "c"], "x": [1.0, None, 3.0], "k": [5, 5, 5]})
    >>> [f.finding for f in diagnose(df, {"id": "id", "x": "feature", "k": "feature"}).findings]
    ['1 missing (33.3%)', 'constant']
    """
    present = {c: r for c, r in roles.items() if c in frame.columns}
    id_column = find_id_column(present)
    numeric = numeric_behaviour_columns(frame, Context(id_column, present))
    stats = _column_stats(frame, present, numeric)
    correlation = frame[numeric].astype("float64").corr()
    correlated = _correlated(correlation)
    duplicate_rows = int(duplicated_rows(frame).sum())
    duplicate_ids = int(duplicated_rows(frame, [id_column], keep=False).sum()) if id_column else 0
    feature_duplicates = 0
    if id_column and numeric:
        same = frame.loc[duplicated_rows(frame, numeric, keep=False)]
        feature_duplicates = int((~same.duplicated(subset=[*numeric, id_column], keep=False)).sum())
    findings = _column_findings(stats, numeric)
    for row in correlated.itertuples(index=False):
        findings.append(
            Finding(
                f"{row.column_a} / {row.column_b}",
                f"highly correlated (r = {row.r:.2f})",
                f"keep one; e.g. drop {row.column_b}",
                Step("drop_columns", {"columns": [row.column_b]}),
            )
        )
    if duplicate_rows:
        findings.append(
            Finding("(all)", f"{duplicate_rows:,} exact duplicate rows", "drop them", Step("drop_duplicate_rows"))
        )
    if duplicate_ids:
        findings.append(
            Finding(
                str(id_column),
                f"{duplicate_ids:,} rows share an id with another row",
                "keep the first row per id",
                Step("duplicate_ids", {"keep": "first"}),
            )
        )
    if feature_duplicates:
        findings.append(
            Finding(
                "(features)",
                f"{feature_duplicates:,} rows have identical features but different ids",
                "different customers: kept (reported only)",
                Step("feature_duplicates"),
            )
        )
    return Diagnosis(stats, correlation, correlated, duplicate_rows, duplicate_ids, feature_duplicates, tuple(findings))
