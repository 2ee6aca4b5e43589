"""Per-segment statistics: sizes, means, medians, an index against the portfolio, z-scores, tests, plain words.

Categorical features are profiled by their levels: each level's share in a segment against its share in the
portfolio (an index, 100 = as common as overall), a chi-square test and Cramér's V per feature, and the most
over-represented levels in words ("72% F (gender) vs 53% overall").

Everything is computed in the table's original units (the clean table, not the scaled matrix), so the numbers
read like the bank's own reports. Noise / unassigned customers (label ``-1``) are profiled as a group of their
own. The words used for each feature ("spends 4.2x the average on one-off purchases") come from
``core/data/feature_words.csv``, matched on the column's normalised name, so a new bank layout needs a line
of data, not code.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from core.clean import MAX_LEVELS, as_levels
from core.errors import DataError
from core.names import snake_name

_WORDS_CSV = Path(__file__).with_name("data") / "feature_words.csv"
_DEFAULT_TEMPLATE = "has a {label} {comparison}"
_UNKNOWN_TEMPLATE = "is {comparison} on {label}"  # "is 51% below average on avg open to buy"
_BRACKETED_SUFFIX = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")  # "(k$)", "(1-100)", "[EUR]" after a name
_CODE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_?[0-9]+")  # an upper-case code ending in a number: PAY_0, BILL_AMT1
MAX_HIGHLIGHTS = 3
MIN_HIGHLIGHT_Z = 0.3
MAX_LEVEL_HIGHLIGHTS = 2
MIN_LEVEL_SHARE = 0.10  # a level must cover at least this share of the segment to be mentioned
MIN_LEVEL_LIFT = 0.05  # ... and be at least this many points above its share in the portfolio
# Above this many customers the per-feature tests (ANOVA, Kruskal-Wallis, eta squared) run on a seeded sample of
# this many: Kruskal-Wallis ranks every column (most of the 16 s profiles took at 1,000,000 customers), and at
# that size any real difference is significant on the sample too. Sizes, means, medians and indexes use everyone.
TEST_SAMPLE = 100_000


LEVEL_COLUMNS = ["feature", "level", "segment", "customers", "share", "portfolio_share", "index"]
CATEGORY_TEST_COLUMNS = ["chi2", "chi2_p", "dof", "cramers_v"]


@dataclass(frozen=True)
class SegmentProfiles:
    """What distinguishes each segment, in the table's original units.

    Attributes
    ----------
    sizes : pandas.DataFrame
        Columns ``segment`` (int), ``size`` (int), ``share`` (0..1); one row per segment, ids ascending
        (``-1`` noise first when present).
    means, medians : pandas.DataFrame
        Segments (index ``segment``) x features, original units.
    index : pandas.DataFrame
        Segment mean / portfolio mean x 100 (100 = average); NaN where the portfolio mean is 0.
    zscores : pandas.DataFrame
        (Segment mean - portfolio mean) / portfolio standard deviation; 0 for constant features.
    tests : pandas.DataFrame
        Index ``feature``; columns ``anova_f, anova_p, kruskal_h, kruskal_p, eta_squared``, sorted by
        ``eta_squared`` descending (the most distinguishing feature first).
    highlights : dict[int, list[str]]
        Segment id -> up to three plain-word sentences about its most unusual features.
    overall_mean, overall_std : pandas.Series
        Portfolio mean and standard deviation per feature.
    levels : pandas.DataFrame
        One row per categorical feature, level and segment: ``feature, level, segment, customers, share``
        (of the segment), ``portfolio_share``, ``index`` (share / portfolio share x 100). Empty without
        categorical features.
    category_tests : pandas.DataFrame
        Index ``feature``; columns ``chi2, chi2_p, dof, cramers_v`` (segment x level table), sorted by
        ``cramers_v`` descending.
    category_highlights : dict[int, list[str]]
        Segment id -> the most over-represented levels in words; also appended to ``highlights``.
    test_rows : int or None
        Customers the per-feature tests were computed on when that was a seeded sample (tables above
        :data:`TEST_SAMPLE`); ``None`` when they used everyone.
    notes : tuple of str
        Sentences for the page about how the profiles were computed (the tests' sample).
    """

    sizes: pd.DataFrame
    means: pd.DataFrame
    medians: pd.DataFrame
    index: pd.DataFrame
    zscores: pd.DataFrame
    tests: pd.DataFrame
    highlights: dict[int, list[str]] = field(default_factory=dict)
    overall_mean: pd.Series | None = None
    overall_std: pd.Series | None = None
    levels: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LEVEL_COLUMNS))
    category_tests: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CATEGORY_TEST_COLUMNS))
    category_highlights: dict[int, list[str]] = field(default_factory=dict)
    test_rows: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def features(self) -> list[str]:
        """The profiled numeric features, in the table's order."""
        return list(self.means.columns)

    @property
    def categorical_features(self) -> list[str]:
        """The profiled categorical features, in the table's order."""
        return list(dict.fromkeys(self.levels["feature"]))

    @property
    def segments(self) -> list[int]:
        """The segment ids, ascending."""
        return [int(s) for s in self.sizes["segment"]]


@dataclass(frozen=True)
class FeatureWords:
    """How one feature is spoken about: a short label and a sentence template with ``{comparison}``."""

    label: str
    template: str


def normalise_name(name: object) -> str:
    """Lower-case a column name, other characters as ``_`` (``Avg Credit-Limit`` -> ``avg_credit_limit``)."""
    return snake_name(name)


@cache
def _word_rules() -> tuple[tuple[re.Pattern[str], FeatureWords], ...]:
    table = pd.read_csv(_WORDS_CSV, dtype="string", keep_default_na=False)
    rules = []
    for pattern, label, template in table[["pattern", "label", "template"]].itertuples(index=False):
        rules.append((re.compile(f"(?:{pattern})"), FeatureWords(str(label), str(template) or _DEFAULT_TEMPLATE)))
    return tuple(rules)


def feature_words(feature: str) -> FeatureWords:
    """Return the label and sentence template for a feature (a humanised name when the data has no line for it).

    Examples
    --------
    >>> feature_words("ONEOFF_PURCHASES").label
    'one-off purchases'
    >>> feature_words("Weird Column").label
    'weird column'

    A unit or range in brackets is left out of the words, and a code that is not made of words is kept as
    written (``pay 0`` would say less than ``PAY_0``):

    >>> feature_words("Spending Score (1-100)").label, feature_words("PAY_0").label
    ('spending score', 'PAY_0')
    """
    key = normalise_name(feature)
    bare = _BRACKETED_SUFFIX.sub("", str(feature)).strip() or str(feature)
    for pattern, words in _word_rules():
        if pattern.fullmatch(key) or pattern.fullmatch(normalise_name(bare)):
            return words
    if _CODE.fullmatch(bare):
        return FeatureWords(bare, _UNKNOWN_TEMPLATE)
    return FeatureWords(normalise_name(bare).replace("_", " "), _UNKNOWN_TEMPLATE)


def comparison_words(index_value: float, zscore: float) -> str:
    """Words for how a segment compares with the portfolio: ``4.2x the average``, ``35% below average``.

    The index (segment mean / portfolio mean x 100) is used when it is meaningful (finite and positive);
    otherwise the z-score gives ``well above average`` and the like.

    Examples
    --------
    >>> comparison_words(420.0, 2.0)
    '4.2x the average'
    >>> comparison_words(65.0, -0.5)
    '35% below average'
    >>> comparison_words(float("nan"), 1.4)
    'well above average'
    """
    if np.isfinite(index_value) and index_value >= 0:
        ratio = index_value / 100
        if ratio >= 1.5:
            return f"{ratio:.1f}x the average"
        if ratio >= 1:
            return f"{round((ratio - 1) * 100)}% above average"
        return f"{round((1 - ratio) * 100)}% below average"
    if zscore >= 1:
        return "well above average"
    if zscore >= 0:
        return "above average"
    if zscore > -1:
        return "below average"
    return "well below average"


def describe_feature(feature: str, index_value: float, zscore: float) -> str:
    """One plain-word phrase for a segment's feature, e.g. ``spends 4.2x the average on one-off purchases``."""
    words = feature_words(feature)
    phrase = re.sub(r"\ba (?=[aeiou])(?!one|uni|use|usu)", "an ", words.template.replace("{label}", words.label))
    return phrase.format(comparison=comparison_words(index_value, zscore))


def _checked_inputs(table: pd.DataFrame, labels: Sequence[int] | np.ndarray, features: Sequence[str]) -> np.ndarray:
    labels_array = np.asarray(labels)
    if len(labels_array) != len(table):
        raise DataError(
            f"The segment labels ({len(labels_array):,}) do not match the table's rows ({len(table):,}): "
            "segment the current table again."
        )
    if len(table) == 0:
        raise DataError("The table has no rows to profile: load and clean a table with customers first.")
    missing = [f for f in features if f not in table.columns]
    if missing:
        raise DataError(f"These features are not in the table: {', '.join(map(str, missing))}. Clean the data again.")
    if not features:
        raise DataError("No features to profile: choose at least one numeric feature on the Clean page.")
    return labels_array.astype("int64")


def _tests(values: np.ndarray, codes: np.ndarray, n_groups: int, features: list[str]) -> pd.DataFrame:
    """ANOVA F, Kruskal-Wallis H (scipy, vectorised over features) and eta squared per feature."""
    columns = ["anova_f", "anova_p", "kruskal_h", "kruskal_p", "eta_squared"]
    result = pd.DataFrame(np.nan, index=pd.Index(features, name="feature"), columns=columns)
    if n_groups < 2:
        return result
    complete = ~np.isnan(values).any(axis=0)
    for columns_mask in (complete, ~complete):
        positions = np.flatnonzero(columns_mask)
        if positions.size == 0:
            continue
        if columns_mask is complete:
            blocks = [(positions, np.ones(len(values), dtype=bool))]
        else:
            blocks = [(np.array([p]), ~np.isnan(values[:, p])) for p in positions]
        for cols, rows in blocks:
            sub, sub_codes = values[rows][:, cols], codes[rows]
            groups = [sub[sub_codes == g] for g in range(n_groups)]
            groups = [g for g in groups if len(g)]
            if len(groups) < 2:
                continue
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                anova = stats.f_oneway(*groups, axis=0)
                kruskal = stats.kruskal(*groups, axis=0)
            grand = sub.mean(axis=0)
            total_ss = ((sub - grand) ** 2).sum(axis=0)
            between_ss = sum(len(g) * (g.mean(axis=0) - grand) ** 2 for g in groups)
            with np.errstate(all="ignore"):
                eta = np.where(total_ss > 0, between_ss / total_ss, np.nan)
            names = [features[c] for c in cols]
            result.loc[names, "anova_f"] = np.atleast_1d(anova.statistic)
            result.loc[names, "anova_p"] = np.atleast_1d(anova.pvalue)
            result.loc[names, "kruskal_h"] = np.atleast_1d(kruskal.statistic)
            result.loc[names, "kruskal_p"] = np.atleast_1d(kruskal.pvalue)
            result.loc[names, "eta_squared"] = eta
    return result.sort_values("eta_squared", ascending=False, kind="stable")


def highlight_sentences(
    index: pd.DataFrame, zscores: pd.DataFrame, *, limit: int = MAX_HIGHLIGHTS, min_z: float = MIN_HIGHLIGHT_Z
) -> dict[int, list[str]]:
    """Plain words for each segment's most unusual features (largest absolute z-score first)."""
    highlights: dict[int, list[str]] = {}
    for segment in zscores.index:
        row = zscores.loc[segment].dropna()
        order = row.abs().sort_values(ascending=False, kind="stable")
        chosen = [f for f in order.index if abs(row[f]) >= min_z][:limit]
        highlights[int(segment)] = [describe_feature(f, float(index.loc[segment, f]), float(row[f])) for f in chosen]
    return highlights


def _category_stats(
    table: pd.DataFrame, codes: np.ndarray, segments: np.ndarray, categorical: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Level shares per segment against the portfolio, and chi-square / Cramér's V per categorical feature."""
    frames, tests = [], {}
    for feature in categorical:
        levels = as_levels(table[feature]).to_numpy()
        counts = pd.crosstab(pd.Series(segments[codes], name="segment"), pd.Series(levels, name="level"))
        share = counts.div(counts.sum(axis=1), axis=0)
        portfolio = counts.sum(axis=0) / counts.to_numpy().sum()
        long = counts.reset_index().melt(id_vars="segment", var_name="level", value_name="customers")
        long["share"] = share.reset_index().melt(id_vars="segment", value_name="share")["share"].to_numpy()
        long = long.sort_values(["segment", "level"], kind="stable", ignore_index=True)
        long["portfolio_share"] = long["level"].map(portfolio).to_numpy()
        long["index"] = long["share"] / long["portfolio_share"] * 100
        long.insert(0, "feature", feature)
        frames.append(long)
        observed = counts.to_numpy()
        if min(observed.shape) < 2:
            tests[feature] = (np.nan, np.nan, 0, np.nan)
            continue
        chi2, p_value, dof, _ = stats.chi2_contingency(observed, correction=False)
        cramers_v = stats.contingency.association(observed, method="cramer", correction=False)
        tests[feature] = (float(chi2), float(p_value), int(dof), float(cramers_v))
    levels = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=LEVEL_COLUMNS)
    levels = levels[LEVEL_COLUMNS].astype({"segment": "int64", "customers": "int64"})
    category_tests = pd.DataFrame.from_dict(tests, orient="index", columns=CATEGORY_TEST_COLUMNS)
    category_tests.index.name = "feature"
    return levels, category_tests.sort_values("cramers_v", ascending=False, kind="stable")


def level_words(feature: str, level: str, share: float, portfolio_share: float) -> str:
    """Words for a level's share in a segment against the portfolio.

    Examples
    --------
    >>> level_words("Gender", "F", 0.72, 0.53)
    '72% F (gender) vs 53% overall'
    """
    return f"{share:.0%} {level} ({feature_words(feature).label}) vs {portfolio_share:.0%} overall"


def level_highlights(
    levels: pd.DataFrame, *, limit: int = MAX_LEVEL_HIGHLIGHTS, min_share: float = MIN_LEVEL_SHARE
) -> dict[int, list[str]]:
    """Each segment's most over-represented levels in words (largest lift in percentage points first)."""
    out: dict[int, list[str]] = {}
    if levels.empty:
        return out
    lift = levels["share"] - levels["portfolio_share"]
    candidates = levels[(levels["share"] >= min_share) & (lift >= MIN_LEVEL_LIFT)].assign(lift=lift)
    for segment in sorted(levels["segment"].unique()):
        rows = candidates[candidates["segment"] == segment].sort_values("lift", ascending=False, kind="stable")
        rows = rows.drop_duplicates("feature").head(limit)
        out[int(segment)] = [
            level_words(r.feature, str(r.level), r.share, r.portfolio_share) for r in rows.itertuples(index=False)
        ]
    return out


def _looks_categorical(values: pd.Series) -> bool:
    """Text or true/false with a few repeated levels; a different value for every customer is an identifier."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return False
    levels = values.nunique(dropna=False)
    return levels <= MAX_LEVELS and levels < len(values)


def profile_segments(
    table: pd.DataFrame,
    labels: Sequence[int] | np.ndarray,
    features: Sequence[str],
    *,
    categorical: Sequence[str] | None = None,
    test_sample: int = TEST_SAMPLE,
    random_state: int = 0,
) -> SegmentProfiles:
    """Profile every segment against the whole portfolio.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer, in original units (``CleanResult.table``); must hold every column in
        ``features``. Not modified.
    labels : array-like of int
        Segment id per row of ``table`` (same order); ``-1`` is noise and is profiled as its own group.
    features : sequence of str
        The columns to profile.
    categorical : sequence of str, optional
        Which of ``features`` are categories (``CleanResult.fitted.categorical``, so integer-coded categories
        count); by default the text and true/false ones with at most 50 levels, some repeated.
    test_sample : int
        Above this many customers the ANOVA, Kruskal-Wallis and eta squared of each numeric feature are
        computed on a seeded sample of this many (``test_rows`` and ``notes`` say so); everything else
        uses every customer.
    random_state : int
        Seed of that sample.

    Returns
    -------
    SegmentProfiles

    Raises
    ------
    DataError
        When labels and rows differ in number, a feature is missing, or the table is empty.

    Examples
    --------
    >>> frame = pd.DataFrame({"spend": [1.0, 3.0, 10.0, 14.0]})
    >>> profiles = profile_segments(frame, [0, 0, 1, 1], ["spend"])
    >>> profiles.means["spend"].tolist(), profiles.index["spend"].round(1).tolist()
    ([2.0, 12.0], [28.6, 171.4])
    """
    features = list(features)
    labels_array = _checked_inputs(table, labels, features)
    if categorical is None:
        categorical = [f for f in features if _looks_categorical(table[f])]
    categorical = [f for f in features if f in set(categorical)]
    numeric = [f for f in features if f not in categorical]
    try:
        values = table[numeric].apply(pd.to_numeric, errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise DataError(f"Only numeric features can be profiled ({error}). Mark text columns as categories.") from None
    segments, codes = np.unique(labels_array, return_inverse=True)
    frame = pd.DataFrame(values, columns=numeric)
    grouped = frame.groupby(codes, sort=True)
    segment_index = pd.Index(segments.astype("int64"), name="segment")
    means = grouped.mean().reindex(range(len(segments))).set_axis(segment_index, axis=0)
    medians = grouped.median().reindex(range(len(segments))).set_axis(segment_index, axis=0)
    counts = np.bincount(codes, minlength=len(segments))
    sizes = pd.DataFrame({"segment": segments.astype("int64"), "size": counts.astype("int64")})
    sizes["share"] = sizes["size"] / counts.sum()
    overall_mean = frame.mean()
    overall_std = frame.std(ddof=0)
    with np.errstate(all="ignore"):
        index = means.div(overall_mean.where(overall_mean > 0)).mul(100)
        zscores = means.sub(overall_mean).div(overall_std.where(overall_std > 0)).fillna(0.0)
    test_rows, notes = None, ()
    if len(values) > test_sample:
        rows = np.sort(np.random.default_rng(random_state).choice(len(values), size=test_sample, replace=False))
        tests = _tests(values[rows], codes[rows], len(segments), numeric)
        test_rows = test_sample
        notes = (
            f"The ANOVA and Kruskal-Wallis tests and eta squared were computed on a seeded sample of "
            f"{test_sample:,} of the {len(values):,} customers (at this size any real difference shows on the "
            "sample too); sizes, means, medians and indexes use every customer.",
        )
    else:
        tests = _tests(values, codes, len(segments), numeric)
    levels, category_tests = _category_stats(table, codes, segments, categorical)
    category_highlights = level_highlights(levels)
    highlights = highlight_sentences(index, zscores)
    for segment, sentences in category_highlights.items():
        highlights[segment] = [*highlights.get(segment, []), *sentences]
    return SegmentProfiles(
        sizes=sizes,
        means=means,
        medians=medians,
        index=index,
        zscores=zscores,
        tests=tests,
        highlights=highlights,
        overall_mean=overall_mean,
        overall_std=overall_std,
        levels=levels,
        category_tests=category_tests,
        category_highlights=category_highlights,
        test_rows=test_rows,
        notes=notes,
    )


def distinguishing_levels(profiles: SegmentProfiles, segment: int, *, limit: int = 5) -> pd.DataFrame:
    """Return the category levels most over-represented in one segment, with words and the feature's tests.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature, level, share, portfolio_share, index, words, chi2, chi2_p, dof, cramers_v``,
        largest lift (share minus portfolio share) first; empty without categorical features.
    """
    rows = profiles.levels[profiles.levels["segment"] == segment]
    rows = rows.assign(lift=rows["share"] - rows["portfolio_share"]).sort_values("lift", ascending=False)
    rows = rows.head(limit).drop(columns=["segment", "customers", "lift"]).reset_index(drop=True)
    rows["words"] = [
        level_words(f, str(lv), s, p)
        for f, lv, s, p in zip(rows["feature"], rows["level"], rows["share"], rows["portfolio_share"], strict=True)
    ]
    return rows.join(profiles.category_tests, on="feature")


def distinguishing_features(profiles: SegmentProfiles, segment: int, *, limit: int = 5) -> pd.DataFrame:
    """Return the features that most set one segment apart, with the tests and plain words.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature, segment_mean, portfolio_mean, index, zscore, words, anova_f, anova_p, kruskal_h,
        kruskal_p, eta_squared``, largest absolute z-score first.
    """
    z = profiles.zscores.loc[segment]
    order = z.abs().sort_values(ascending=False, kind="stable").index[:limit]
    rows = pd.DataFrame(
        {
            "feature": pd.Series(list(order), dtype="object"),  # object even when empty (categories only)
            "segment_mean": profiles.means.loc[segment, order].to_numpy(),
            "portfolio_mean": profiles.overall_mean[order].to_numpy() if profiles.overall_mean is not None else np.nan,
            "index": profiles.index.loc[segment, order].to_numpy(),
            "zscore": z[order].to_numpy(),
        }
    )
    rows["words"] = [
        describe_feature(f, float(i), float(s))
        for f, i, s in zip(rows["feature"], rows["index"], rows["zscore"], strict=True)
    ]
    return rows.join(profiles.tests, on="feature")
