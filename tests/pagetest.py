"""Helpers for AppTest page tests: open a page with upstream state already in the session, read charts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def open_page(app, page: str, values: Mapping[str, Any] | None = None):
    """Run the app, put ``values`` into the session (as earlier pages would), switch to ``page`` and run it.

    Fails the test if the page shows an exception.
    """
    app.run()
    for key, value in (values or {}).items():
        app.session_state[key] = value
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def plotly_specs(app) -> list[dict]:
    """The JSON spec of every Plotly chart on the current page (AppTest has no typed accessor for them)."""
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
