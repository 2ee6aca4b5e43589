"""The Trends page with real upstream state: series, forecast bands, migration, the sheet, kept choices."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from pagetest import open_page, plotly_specs

from pages import _state as state

TRENDS = "pages/7_Trends.py"
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "card_transactions.csv"


@pytest.fixture(scope="module")
def upstream() -> dict:
    """Session state as Upload, Clean and Cluster leave it for the bundled transaction sample (k = 4)."""
    if not SAMPLE.exists():
        pytest.skip("sample_data/card_transactions.csv is not generated yet")
    from core import cluster
    from core.clean import apply_recipe, default_recipe
    from core.features import customer_features, derived_roles
    from core.io import read_path
    from core.transactions import infer_transaction_columns, standardize_transactions

    loaded = read_path(SAMPLE)
    columns = infer_transaction_columns(loaded.frame)
    tx = standardize_transactions(loaded.frame, columns)[0]
    features = customer_features(tx)
    roles = derived_roles(features)
    clean = apply_recipe(features, default_recipe(features, roles), roles)
    segmentation = cluster.fit(clean.matrix, "kmeans", {"k": 4})
    return {
        state.TRANSACTIONS: state.Dataset(
            name=SAMPLE.name,
            frame=loaded.frame,
            report=loaded.report,
            sha256=hashlib.sha256(SAMPLE.read_bytes()).hexdigest(),
        ),
        state.TX_COLUMNS: columns,
        state.TX_CANONICAL: tx,
        state.CUSTOMER_SOURCE: "transactions",
        state.CLEAN: clean,
        state.SEGMENTATION: segmentation,
    }


def test_page_shows_series_forecast_bands_and_migration(app, upstream):
    open_page(app, TRENDS, upstream)
    specs = plotly_specs(app)
    forecast = [s for s in specs if any(t.get("name") == "95% interval" for t in s["data"])]
    assert len(forecast) == 1
    names = [t.get("name", "") for t in forecast[0]["data"]]
    assert "80% interval" in names and any(n.startswith("Forecast (") for n in names)
    assert any(t["type"] == "sankey" for s in specs for t in s["data"])
    assert any(t["type"] == "heatmap" for s in specs for t in s["data"])
    sheet = app.session_state[state.TRENDS]
    assert isinstance(sheet, pd.DataFrame)
    assert {"series", "forecast", "accuracy", "migration"} <= set(sheet["section"])
    forecasts = sheet.loc[sheet["section"] == "forecast"]
    assert set(forecasts["segment"]) == {"All customers", "Segment 0", "Segment 1", "Segment 2", "Segment 3"}
    moves = sheet.loc[sheet["section"] == "migration"]
    assert moves["customers"].sum() > 0


def test_choices_survive_leaving_the_page(app, upstream):
    open_page(app, TRENDS, upstream)
    app.selectbox(key="trends__metric").set_value("transactions").run()
    app.radio(key="trends__freq").set_value("W-MON").run()
    assert not app.exception
    app.switch_page("pages/1_Upload.py").run()
    app.switch_page(TRENDS).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.selectbox(key="trends__metric").value == "transactions"
    assert app.radio(key="trends__freq").value == "W-MON"
    sheet = app.session_state[state.TRENDS]
    assert set(sheet.loc[sheet["section"] == "forecast", "metric"]) == {"transactions"}


def test_without_transactions_the_sample_can_be_loaded(app):
    if not SAMPLE.exists():
        pytest.skip("sample_data/card_transactions.csv is not generated yet")
    app.run()
    app.switch_page(TRENDS).run()
    assert not app.exception
    assert any("transaction table" in info.value for info in app.info)
    app.button(key="trends__load_sample").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert isinstance(app.session_state[state.TX_CANONICAL], pd.DataFrame)
    assert any(any(t.get("name") == "95% interval" for t in s["data"]) for s in plotly_specs(app))


def test_the_sparkov_file_uploaded_as_transactions_works_on_the_fraud_and_trends_pages(app, sparkov_path):
    """The real transaction file, uploaded the way a user does, through Clean and Cluster to Fraud and Trends."""
    app.run()
    app.switch_page("pages/1_Upload.py").run()
    app.file_uploader(key="upload__transactions_file").set_value(
        (sparkov_path.name, sparkov_path.read_bytes(), "text/csv")
    ).run()
    assert not app.exception, [e.value for e in app.exception]
    for page in ("pages/2_Clean.py", "pages/3_Cluster.py"):
        open_page(app, page)
        assert not app.error, (page, [e.value for e in app.error])
    assert len(app.session_state[state.TX_CANONICAL]) == 15_000

    open_page(app, "pages/6_Fraud.py")
    assert not app.error, [e.value for e in app.error]
    scored = app.session_state[state.FRAUD_TRANSACTIONS]
    assert len(scored) == 15_000 and int(scored["flagged"].sum()) == 100
    metrics = {m.label: m.value for m in app.metric}
    assert float(metrics["PR-AUC"]) >= 0.25, metrics  # the quality bar, unsupervised
    assert metrics["Base rate"] == "0.57%"

    open_page(app, TRENDS)
    assert not app.error, [e.value for e in app.error]
    specs = plotly_specs(app)
    assert any(any(t.get("name") == "95% interval" for t in s["data"]) for s in specs)
    assert any(t["type"] == "sankey" for s in specs for t in s["data"])
    assert any("two full seasons" in i.value for i in app.info)  # 17 months: trend only, with the reason
    sheet = app.session_state[state.TRENDS]
    assert {"series", "forecast", "accuracy", "migration"} <= set(sheet["section"])


def test_the_mase_caption_agrees_with_the_benchmark_sentence(app, upstream):
    """The sentence compares the model's MASE with the benchmark's; the caption must not say 'below 1' wins."""
    open_page(app, TRENDS, upstream)
    captions = " ".join(c.value for c in app.caption)
    assert "MASE below 1 means" not in captions
    assert "below the benchmark's in the sentence above, not when it is below 1" in captions
    assert not any("Every forecast here is rough" in w.value for w in app.warning)  # the sample forecasts well


def test_rough_forecasts_get_a_one_line_caution(app):
    """400 purchases of 40 customers over three years, lognormal amounts: every forecast misses by over 30%."""
    import numpy as np

    from core.transactions import infer_transaction_columns, standardize_transactions

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 40, 400).astype(str),
            "date": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 36 * 30, 400), unit="D"),
            "amount": rng.lognormal(3, 1.6, 400).round(2),
        }
    )
    tx = standardize_transactions(frame, infer_transaction_columns(frame))[0]
    open_page(app, TRENDS, {state.TX_CANONICAL: tx})
    warnings = [w.value for w in app.warning if "Every forecast here is rough" in w.value]
    assert len(warnings) == 1 and "30%" in warnings[0]
