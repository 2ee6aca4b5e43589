"""Rule-based offer scores for every customer and every segment: the prior that feedback then updates.

An eligible customer's score is ``base_rate x (0.5 + fit)``, where ``fit`` (0..1) is the customer's average
percentile on the offer's fit features (``+`` high is good, ``-`` low is good), so scores run from half to
one and a half times the base rate. Customers who fail the eligibility rule or meet a guardrail get no score.
A segment's prior for an offer is the mean score of its eligible members, and its reason is the offer's
template filled with those members' medians.
"""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import DataError
from core.recommend import _catalogue as offers
from core.recommend._campaign import key_text

__all__ = ["MIN_ELIGIBLE_SHARE", "OfferScores", "reason_codes", "reasons_for", "score_customers"]

MIN_ELIGIBLE_SHARE = 0.01  # under this share of a segment qualifying, an offer is "few qualify" and not ranked first


@dataclass(frozen=True)
class OfferScores:
    """Everything about a customer table that does not change with feedback (compute once, cache).

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per customer (the table's index), one float column per ``offer_id``; NaN = not eligible.
    features : pandas.DataFrame
        :func:`core.recommend._catalogue.feature_frame` of the table (for reasons).
    catalogue : pandas.DataFrame
        The validated catalogue the scores come from.
    labels : numpy.ndarray
        Segment per customer (int64).
    customer_ids : numpy.ndarray
        Customer key per customer, as text (:func:`core.recommend._campaign.customer_keys`).
    segments : pandas.DataFrame
        One row per (segment, offer) with at least one eligible member: ``segment, offer_id,
        eligible_share, prior, reason``.
    reach : pandas.DataFrame
        One row per offer of the catalogue: ``offer_id, offer, rule_met, withheld, eligible, eligible_share,
        note``: customers meeting the eligibility rule, those of them a guardrail withholds it from, the
        customers left and their share of the table; ``note`` says when nobody, or under 1%, qualifies.
    """

    scores: pd.DataFrame
    features: pd.DataFrame
    catalogue: pd.DataFrame
    labels: np.ndarray
    customer_ids: np.ndarray
    segments: pd.DataFrame
    reach: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    # customer_ids as the text column pandas makes of them, for top_offers_table (converting a million Python strings
    # back to text took a tenth of a second); None when built elsewhere
    id_text: pd.api.extensions.ExtensionArray | None = dataclasses.field(default=None, repr=False, compare=False)


def score_customers(
    table: pd.DataFrame,
    labels: np.ndarray,
    *,
    id_column: str | None = None,
    catalogue: pd.DataFrame | None = None,
) -> OfferScores:
    """Score every customer and segment for every offer from the catalogue's rules, guardrails and fit.

    Parameters
    ----------
    table : pandas.DataFrame
        Customers in original units (``CleanResult.table``): numeric behaviour columns; the engineered
        ratios (utilisation, payment_ratio, ...) are computed when absent.
    labels : array of int
        Segment per row of ``table`` (``-1`` = noise).
    id_column : str, optional
        Column holding the customer id (the row index is used when ``None``).
    catalogue : pandas.DataFrame, optional
        An offer catalogue (:func:`core.recommend.validate_catalogue`); the default catalogue when ``None``.

    Returns
    -------
    OfferScores

    Raises
    ------
    DataError
        When the labels do not match the table, or the catalogue is invalid.
    """
    labels = np.asarray(labels).astype("int64")
    if len(labels) != len(table):
        raise DataError("The segment labels do not match the customer table; segment the customers again.")
    if id_column is not None and id_column not in table.columns:
        raise DataError(f"The customer table has no id column {id_column!r}; check the column roles.")
    catalogue = offers.load_catalogue() if catalogue is None else offers.validate_catalogue(catalogue)
    features = offers.feature_frame(table)
    percentiles: dict[str, np.ndarray] = {}
    block = np.empty((len(catalogue), len(table)))  # one offer per row: the frame below is a view, not a copy
    reach = []
    for at, row in enumerate(catalogue.itertuples(index=False)):
        eligible = offers.evaluate_rule(
            offers.parse_rule(row.eligible_if), features, missing_means=False, empty_means=True
        )
        excluded = offers.evaluate_rule(
            offers.parse_rule(row.excluded_if), features, missing_means=True, empty_means=False
        )
        parts = []
        for feature, sign in offers.parse_fit(row.fit_features):
            if feature not in features.columns:
                continue
            if feature not in percentiles:
                percentiles[feature] = _percentiles(features[feature].to_numpy("float64"), missing=0.5)
            parts.append((percentiles[feature], sign))
        fit = _mean_fit(parts, len(features))
        score = np.clip(row.base_rate * (0.5 + fit), 0.0, 1.0)
        block[at] = np.where(eligible & ~excluded, score, np.nan)
        reach.append((row.offer_id, row.name, int(eligible.sum()), int((eligible & excluded).sum())))
    scores = pd.DataFrame(block.T, index=table.index, columns=list(catalogue["offer_id"]), copy=False)
    ids = table[id_column] if id_column is not None else pd.Series(table.index, index=table.index)
    features = features.set_axis(table.index)
    segments = _segment_priors(scores, features, labels, catalogue)
    keys = key_text(ids)
    return OfferScores(
        scores,
        features,
        catalogue,
        labels,
        keys.to_numpy(dtype=object),
        segments,
        _reach(reach, len(table)),
        keys.array,
    )


def _mean_fit(parts: list[tuple[np.ndarray, int]], n: int) -> np.ndarray:
    """Return ``np.mean`` of the percentiles (``1 - p`` for a ``-`` feature) without stacking them into a matrix.

    ``np.mean(parts, axis=0)`` adds the rows in order and divides by their number; so does this, value for value.
    """
    if not parts:
        return np.full(n, 0.5)
    first, sign = parts[0]
    total = first.copy() if sign > 0 else 1 - first
    for values, sign in parts[1:]:
        if sign > 0:
            total += values
        else:
            total += 1 - values
    total /= len(parts)
    return total


def _percentiles(values: np.ndarray, *, missing: float = np.nan) -> np.ndarray:
    """Return ``pandas.Series.rank(pct=True)`` of the values (ties share their average rank, NaN gets ``missing``).

    Features with few distinct values (frequencies, tenure, counts) are ranked per distinct value, found by
    hashing; the others by one sort. Both give the same numbers as pandas (all divide exact integer sums), in a
    fraction of its time on a million customers.

    Examples
    --------
    >>> _percentiles(np.array([3.0, 1.0, np.nan, 3.0, 2.0])).tolist()
    [0.875, 0.25, nan, 0.875, 0.5]
    >>> _percentiles(np.array([3.0, np.nan, 1.0]), missing=0.5).tolist()
    [1.0, 0.5, 0.5]
    """
    valid = ~np.isnan(values)
    if valid.all() and len(values):  # the usual case: no copy of the known values, no scatter back
        ranks = _average_ranks(values + 0.0)  # + 0.0 turns -0.0 into 0.0, which ties with it
        ranks /= len(values)
        return ranks
    out = np.full(len(values), missing)
    known = values[valid] + 0.0
    if len(known):
        out[valid] = _average_ranks(known) / len(known)
    return out


def _average_ranks(known: np.ndarray) -> np.ndarray:
    """Return the rank of each value, from 1, ties sharing their average rank (no NaN in ``known``)."""
    probe = known[:: max(1, len(known) // 1_000)]
    if len(np.unique(probe)) <= len(probe) // 4:  # few distinct values: rank those, then look each row's up
        codes, distinct = pd.factorize(known)
        order = np.argsort(distinct)
        counts = np.bincount(codes, minlength=len(distinct))[order]
        ranks = np.empty(len(distinct))
        ranks[order] = np.cumsum(counts) - counts + (counts + 1) / 2
        return ranks[codes]
    order, ordered = _sorted_order(known)  # tied values share their average rank: their order is irrelevant
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(known)]
    ranks = np.empty(len(known))
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


_SIGN = np.uint64(1 << 63)


def _sorted_order(known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(order, known[order])`` with ``known[order]`` ascending (no NaN; ``-0.0`` already made ``0.0``).

    ``np.argsort`` of a million doubles takes four to six times as long as ``np.sort``, so each value's bits are
    made an unsigned key that sorts as the value does, its lowest bits replaced by the row number, and the keys
    sorted. Values whose keys then tie (they differ only in the bits given to the row number) can come out of
    order: every run of tied keys holding a descent is sorted again by value, so the order is exact.

    Examples
    --------
    >>> order, ordered = _sorted_order(np.array([2.5, -1.0, 1.0 + 2.0**-52, 1.0, 0.0]))
    >>> order.tolist(), ordered.tolist()
    ([1, 4, 3, 2, 0], [-1.0, 0.0, 1.0, 1.0000000000000002, 2.5])
    """
    n = len(known)
    bits = np.uint64(max(1, (n - 1).bit_length()))
    raw = known.view(np.uint64)
    key = np.where(raw >= _SIGN, ~raw, raw | _SIGN)  # negative: every bit flipped; positive: sign bit set
    key >>= bits
    key <<= bits
    key |= np.arange(n, dtype=np.uint64)
    key.sort()
    order = (key & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.intp)
    ordered = known[order]
    descents = np.flatnonzero(ordered[1:] < ordered[:-1])
    if len(descents):
        key >>= bits  # the value's part of each key: runs of equal ones are the places an order may be wrong
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        ends = np.r_[starts[1:], n]
        runs = np.unique(np.searchsorted(starts, descents, side="right") - 1)
        sizes = ends[runs] - starts[runs]
        at = np.repeat(starts[runs] - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
        # the runs lie in value order, so sorting all their members together puts each back in its own run
        members = order[at]
        order[at] = members[np.argsort(known[members], kind="stable")]
        ordered[at] = known[order[at]]
    return order, ordered


def _reach(counts: list[tuple[str, str, int, int]], n: int) -> pd.DataFrame:
    """Per offer: who meets the rule, who a guardrail withholds it from, who is left, and a note when few are."""
    out = pd.DataFrame(counts, columns=["offer_id", "offer", "rule_met", "withheld"])
    out["eligible"] = out["rule_met"] - out["withheld"]
    out["eligible_share"] = out["eligible"] / n if n else np.nan
    notes = np.where(
        out["rule_met"] == 0,
        "its eligibility rule matches nobody in this data",
        np.where(
            out["eligible"] == 0,
            "every customer meeting its rule is withheld by its guardrail",
            np.where(out["eligible_share"] < MIN_ELIGIBLE_SHARE, "few qualify", ""),
        ),
    )
    out["note"] = notes
    return out


def reasons_for(template: str, description: str, values: pd.DataFrame) -> np.ndarray:
    """Fill, per row of ``values``, the first reason alternative whose features all have values.

    Parameters
    ----------
    template : str
        The offer's reason template (alternatives split by ``|``).
    description : str
        Used for rows where no alternative can be filled.
    values : pandas.DataFrame
        Feature values keyed by normalised name (rows of :func:`core.recommend._catalogue.feature_frame`).

    Returns
    -------
    numpy.ndarray of str

    Examples
    --------
    >>> values = pd.DataFrame({"utilisation": [0.82, np.nan]})
    >>> reasons_for("utilisation {utilisation:.0%}", "A higher limit", values).tolist()
    ['utilisation 82%', 'A higher limit']
    """
    codes, texts = reason_codes(template, description, values)
    return texts.take(codes).to_numpy(zero_copy_only=False)


def reason_codes(template: str, description: str, values: pd.DataFrame) -> tuple[np.ndarray, pa.Array]:
    """Return :func:`reasons_for` as ``(codes, texts)``: row ``i``'s reason is ``texts[codes[i]]``.

    Each distinct reason is written once: every placeholder's distinct numbers are formatted once in Python, the
    combinations of them that occur are found by hashing, and Arrow joins those combinations with the template's
    words. A million customers have about a hundred thousand distinct reasons, so no text is built per row; the
    caller takes the texts into row order once (``texts.take(codes)``).

    Examples
    --------
    >>> values = pd.DataFrame({"utilisation": [0.82, np.nan, 0.821]})
    >>> codes, texts = reason_codes("utilisation {utilisation:.0%}", "A higher limit", values)
    >>> codes.tolist(), texts.to_pylist()
    ([0, 1, 0], ['utilisation 82%', 'A higher limit'])
    """
    codes = np.zeros(len(values), dtype=np.int64)
    texts: list[pa.Array] = []
    count = 0
    pending = np.ones(len(values), dtype=bool)
    for fields, text in zip(offers.template_fields(template), template.split("|"), strict=True):
        columns = [offers.normalise(field) for field in fields]
        if any(column not in values.columns for column in columns):
            continue
        matrix = values.loc[:, columns].to_numpy(dtype="float64")
        usable = pending & ~np.isnan(matrix).any(axis=1)
        if usable.any():
            fill_codes, fill_texts = _fill(text.strip(), matrix[usable])
            codes[usable] = fill_codes + count
            texts.append(fill_texts)
            count += len(fill_texts)
        pending &= ~usable
    if pending.any():
        codes[pending] = count
        texts.append(pa.array([description], pa.large_string()))
    return codes, pa.concat_arrays(texts) if texts else pa.array([], pa.large_string())


# Number formats whose text depends only on the value rounded to their decimal places (after the x100 of "%").
_FIXED_POINT = re.compile(r"(,?)\.(\d+)([f%])")


def _formatted(values: np.ndarray, spec: str) -> np.ndarray:
    """Return ``format(value, spec)`` for every value, formatting each distinct text key once.

    For fixed-point specs (``.0f``, ``,.0f``, ``.1f``, ``.0%``, ...) the key is the value rounded as ``format``
    rounds it (half to even on the exact double, after the x100 of ``%``), so a million shares give about a
    hundred distinct texts; other specs format each distinct value. The result equals formatting value by value.

    Examples
    --------
    >>> _formatted(np.array([0.125, 0.135, 1234.5, -0.001]), ".0%").tolist()
    ['12%', '14%', '123450%', '-0%']
    >>> _formatted(np.array([0.15, 0.25, 2.449, -0.01]), ".1f").tolist()
    ['0.1', '0.2', '2.4', '-0.0']
    """
    codes, texts = _text_codes(values, spec)
    return texts[codes]


def _text_codes(values: np.ndarray, spec: str) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(codes, texts)`` with ``texts[codes]`` the values formatted with ``spec`` (see :func:`_formatted`)."""
    exact = ("{:" + (spec or "") + "}").format
    fixed = _FIXED_POINT.fullmatch(spec or "")
    if fixed is None:
        return _distinct_texts(values, exact)
    comma, places, kind = fixed[1], int(fixed[2]), fixed[3]
    base = values * 100 if kind == "%" else values  # format's own x100, in floating point as it does it
    rounded = ("{:" + comma + "." + str(places) + "f}" + ("%" if kind == "%" else "")).format
    if places == 0:  # rint rounds the exact double half to even, as format does
        return _distinct_texts(np.rint(base), rounded, whole=True)
    scale = 10.0**places
    scaled = base * scale
    # Multiplying by 10**places rounds, which can move a value across a half (0.15 is a little under it, 1.5 is not):
    # values that close to a half, and those too large for whole numbers to be exact, are formatted one by one.
    with np.errstate(invalid="ignore"):
        clear = (np.abs(scaled - np.floor(scaled) - 0.5) > np.abs(scaled) * 2.0**-50) & (np.abs(scaled) < 2.0**50)
    if clear.all():
        return _distinct_texts(np.rint(scaled), lambda key: rounded(key / scale), whole=True)
    codes = np.empty(len(values), dtype=np.int64)
    clear_codes, clear_texts = _distinct_texts(np.rint(scaled[clear]), lambda key: rounded(key / scale), whole=True)
    other_codes, other_texts = _distinct_texts(values[~clear], exact)
    codes[clear] = clear_codes
    codes[~clear] = other_codes + len(clear_texts)
    return codes, np.concatenate([clear_texts, other_texts])


def _distinct_texts(
    key: np.ndarray, formatter: Callable[[float], str], *, whole: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(codes, texts)``: ``formatter`` applied once per distinct key, ``texts[codes]`` its value per key.

    ``whole``: the keys are whole numbers (or NaN, or infinite), so that those in a short range can be numbered by
    arithmetic instead of hashing.
    """
    dense = _whole_number_codes(key) if whole else None
    codes, distinct = dense or pd.factorize(key + 0.0, use_na_sentinel=False)  # + 0.0 turns -0.0 into 0.0
    texts = np.array([formatter(x) for x in distinct.tolist()], dtype=object)
    negative_zero = (key == 0) & np.signbit(key)  # format keeps the sign of -0.0 ("-0%")
    if negative_zero.any():
        codes = np.where(negative_zero, len(texts), codes)
        texts = np.append(texts, np.array([formatter(-0.0)], dtype=object))
    return codes, texts


def _whole_number_codes(key: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Return ``pd.factorize`` of whole numbers (up to order) by counting, when they span under 2 x their count + 1,000.

    ``None`` when they span more, are too large for every whole number to be exact, or one is NaN or infinite.

    Examples
    --------
    >>> codes, distinct = _whole_number_codes(np.array([3.0, -1.0, 3.0, -0.0]))
    >>> codes.tolist(), distinct.tolist()
    ([2, 0, 2, 1], [-1.0, 0.0, 3.0])
    """
    if not len(key):
        return None
    low, high = float(key.min()), float(key.max())
    if not (-(2.0**52) < low <= high < 2.0**52 and high - low < 2 * len(key) + 1000):  # False for NaN too
        return None
    codes, present = _dense_codes((key - low).astype(np.int64), int(high - low) + 1)
    return codes, present + low  # exact: whole numbers under 2**52; -0.0 + 0 is 0.0, as factorize(key + 0.0) has it


def _dense_codes(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(codes, present)`` for integer keys in ``0 .. size - 1``: ``present[codes] == key``, by counting."""
    present = np.flatnonzero(np.bincount(key, minlength=size))
    number = np.zeros(size, dtype=np.int64)
    number[present] = np.arange(len(present))
    return number[key], present


def _fill(template: str, matrix: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """Format ``template`` for every row of ``matrix`` (one column per placeholder) as ``(codes, distinct texts)``.

    Each placeholder's distinct texts are formatted once; the combinations of them that occur are numbered by
    hashing, and Arrow joins each combination's texts with the literal words once.
    """
    pieces: list[tuple[np.ndarray, np.ndarray] | str] = []
    key = np.zeros(len(matrix), dtype=np.int64)
    size = 1
    column = 0
    for literal, field, spec, _conversion in string.Formatter().parse(template):
        if literal:
            pieces.append(literal)
        if field is not None:
            codes, texts = _text_codes(matrix[:, column], spec or "")
            pieces.append((codes, texts))
            if size * len(texts) >= 2**62:  # number the combinations so far first: the key stays an int64
                key, distinct = pd.factorize(key)
                size = len(distinct)
            key = key * len(texts) + codes
            size *= len(texts)
            column += 1
    codes, distinct = _dense_codes(key, size) if size < 2 * len(key) + 1000 else pd.factorize(key)
    one_row = np.empty(len(distinct), dtype=np.int64)
    one_row[codes] = np.arange(len(codes))  # a row of each combination (any: they share every placeholder's text)
    joined: list[pa.Array | pa.Scalar] = [
        pa.scalar(piece, pa.large_string())
        if isinstance(piece, str)
        else pa.array(piece[1], pa.large_string()).take(piece[0][one_row])
        for piece in pieces
    ]
    if not any(isinstance(piece, pa.Array) for piece in joined):  # no placeholder: the same text for every row
        text = "".join(piece for piece in pieces if isinstance(piece, str))
        return np.zeros(len(matrix), dtype=np.int64), pa.array([text], pa.large_string())
    return codes.astype(np.int64, copy=False), pc.binary_join_element_wise(*joined, pa.scalar("", pa.large_string()))


def _segment_priors(
    scores: pd.DataFrame, features: pd.DataFrame, labels: np.ndarray, catalogue: pd.DataFrame
) -> pd.DataFrame:
    """Per (segment, offer) with an eligible member: eligible share, mean score, reason from typical values."""
    segment_ids = np.unique(labels)
    position = np.searchsorted(segment_ids, labels)
    sizes = np.bincount(position, minlength=len(segment_ids))
    members_of = [np.flatnonzero(position == at) for at in range(len(segment_ids))]
    frames = []
    for row in catalogue.itertuples(index=False):
        eligible = scores[row.offer_id].notna().to_numpy()
        counts = np.bincount(position[eligible], minlength=len(segment_ids))
        if not counts.any():
            continue
        totals = np.bincount(
            position[eligible], weights=scores[row.offer_id].to_numpy()[eligible], minlength=len(segment_ids)
        )
        has = counts > 0
        wanted = [offers.normalise(f) for alternative in offers.template_fields(row.reason) for f in alternative]
        wanted = [f for f in dict.fromkeys(wanted) if f in features.columns]
        rows = [members_of[at][eligible[members_of[at]]] for at in np.flatnonzero(has)]
        typical = pd.DataFrame(
            {f: [_median(features[f].to_numpy()[r]) for r in rows] for f in wanted}, index=segment_ids[has]
        )
        detail = reasons_for(row.reason, row.description, typical)
        share = counts[has] / sizes[has]
        frames.append(
            pd.DataFrame(
                {
                    "segment": segment_ids[has],
                    "offer_id": row.offer_id,
                    "eligible_share": share,
                    "prior": totals[has] / counts[has],
                    "reason": [
                        f"{s:.0%} of the segment qualify; typical: {d}" for s, d in zip(share, detail, strict=True)
                    ],
                }
            )
        )
    if not frames:
        raise DataError("No customer is eligible for any offer in the catalogue. Loosen the eligibility rules.")
    return pd.concat(frames, ignore_index=True).sort_values(["segment", "offer_id"], ignore_index=True)


def _median(values: np.ndarray) -> float:
    """Return the median of the values that are not NaN (NaN when none is), as pandas' groupby median gives it.

    Examples
    --------
    >>> _median(np.array([4.0, np.nan, 1.0, 2.0, 3.0]))
    2.5
    """
    known = values[~np.isnan(values)]
    return float(np.median(known)) if len(known) else np.nan
