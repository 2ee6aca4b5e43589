"""Offers for large tables: the vectorised paths give exactly what the plain computation, row by row, gives.

``top_offers_table`` formats reasons per distinct number and lets Arrow join the words, picks each customer's best
offers by passes of ``argmax`` and ranks fit percentiles by hashing or one sort. No customer is sampled, so the
check is against a straightforward version written here: every customer's scores sorted (stably), every reason
filled with ``str.format``, every feedback note appended.
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pytest

from core.naming import display_name
from core.recommend import learner_for, score_customers, top_offers_table
from core.recommend._catalogue import normalise
from core.recommend._rank import _best_columns
from core.recommend._scores import _formatted, _percentiles, reasons_for
from core.samples import generate_customers


@pytest.fixture(scope="module")
def portfolio():
    """5,000 generated customers in four segments and some noise, scored once against the default catalogue."""
    table = generate_customers(5_000, random_state=3)
    labels = np.random.default_rng(3).integers(-1, 4, len(table))
    return table, labels, score_customers(table, labels, id_column="CUST_ID")


def plain_reason(template: str, description: str, values: dict) -> str:
    for alternative in template.split("|"):
        fields = [field for _, field, _, _ in string.Formatter().parse(alternative) if field is not None]
        found = {field: values.get(normalise(field), np.nan) for field in fields}
        if all(not pd.isna(value) for value in found.values()):
            return alternative.strip().format(**found)
    return description


def plain_top_offers(scored, names, feedback, top_n):
    arms = learner_for(scored, feedback).posterior()
    lift = {
        (int(s), o): m / p
        for s, o, m, p in zip(arms["segment"], arms["offer_id"], arms["mean"], arms["prior"], strict=True)
    }
    seen = arms[(arms["accepted"] + arms["declined"]) > 0]
    notes = {
        (int(s), o): f" · campaign feedback in this segment: {a} of {a + d} accepted"
        for s, o, a, d in zip(seen["segment"], seen["offer_id"], seen["accepted"], seen["declined"], strict=True)
    }
    offers = scored.catalogue.set_index("offer_id").to_dict("index")
    offer_ids = list(scored.scores.columns)
    records = []
    all_scores = scored.scores.to_numpy()
    features = scored.features.to_dict("records")
    for row, (customer, segment) in enumerate(zip(scored.customer_ids, scored.labels, strict=True)):
        segment = int(segment)
        scores = np.array([all_scores[row, j] * lift.get((segment, o), 1.0) for j, o in enumerate(offer_ids)])
        order = np.argsort(-np.where(np.isnan(scores), -np.inf, scores), kind="stable")[:top_n]
        values = features[row]
        for rank, j in enumerate([j for j in order if not np.isnan(scores[j])], start=1):
            offer = offers[offer_ids[j]]
            reason = plain_reason(offer["reason"], offer["description"], values)
            records.append(
                (
                    customer,
                    segment,
                    display_name(segment, names),
                    rank,
                    offer_ids[j],
                    offer["name"],
                    scores[j],
                    reason + notes.get((segment, offer_ids[j]), ""),
                )
            )
    columns = ["customer_id", "segment", "segment_name", "rank", "offer_id", "offer", "score", "reason"]
    return pd.DataFrame.from_records(records, columns=columns)


@pytest.mark.slow
@pytest.mark.parametrize("with_feedback", [False, True], ids=["without feedback", "with feedback"])
def test_each_customers_offers_and_reasons_equal_the_row_by_row_computation(portfolio, with_feedback):
    table, labels, scored = portfolio
    names = {0: "Revolvers", 1: "Transactors", 2: "Dormant", 3: "Cash users"}
    feedback = None
    if with_feedback:
        rng = np.random.default_rng(4)
        feedback = pd.DataFrame(
            {
                "customer_id": rng.choice(scored.customer_ids, 300),
                "offer_id": rng.choice(["cashback_card", "reactivation", "autopay_nudge"], 300),
                "outcome": rng.integers(0, 2, 300),
            }
        )
    fast = top_offers_table(table, labels, id_column="CUST_ID", names=names, feedback=feedback, scored=scored)
    plain = plain_top_offers(scored, names, feedback, top_n=3)
    pd.testing.assert_frame_equal(fast, plain, check_dtype=False)
    assert fast["rank"].dtype == fast["segment"].dtype == "int64"
    assert fast["reason"].dtype == pd.Series(["text"]).dtype  # the text column pandas makes of Python strings
    assert fast["reason"].str.contains("campaign feedback").any() == with_feedback


def test_best_columns_equal_a_stable_sort_with_ties_and_gaps():
    rng = np.random.default_rng(5)
    matrix = rng.integers(0, 4, (3_000, 7)).astype(float) / 4  # many ties
    matrix[rng.random(matrix.shape) < 0.4] = np.nan
    matrix[:5] = np.nan  # customers with no eligible offer
    for k in (1, 3, 7):
        rows, cols, values, ranks = _best_columns(matrix, k)
        order = np.argsort(-np.where(np.isnan(matrix), -np.inf, matrix), axis=1, kind="stable")[:, :k]
        every = np.repeat(np.arange(len(matrix)), k)
        keep = ~np.isnan(matrix[every, order.ravel()])
        assert np.array_equal(rows, every[keep]) and np.array_equal(cols, order.ravel()[keep])
        assert np.array_equal(values, matrix[rows, cols])
        assert np.array_equal(ranks, np.tile(np.arange(1, k + 1), len(matrix))[keep])


@pytest.mark.parametrize("spec", [".1%", ",.1f", ",.2f", ".3f", ".2%"])
def test_fixed_point_reasons_with_decimals_read_as_format_writes_them(spec):
    rng = np.random.default_rng(6)
    halves = np.arange(-2, 2, 0.0005)  # 0.0015, 0.0025, ...: a little under or over a half once multiplied
    values = np.concatenate([halves, np.round(rng.lognormal(3, 2, 20_000), 3), rng.normal(0, 1, 20_000), [-0.0]])
    expected = np.array([("{:" + spec + "}").format(v) for v in values.tolist()], dtype=object)
    assert (_formatted(values, spec) == expected).all()


def test_fit_percentiles_by_packed_sort_keys_equal_pandas_even_when_values_differ_only_in_their_last_bits():
    # the sort keys keep a value's top bits and give the rest to the row number: values differing only below them
    # (1 + k * 2**-52, tiny negatives) tie in the key and must still be ranked by value
    rng = np.random.default_rng(7)
    n = 300_000
    values = np.concatenate(
        [
            1.0 + rng.integers(0, 2_000, n // 3) * 2.0**-52,
            -(1.0 + rng.integers(0, 2_000, n // 3) * 2.0**-52),
            rng.normal(0, 1e-300, n // 6),
            rng.lognormal(3, 2, n // 6),
            [0.0, -0.0, np.inf, -np.inf, 5e-324, -5e-324],
        ]
    )
    values = rng.permutation(values)
    expected = pd.Series(values).rank(pct=True).to_numpy()
    assert np.array_equal(_percentiles(values), expected)
    values[::7] = np.nan
    expected = pd.Series(values).rank(pct=True).to_numpy()
    assert np.array_equal(_percentiles(values), expected, equal_nan=True)
    assert np.array_equal(_percentiles(values, missing=0.5), np.nan_to_num(expected, nan=0.5))


@pytest.mark.parametrize("spread", [1.0, 1e6], ids=["few distinct numbers", "many distinct numbers"])
def test_reasons_with_several_placeholders_equal_str_format_row_by_row(spread):
    rng = np.random.default_rng(8)
    values = pd.DataFrame(
        {"a": rng.random(20_000) * spread, "b": rng.normal(0, spread, 20_000), "c": rng.random(20_000)}
    )
    values.loc[values.index[::5], "b"] = np.nan
    template = "a {a:.0%} and b {b:,.0f} ({c:.1f}) | a {a:.0%}, c {c:.2f}"
    expected = [plain_reason(template, "none", row) for row in values.to_dict("records")]
    assert reasons_for(template, "none", values).tolist() == expected


def test_the_pipeline_s_offers_table_keeps_repeated_texts_once_and_writes_the_same_file():
    # A million customers give 2.8M offer rows; their segment and offer names and reasons repeat. Held as text they
    # were most of the 1,380 MB a 1M workbook download added to the app.
    from core import pipeline
    from core.workbook._writer import customers_csv

    customers = generate_customers(6_000, random_state=3)
    frame, roles, _ = pipeline.customer_table(customers)
    _, clean = pipeline.prepare(frame, roles)
    segmentation = pipeline.segment(clean.matrix, "kmeans", {"k": 4})
    offers = pipeline.offers_table(clean, segmentation, None)
    as_text = top_offers_table(
        clean.table,
        segmentation.labels,
        id_column=clean.id_column,
        names=pipeline.segment_names(segmentation.labels, None),
        scored=pipeline.score_offers(clean, segmentation, None),
    )
    for column in ("segment_name", "offer_id", "offer"):
        assert isinstance(offers[column].dtype, pd.CategoricalDtype), column
        assert offers[column].astype(str).tolist() == as_text[column].astype(str).tolist()
    assert offers.memory_usage(deep=True).sum() < 0.75 * as_text.memory_usage(deep=True).sum()
    assert customers_csv(offers) == customers_csv(as_text), "the Offers sheet's file is byte for byte the same"
