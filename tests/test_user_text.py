"""User strings are always text: headers, values, file and segment names carrying Markdown never render as it."""

from __future__ import annotations

import json

import hostile_text
import pytest

from pages import _state as state
from pages import _ui as ui

BASE = "http://127.0.0.1:9"  # never contacted here; the browser test points the same file at a logging server
PAGES = [
    "pages/1_Upload.py",
    "pages/2_Clean.py",
    "pages/3_Cluster.py",
    "pages/4_Profiles.py",
    "pages/5_Recommendations.py",
    "pages/6_Fraud.py",
    "pages/7_Trends.py",
]


@pytest.mark.parametrize(
    "text",
    [
        "![x](http://h/a.png)",
        "[click](http://h)",
        '<img src="http://h/a.png">',
        "$x^2$",
        ":red[alarm] :material/home: www.example.com mail@example.com",
        "**bold** *it* `code` # heading | cell",
    ],
    ids=["image", "link", "html", "latex", "streamlit directives", "emphasis code heading table"],
)
def test_plain_leaves_no_markdown_active(text):
    shown = ui.plain(text)
    assert not hostile_text.UNESCAPED.search(shown)
    assert shown.replace("\\", "").replace("\u2060", "") == text.replace("\\", "")


def test_safe_figure_keeps_formatting_tags_and_disarms_the_rest():
    import plotly.graph_objects as go

    figure = go.Figure(go.Bar(x=['<a href="http://h">a</a>', "b<br>c"], y=[1, 2], name="<img src=x>"))
    figure.update_layout(title="Spend <b>by</b> <a href='http://h'>segment</a>")
    safe = ui.safe_figure(figure)
    assert safe.layout.title.text == "Spend <b>by</b> &lt;a href='http://h'>segment&lt;/a>"
    assert list(safe.data[0].x) == ['&lt;a href="http://h">a&lt;/a>', "b<br>c"]
    assert safe.data[0].name == "&lt;img src=x>"


def shown_texts(app) -> list[str]:
    """Every string the current run shows through an element that renders Markdown (main area and sidebar)."""
    texts: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "subheader", "header"):
        texts += [element.value for element in app.get(kind)]
    texts += [element.label for element in app.get("expander")]
    texts += [element.label for element in app.get("tab")]
    for metric in app.get("metric"):
        texts += [metric.label, metric.value]
    for radio in app.get("radio"):
        texts += [radio.label, *map(str, radio.options)]
    for kind in ("button", "download_button", "selectbox", "multiselect", "checkbox"):
        texts += [element.label for element in app.get(kind)]
    return [text for text in texts if isinstance(text, str)]


def plotly_strings(app) -> list[str]:
    found: list[str] = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for chart in app.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return found


def assert_all_text(app, page: str, seen: list[str]) -> None:
    assert not app.exception, (page, [e.value for e in app.exception])
    texts = shown_texts(app)
    seen += [text for text in texts if "\\!\\[" in text or "\\<img" in text]
    active = [text for text in texts if hostile_text.UNESCAPED.search(text)]
    assert active == [], (page, active)
    tags = [text for text in plotly_strings(app) if "<img" in text.lower() or "<a " in text.lower()]
    assert tags == [], (page, tags[:5])


@pytest.mark.slow
def test_hostile_headers_values_and_names_render_as_text_on_every_page(app):
    names = hostile_text.hostile_names(BASE)
    seen: list[str] = []  # escaped user text that was shown: proof the walk reached it
    app.run()
    uploaders = app.get("file_uploader")
    uploaders[0].set_value((names["file"], hostile_text.customers_csv(BASE), "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    app.get("file_uploader")[1].set_value(("tx.csv", hostile_text.transactions_csv(BASE), "text/csv")).run()
    assert app.session_state[state.DATASET] is not None and app.session_state[state.TRANSACTIONS] is not None
    assert_all_text(app, "upload", seen)
    for page in PAGES[1:]:
        app.switch_page(page).run()
        assert_all_text(app, page, seen)
        if page == "pages/4_Profiles.py":  # a user-edited segment name, shown on every later page
            names_now = dict(app.session_state[state.NAMES])
            first = min(names_now)
            app.session_state[state.NAMES] = {**names_now, first: names["segment_name"]}
            app.session_state[state.DESCRIPTIONS] = {first: names["segment_name"]}
            app.run()
            assert_all_text(app, page + " (renamed)", seen)
    app.switch_page(PAGES[0]).run()
    assert_all_text(app, "upload (again)", seen)
    assert any("hdr.png" in text for text in seen), "a header reached a Markdown element, escaped"
    assert any("name.png" in text for text in seen), "the edited segment name reached one, escaped"
