"""A churn table nobody here wrote, through the app: what was understood, then the outcome per segment.

The file is the seeded BankChurners-shaped generator of ``layouts.py`` (an id, an outcome, two leaked model
scores, integer and text categories).
"""

from __future__ import annotations

import layouts
import pytest

from core import pipeline
from pages import _state as state
from pages import _ui as ui


def upload(app, layout) -> None:
    app.run()
    app.switch_page(ui.UPLOAD).run()
    app.get("file_uploader")[0].set_value((layout.filename, layout.data, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]


@pytest.mark.slow
def test_a_churn_table_shows_what_was_understood_and_its_outcome_per_segment(app):
    upload(app, layouts.bank_churners(n=1_200))
    report = "\n".join(text.value for text in app.text)
    assert "A customer table: 1,200 rows, one per customer, keyed by 'CLIENTNUM'" in report
    assert "Outcome: 'Attrition_Flag'" in report
    roles = app.session_state[state.ROLES]
    assert roles["Attrition_Flag"] == "label"
    assert [c for c, r in roles.items() if r == "leakage"] == [c for c in roles if c.startswith("Naive_Bayes")]

    app.switch_page(ui.PROFILES).run()
    assert not app.exception, [e.value for e in app.exception]
    clean = app.session_state[state.CLEAN]
    assert "CLIENTNUM" not in clean.features and "Attrition_Flag" not in clean.features
    assert not [f for f in clean.features if f.startswith("Naive_Bayes")]
    warnings, outcome_lines = pipeline.check_segments(clean, app.session_state[state.SEGMENTATION])
    assert outcome_lines, "the generator's churners differ in behaviour: some segment's rate differs"
    assert "Known outcome by segment" in [h.value for h in app.subheader]
    shown = "\n".join(text.value for text in app.text)
    for line in outcome_lines:
        assert line.split(":")[0] in shown  # 'Attrition_Flag = Attrited Customer' with the segment's name
    assert ("Check these segments" in " ".join(w.value for w in app.warning)) == bool(warnings)
