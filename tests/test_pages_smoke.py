"""Every page renders without an exception, with no data loaded (each guard says what to do first)."""

from __future__ import annotations

import pytest

PAGES = [
    "pages/1_Upload.py",
    "pages/2_Clean.py",
    "pages/3_Cluster.py",
    "pages/4_Profiles.py",
    "pages/5_Recommendations.py",
    "pages/6_Fraud.py",
    "pages/7_Trends.py",
]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.split("_", 1)[1].removesuffix(".py"))
def test_page_renders_without_data(app, page):
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title, "every page starts with a title"
    if page != "pages/1_Upload.py":
        assert app.info, "a page without its input says what to do first"


def test_sidebar_shows_pipeline_status_without_data(app):
    app.run()
    assert any("No data loaded" in m.value for m in app.sidebar.markdown)


def test_the_frame_stills_spinners_for_visitors_who_ask_for_less_motion(app):
    # Style-only HTML goes to Streamlit's event container; a browser keeps it across page switches (checked in
    # chromium), AppTest shows it on the run that sent it.
    app.run()
    styles = [element.proto.body for element in app.get("html")]
    assert any("@media (prefers-reduced-motion: reduce)" in body and "animation: none" in body for body in styles)
    assert not any("<script" in body.lower() for body in styles)
