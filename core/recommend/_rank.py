"""Offers per segment and per customer, with reasons, learning from campaign feedback.

Segments rank offers by expected value (acceptance rate x eligible customers x value per acceptance), offers
that under 1% of a segment qualify for last. Scores start rule-based (:mod:`core.recommend._scores`): each
eligible customer gets ``base_rate x (0.5 + fit)``, and a segment's prior for an offer is the mean score of its
eligible members. Feedback (accepted / declined) updates a Beta-Bernoulli learner per segment x offer
(:mod:`core.recommend._bandit`) whose prior is that score; a customer's score is then scaled by ``posterior
mean / prior`` of their segment's arm, so what a campaign learns reaches every customer of the segment.

Campaign results files are read by :mod:`core.recommend._campaign` (re-exported here as :func:`read_feedback`).

Typical use: ``scored = score_customers(table, labels, id_column=...)`` once (the slow part; cache it),
then ``rank_segments(scored, names=..., feedback=...)`` and ``top_offers_table(..., scored=scored)`` after
every piece of feedback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import DataError
from core.naming import display_name
from core.recommend._bandit import ThompsonLearner
from core.recommend._campaign import FEEDBACK_COLUMNS, FeedbackFile, customer_keys, latest_outcomes, read_feedback
from core.recommend._catalogue import normalise, template_fields
from core.recommend._scores import MIN_ELIGIBLE_SHARE, OfferScores, reason_codes, score_customers

__all__ = [
    "FEEDBACK_COLUMNS",
    "FeedbackFile",
    "OfferScores",
    "category_suggestions",
    "learner_for",
    "rank_segments",
    "ranking_changes",
    "read_feedback",
    "score_customers",
    "segment_offers",
    "top_offers_table",
]


def _names_of(segments: np.ndarray, names: Mapping[int, str]) -> np.ndarray:
    unique, inverse = np.unique(segments, return_inverse=True)
    lookup = np.array([display_name(int(s), names) for s in unique], dtype=object)
    return lookup[inverse]


def _outcomes_by_segment(feedback: pd.DataFrame | None, scored: OfferScores) -> pd.DataFrame:
    if feedback is None or len(feedback) == 0:
        return pd.DataFrame({"segment": [], "offer_id": [], "outcome": []})
    segment_of = pd.Series(scored.labels, index=scored.customer_ids)
    segment_of = segment_of[~segment_of.index.duplicated()]
    feedback = latest_outcomes(feedback)  # one outcome per customer and offer: the last one wins
    keys = customer_keys(feedback["customer_id"])
    known = pd.Index(segment_of.index).get_indexer(keys) >= 0
    return pd.DataFrame(
        {
            "segment": segment_of.reindex(keys[known]).to_numpy(),
            "offer_id": feedback["offer_id"].astype(str).to_numpy()[known],
            "outcome": feedback["outcome"].astype("int64").to_numpy()[known],
        }
    )


def learner_for(
    scored: OfferScores, feedback: pd.DataFrame | None = None, *, prior_strength: float = 10.0
) -> ThompsonLearner:
    """Build the segment x offer learner from the rule-based priors and update it with ``feedback``.

    Parameters
    ----------
    scored : OfferScores
        From :func:`score_customers`.
    feedback : pandas.DataFrame, optional
        Columns ``customer_id, offer_id, outcome`` (0/1); customers not in the table, and offers nobody in
        the customer's segment may receive, are ignored.
    prior_strength : float, default 10
        Pseudo-observations the rule-based prior is worth.
    """
    learner = ThompsonLearner.from_prior(scored.segments, prior_strength=prior_strength)
    return learner.update(_outcomes_by_segment(feedback, scored))


def rank_segments(
    scored: OfferScores,
    *,
    names: Mapping[int, str],
    feedback: pd.DataFrame | None = None,
    prior_strength: float = 10.0,
    level: float = 0.9,
    min_share: float = MIN_ELIGIBLE_SHARE,
) -> pd.DataFrame:
    """Rank each segment's offers by what they would deliver, with the acceptance rate's interval and a reason.

    An offer's expected value in a segment is ``acceptance rate x eligible customers x value per acceptance``
    (the catalogue's optional ``value_per_acceptance``; without values for every offer, expected acceptances
    rank instead). An offer for which under ``min_share`` of the segment qualifies is labelled "few qualify"
    in ``note`` and ranked after every offer that reaches more, however high its acceptance rate.

    Parameters
    ----------
    scored : OfferScores
        From :func:`score_customers`.
    names : mapping
        Segment id -> display name.
    feedback : pandas.DataFrame, optional
        Outcomes so far: ``customer_id, offer_id, outcome`` (0/1).
    prior_strength : float, default 10
        Pseudo-observations the rule-based prior is worth.
    level : float, default 0.9
        Credible-interval level.
    min_share : float, default 0.01
        Share of a segment that must qualify for an offer to be ranked on its value.

    Returns
    -------
    pandas.DataFrame
        ``segment, segment_name, rank, offer_id, offer, eligible_share, eligible_customers, prior,
        expected_acceptance, low, high, expected_acceptances, value_per_acceptance, expected_value, accepted,
        declined, note, reason``; ``expected_acceptances`` = rate x eligible customers, ``expected_value`` =
        that x value per acceptance (NaN when the value is unknown). Offers nobody in a segment may receive
        are left out (``scored.reach`` lists offers that reach nobody at all).
    """
    posterior = learner_for(scored, feedback, prior_strength=prior_strength).posterior(level)
    out = posterior.merge(
        scored.segments[["segment", "offer_id", "eligible_share", "reason"]], on=["segment", "offer_id"]
    )
    out = out.rename(columns={"mean": "expected_acceptance"})
    segment_ids, sizes = np.unique(scored.labels, return_counts=True)
    size = pd.Series(sizes, index=segment_ids).reindex(out["segment"]).to_numpy()
    out["eligible_customers"] = np.rint(out["eligible_share"].to_numpy() * size).astype("int64")
    out["expected_acceptances"] = out["expected_acceptance"] * out["eligible_customers"]
    catalogue = scored.catalogue.set_index("offer_id")
    value = catalogue.get("value_per_acceptance", pd.Series(np.nan, index=catalogue.index))
    out["value_per_acceptance"] = out["offer_id"].map(value).astype("float64")
    out["expected_value"] = out["expected_acceptances"] * out["value_per_acceptance"]
    by = "expected_value" if value.notna().all() else "expected_acceptances"
    few = out["eligible_share"] < min_share
    out["note"] = np.where(few, "few qualify", "")
    out = out.assign(_few=few).sort_values(
        ["segment", "_few", by, "expected_acceptance", "offer_id"], ascending=[True, True, False, False, True]
    )
    out["rank"] = out.groupby("segment").cumcount() + 1
    out["segment_name"] = _names_of(out["segment"].to_numpy(), names)
    out["offer"] = out["offer_id"].map(catalogue["name"])
    columns = ["segment", "segment_name", "rank", "offer_id", "offer", "eligible_share", "eligible_customers"]
    columns += ["prior", "expected_acceptance", "low", "high", "expected_acceptances", "value_per_acceptance"]
    columns += ["expected_value", "accepted", "declined", "note", "reason"]
    return out.loc[:, columns].reset_index(drop=True)


def segment_offers(
    table: pd.DataFrame,
    labels: np.ndarray,
    *,
    names: Mapping[int, str],
    id_column: str | None = None,
    catalogue: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    prior_strength: float = 10.0,
    level: float = 0.9,
) -> pd.DataFrame:
    """Rank the offers of every segment: :func:`score_customers` then :func:`rank_segments`.

    Parameters
    ----------
    table : pandas.DataFrame
        Customers in original units (``CleanResult.table``).
    labels : array of int
        Segment per row of ``table`` (``-1`` = noise).
    names, feedback, prior_strength, level
        As in :func:`rank_segments`.
    id_column, catalogue
        As in :func:`score_customers`.

    Returns
    -------
    pandas.DataFrame
        See :func:`rank_segments`.
    """
    scored = score_customers(table, labels, id_column=id_column, catalogue=catalogue)
    return rank_segments(scored, names=names, feedback=feedback, prior_strength=prior_strength, level=level)


def top_offers_table(
    table: pd.DataFrame,
    labels: np.ndarray,
    *,
    id_column: str | None,
    names: Mapping[int, str],
    catalogue: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    top_n: int = 3,
    prior_strength: float = 10.0,
    scored: OfferScores | None = None,
    only: Iterable[object] | None = None,
) -> pd.DataFrame:
    """Return each customer's top eligible offers with a score and a reason in words.

    Parameters
    ----------
    table : pandas.DataFrame
        Customers in original units (``CleanResult.table``), one row per customer.
    labels : array of int
        Segment per row (``-1`` = noise), aligned with ``table``.
    id_column : str or None
        Column holding the customer id (the row index is used when ``None``).
    names : mapping
        Segment id -> display name.
    catalogue : pandas.DataFrame, optional
        Offer catalogue; the default one when ``None``.
    feedback : pandas.DataFrame, optional
        Outcomes so far: ``customer_id, offer_id, outcome`` (0/1), e.g. ``FeedbackFile.valid``.
    top_n : int, default 3
        Offers per customer (fewer when fewer are eligible).
    prior_strength : float, default 10
        Pseudo-observations the rule-based prior is worth against feedback.
    scored : OfferScores, optional
        Precomputed :func:`score_customers` of ``table`` and ``labels`` (then ``catalogue`` is not used).
    only : iterable, optional
        Customer ids to return (all customers when ``None``); scores still use the whole table.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, segment, segment_name, rank, offer_id, offer, score, reason``, ordered by customer
        (table order) then rank. ``score`` is the expected acceptance rate.
    """
    if int(top_n) < 1:
        raise DataError("Show at least one offer per customer.")
    scored = scored or score_customers(table, labels, id_column=id_column, catalogue=catalogue)
    arms = learner_for(scored, feedback, prior_strength=prior_strength).posterior()
    arms["lift"] = arms["mean"] / arms["prior"]
    lift = arms.pivot_table(index="segment", columns="offer_id", values="lift").reindex(columns=scored.scores.columns)
    picked = np.arange(len(scored.labels))
    if only is not None:
        picked = np.flatnonzero(np.isin(scored.customer_ids, customer_keys(pd.Series(list(only)))))
    labels = scored.labels[picked]
    # each customer's row of lifts by position (a segment without one gets 1.0): reindexing by a million labels
    # was slow. The gathered lifts are multiplied by the scores in place and handed to _best_columns to overwrite:
    # one customers x offers matrix instead of three.
    lifts = np.vstack([lift.fillna(1.0).to_numpy(), np.ones((1, lift.shape[1]))])
    matrix = lifts.take(lift.index.get_indexer(labels), axis=0)
    scores = scored.scores.to_numpy()
    np.multiply(scores if only is None else scores[picked], matrix, out=matrix)
    rows, cols, values, ranks = _best_columns(matrix, min(int(top_n), matrix.shape[1]), overwrite=True)
    del matrix
    catalogue = scored.catalogue.set_index("offer_id")
    codes = np.empty(len(rows), dtype=np.int64)
    texts: list[pa.Array] = []
    count = 0
    # offers by column number: sorting three million offer ids as text took seconds (and their numbers, 0.1 s)
    for col in np.flatnonzero(np.bincount(cols, minlength=lift.shape[1])):
        chosen = np.flatnonzero(cols == col)
        offer = catalogue.loc[scored.scores.columns[col]]
        wanted = [normalise(f) for alternative in template_fields(offer["reason"]) for f in alternative]
        wanted = [f for f in dict.fromkeys(wanted) if f in scored.features.columns]
        members = scored.features[wanted].iloc[picked[rows[chosen]]]  # only the columns the reason names
        offer_codes, offer_texts = reason_codes(offer["reason"], offer["description"], members)
        codes[chosen] = offer_codes + count
        texts.append(offer_texts)
        count += len(offer_texts)
    reasons = pa.concat_arrays(texts) if texts else pa.array([], pa.large_string())
    segments = labels[rows]
    segment_ids = np.unique(labels)  # then each row's by a search of those few: argsort of 3M labels took 0.2 s
    segment_at = np.searchsorted(segment_ids, segments)
    seen = arms[(arms["accepted"] + arms["declined"]) > 0]
    if len(seen):
        # one note per (segment, offer) with feedback, joined by Arrow to each distinct (reason, note) pair once
        notes = np.full((len(segment_ids), len(scored.scores.columns)), "", dtype=object)
        for s, o, a, d in zip(seen["segment"], seen["offer_id"], seen["accepted"], seen["declined"], strict=True):
            at = np.searchsorted(segment_ids, int(s))
            if at < len(segment_ids) and segment_ids[at] == int(s):
                notes[at, scored.scores.columns.get_loc(o)] = (
                    f" · campaign feedback in this segment: {a} of {a + d} accepted"
                )
        codes, pairs = pd.factorize(codes * notes.size + segment_at * notes.shape[1] + cols)
        note = pa.array(notes.ravel(), pa.large_string()).take(pairs % notes.size)
        reasons = pc.binary_join_element_wise(reasons.take(pairs // notes.size), note, pa.scalar("", pa.large_string()))
    # Repeated texts are made text columns once and then taken by position (turning three million Python strings
    # into each text column took about a second a column at a million customers); the reasons likewise, from the
    # distinct ones.
    offer_names = catalogue["name"].reindex(scored.scores.columns).to_numpy()
    return pd.DataFrame(
        {
            "customer_id": _text(scored.customer_ids[picked], rows, scored.id_text if only is None else None),
            "segment": segments.astype("int64"),
            "segment_name": _text(_names_of(segment_ids, names), segment_at),
            "rank": ranks,
            "offer_id": _text(scored.scores.columns.to_numpy(), cols),
            "offer": _text(offer_names, cols),
            "score": values,
            "reason": _arrow_text(reasons.take(codes)),
        }
    )


def _best_columns(
    matrix: np.ndarray, k: int, *, overwrite: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(rows, cols, values, ranks)`` of each row's ``k`` largest values, largest first, NaN left out.

    Ties go to the lower column, as a stable sort would order them. ``k`` passes of ``argmax`` instead of sorting
    every row: half the time at a million rows. Scores are never ``-inf``, so it can stand for "taken or NaN"
    (and once a row's pick is ``-inf`` so are the rest: the ranks kept run 1, 2, ... in every row). With
    ``overwrite`` a C-ordered float64 ``matrix`` is used as the working copy (its values are lost).

    Examples
    --------
    >>> _best_columns(np.array([[0.1, np.nan, 0.3], [0.2, 0.2, np.nan]]), 2)
    (array([0, 0, 1, 1]), array([2, 0, 0, 1]), array([0.3, 0.1, 0.2, 0.2]), array([1, 2, 1, 2]))
    """
    # fmax ignores NaN: NaN becomes -inf, every other value stays (in one pass, unlike a mask and a copy)
    if overwrite and matrix.flags.c_contiguous and matrix.dtype == np.float64:
        left = np.fmax(matrix, -np.inf, out=matrix)
    else:
        left = np.fmax(np.asarray(matrix, dtype=np.float64), -np.inf, order="C")
    flat = left.reshape(-1)
    width = left.shape[1]
    start = np.arange(len(left)) * width  # each row's first place in ``flat``
    cols = np.empty((len(left), k), dtype=np.int64)
    values = np.empty((len(left), k))
    for place in range(k):
        at = left.argmax(axis=1)
        cols[:, place] = at
        at += start
        values[:, place] = flat[at]
        flat[at] = -np.inf
    kept = np.flatnonzero(values.reshape(-1) > -np.inf)
    rows, ranks = np.divmod(kept, k)
    ranks += 1
    return rows, cols.reshape(-1)[kept], values.reshape(-1)[kept], ranks


def _arrow_text(values: pa.ChunkedArray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """Return an Arrow text array as the column pandas would make of the same Python strings (no copy for "str")."""
    dtype = pd.Series(values[:1].to_numpy(zero_copy_only=False)).dtype  # pandas 3's "str" is Arrow-backed
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pd.array(values, dtype=dtype)
    return values.to_numpy(zero_copy_only=False)


def _text(
    values: np.ndarray, positions: np.ndarray, text: pd.api.extensions.ExtensionArray | None = None
) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """``values[positions]`` as the text column pandas would make of it, converting each value once.

    ``text``, when given, is ``values`` already as that text column (``OfferScores.id_text``).
    """
    dtype = pd.Series(values[:1]).dtype
    if not isinstance(dtype, pd.StringDtype):
        return values[positions]
    if text is None or text.dtype != dtype or len(text) != len(values):
        text = pd.array(values, dtype=dtype)
    return text.take(positions)


def ranking_changes(before: pd.DataFrame | None, after: pd.DataFrame) -> pd.DataFrame:
    """Compare two :func:`segment_offers` rankings: how many places each offer moved (positive = up).

    Returns
    -------
    pandas.DataFrame
        ``segment, segment_name, offer_id, offer, rank_before, rank, change``; ``rank_before`` is NaN for
        an offer that was not ranked before (and ``change`` then 0).
    """
    keys = ["segment", "offer_id"]
    out = after.loc[:, ["segment", "segment_name", "offer_id", "offer", "rank"]].copy()
    if before is None or len(before) == 0:
        out["rank_before"] = np.nan
    else:
        previous = before.loc[:, [*keys, "rank"]].rename(columns={"rank": "rank_before"})
        out = out.merge(previous, on=keys, how="left")
    out["change"] = (out["rank_before"] - out["rank"]).fillna(0).astype("int64")
    return out.loc[:, ["segment", "segment_name", "offer_id", "offer", "rank_before", "rank", "change"]]


def category_suggestions(
    tx_canonical: pd.DataFrame, segment_by_customer: pd.Series, customer_id: str, top_n: int = 3
) -> pd.DataFrame:
    """Suggest categories over-represented in the customer's segment that the customer has not used.

    This is the 'customers like you also spend on ...' list.

    Parameters
    ----------
    tx_canonical : pandas.DataFrame
        Canonical transactions (:mod:`core.transactions`) with ``customer_id`` and ``category``.
    segment_by_customer : pandas.Series
        Index ``customer_id`` (text), values the segment (id or name).
    customer_id : str
        The customer to suggest for.
    top_n : int, default 3
        Suggestions at most.

    Returns
    -------
    pandas.DataFrame
        ``category, lift, segment_share, overall_share``: lift = share of the segment's transactions in the
        category / share of all transactions; only lifts above 1, best first. Empty when the transactions
        have no category or the customer is unknown or missing. A key that repeats in ``segment_by_customer``
        takes the segment of its first row; missing keys are ignored.
    """
    empty = pd.DataFrame({"category": [], "lift": [], "segment_share": [], "overall_share": []})
    if "category" not in tx_canonical.columns or "customer_id" not in tx_canonical.columns:
        return empty
    if pd.isna(customer_id):
        return empty
    # Real exports repeat keys and leave some blank: a blank key belongs to nobody, a repeated one keeps the
    # segment of its first row (a map needs one segment per key).
    known = pd.notna(segment_by_customer.index)
    segment_by_customer = segment_by_customer.loc[known]
    segment_by_customer = segment_by_customer.set_axis(customer_keys(pd.Series(segment_by_customer.index)))
    segment_by_customer = segment_by_customer.loc[~segment_by_customer.index.duplicated()]
    key = customer_keys(pd.Series([customer_id]))[0]
    if key not in segment_by_customer.index:
        return empty
    tx = tx_canonical.loc[
        tx_canonical["category"].notna() & tx_canonical["customer_id"].notna(), ["customer_id", "category"]
    ]
    customers = pd.Series(customer_keys(tx["customer_id"]), index=tx.index)
    segment = segment_by_customer.loc[key]
    in_segment = customers.map(segment_by_customer).eq(segment).to_numpy()
    overall = tx["category"].value_counts(normalize=True)
    seg_share = tx.loc[in_segment, "category"].value_counts(normalize=True).reindex(overall.index, fill_value=0.0)
    used = set(tx.loc[(customers == key).to_numpy(), "category"])
    out = pd.DataFrame({"category": overall.index, "lift": (seg_share / overall).to_numpy()})
    out["segment_share"] = seg_share.to_numpy()
    out["overall_share"] = overall.to_numpy()
    out = out[(out["lift"] > 1) & ~out["category"].isin(used)]
    return out.sort_values(["lift", "category"], ascending=[False, True]).head(int(top_n)).reset_index(drop=True)
