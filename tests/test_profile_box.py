"""The Profiles box plot: quartiles and whiskers computed on the server, outliers thinned, same picture."""

import json

import numpy as np
import pandas as pd

from core.charts import profiles as charts


def test_box_statistics_match_the_data_and_the_figure_stays_small():
    rng = np.random.default_rng(11)
    labels = np.repeat([0, 1], [60_000, 40_000])
    values = np.concatenate([rng.lognormal(3, 1, 60_000), rng.normal(50, 5, 40_000)])
    values[5] = np.nan
    table = pd.DataFrame({"BALANCE": values})
    figure = charts.feature_box(table, labels, "BALANCE", {0: "Revolvers"})
    boxes = [trace for trace in figure.data if trace.type == "box"]
    assert [box.name for box in boxes] == ["Revolvers", "Segment 1"]
    for box, segment in zip(boxes, (0, 1), strict=True):
        mine = values[(labels == segment) & ~np.isnan(values)]
        q1, median, q3 = np.percentile(mine, [25, 50, 75])
        assert np.allclose([box.q1[0], box.median[0], box.q3[0]], [q1, median, q3])
        reach = 1.5 * (q3 - q1)
        assert box.lowerfence[0] >= q1 - reach and box.upperfence[0] <= q3 + reach
        assert box.upperfence[0] in mine and box.lowerfence[0] in mine  # whiskers end on real customers
    outliers = [trace for trace in figure.data if trace.type == "scatter"]
    assert outliers and all(len(trace.y) <= charts.BOX_OUTLIERS for trace in outliers)
    skewed = values[(labels == 0)]
    assert outliers[0].y.max() == np.nanmax(skewed)  # the most extreme customer is always drawn
    assert len(json.dumps(figure.to_plotly_json(), default=str)) < 40_000
