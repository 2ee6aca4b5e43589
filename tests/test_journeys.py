"""Whole journeys through every page in AppTest, on real and messy data, uploaded the way a user does.

The browser journey walks the bundled sample; these walk the real CC GENERAL file, a messy European export
and the AllLife-layout sample, so every page is shown to do its job on data it was not tuned on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pagetest import open_page

from core.samples import generate_customers, sample_path
from pages import _state as state

PAGES_AFTER_UPLOAD = [
    ("pages/2_Clean.py", state.CLEAN),
    ("pages/3_Cluster.py", state.SEGMENTATION),
    ("pages/4_Profiles.py", state.PROFILES),
    ("pages/5_Recommendations.py", None),
    ("pages/6_Fraud.py", state.FRAUD_CUSTOMERS),
    ("pages/7_Trends.py", None),
]


def messy_export() -> bytes:
    """A bank export as it arrives: cp1252, semicolons, decimal commas, euro amounts, null markers, blank
    lines, a duplicated row and a trailing empty column."""
    frame = generate_customers(800, random_state=3)
    frame["BALANCE"] = frame["BALANCE"].map(lambda v: f"€ {v:,.2f}".replace(",", " ").replace(".", ","))
    frame["PRC_FULL_PAYMENT"] = frame["PRC_FULL_PAYMENT"].map(lambda v: f"{v * 100:.0f}%")
    frame["MINIMUM_PAYMENTS"] = frame["MINIMUM_PAYMENTS"].astype(object).where(frame.index % 37 != 0, "N/A")
    frame = frame.astype(str).replace("nan", "-")
    frame = frame.assign(**{"": ""})
    frame = pd.concat([frame, frame.iloc[[5]]])
    text = frame.to_csv(sep=";", index=False).replace(".", ",")
    text = text.replace("\n", "\n\n", 3)
    return text.encode("cp1252")


@pytest.fixture(
    params=["real CC GENERAL", "messy cp1252 export", "AllLife branch contacts"],
)
def upload(request, cc_general_path):
    if request.param == "real CC GENERAL":
        return "cc_general.csv", cc_general_path.read_bytes()
    if request.param == "messy cp1252 export":
        return "export_2026-10.csv", messy_export()
    return "branch_contacts.csv", sample_path("branch_contacts").read_bytes()


def test_every_page_does_its_job_after_an_upload(app, upload):
    name, data = upload
    app.run()
    app.switch_page("pages/1_Upload.py").run()
    app.get("file_uploader")[0].set_value((name, data, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    dataset = app.session_state[state.DATASET]
    assert dataset.name == name and len(dataset.frame) > 500
    for page, produced in PAGES_AFTER_UPLOAD:
        open_page(app, page)
        assert not app.error, (page, [e.value for e in app.error])
        if produced is not None:
            assert app.session_state[produced] is not None, page
    clean = app.session_state[state.CLEAN]
    segmentation = app.session_state[state.SEGMENTATION]
    assert np.isfinite(clean.matrix.to_numpy()).all()
    assert len(segmentation.labels) == len(clean.table)
    assert segmentation.n_segments >= 2
    names = list(app.session_state[state.NAMES].values())
    assert len(names) == len(set(names)), "segment names are unique"


def test_messy_export_is_read_as_numbers_with_its_duplicate_reported():
    from core.io import load_table

    loaded = load_table(messy_export(), "export.csv")
    frame = loaded.frame
    assert loaded.report.delimiter == ";"
    assert frame["BALANCE"].dtype.kind == "f"
    assert frame["PRC_FULL_PAYMENT"].between(0, 1).all()
    assert loaded.report.duplicate_rows == 1
    assert frame["MINIMUM_PAYMENTS"].isna().sum() >= 800 // 37
