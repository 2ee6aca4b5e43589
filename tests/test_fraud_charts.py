"""The Fraud page's figures send counts and a thinned curve, not one value per scored row."""

import json

import numpy as np
import pandas as pd

from core.charts import fraud as charts
from core.fraud import evaluate


def _trace(figure, name):
    return next(trace for trace in figure.data if trace.name == name)


def test_the_histogram_counts_every_score_once_in_its_own_colour():
    rng = np.random.default_rng(7)
    scores = pd.Series(np.concatenate([rng.beta(2, 8, 20_000), [0.0, 1.0, np.nan]]))
    flagged = scores.rank(ascending=False, method="first") <= 150
    figure = charts.score_histogram(scores, flagged)
    plain, alerts = _trace(figure, "not flagged"), _trace(figure, "flagged")
    assert np.nansum(plain.y) + np.nansum(alerts.y) == scores.notna().sum()  # 0 and 1 land in the end bins
    assert np.nansum(alerts.y) == 150
    assert len(plain.x) == charts.HISTOGRAM_BINS and plain.x[0] > 0 and plain.x[-1] < 1
    assert len(json.dumps(figure.to_plotly_json(), default=str)) < 20_000  # not one number per score


def test_a_long_precision_recall_curve_is_thinned_with_its_ends_kept():
    rng = np.random.default_rng(3)
    labels = pd.Series(rng.random(30_000) < 0.02).astype(int)
    scores = pd.Series(rng.random(30_000) + labels * 0.3)
    result = evaluate(scores, labels, budget=100)
    curve = _trace(charts.pr_curve(result), f"this score (PR-AUC {result.pr_auc:.3f})")
    assert len(result.curve) > charts.CURVE_POINTS
    assert len(curve.x) <= charts.CURVE_POINTS
    assert curve.x[0] == result.curve["recall"].iloc[0] and curve.x[-1] == result.curve["recall"].iloc[-1]
    assert curve.y[-1] == result.curve["precision"].iloc[-1]
