"""AppTest of the Cluster page: it sweeps k, segments on the first visit, draws its figures, remembers choices."""

from __future__ import annotations

import pytest
from pagetest import open_page, plotly_specs

from pages import _state as state

PAGE = "pages/3_Cluster.py"


@pytest.fixture(scope="module")
def clean_sample():
    from core.clean import apply_recipe, default_recipe
    from core.samples import generate_customers
    from core.schema import infer_roles

    frame = generate_customers(1_200, random_state=0)
    roles = infer_roles(frame)
    return apply_recipe(frame, default_recipe(frame, roles), roles)


def test_first_visit_sweeps_k_and_segments_with_the_recommendation(app, clean_sample):
    open_page(app, PAGE, {state.CLEAN: clean_sample})
    sweep = app.session_state[state.SWEEP]
    segmentation = app.session_state[state.SEGMENTATION]
    assert segmentation.algorithm == "kmeans"
    assert segmentation.params["k"] == sweep.recommended_k
    assert len(segmentation.labels) == len(clean_sample.matrix)
    assert any(sweep.sentence in element.value for element in [*app.success, *app.warning])
    titles = [spec["layout"]["title"]["text"] for spec in plotly_specs(app)]
    assert any(t.startswith("How each criterion rates every k") for t in titles)
    assert "Segment sizes" in titles
    assert any(t.startswith("Silhouette per customer") for t in titles)
    assert not any(t.startswith("Chosen features, pair by pair") for t in titles)  # only the open view is drawn
    assert any(t.startswith("PCA") for t in titles)
    pca = next(s for s in plotly_specs(app) if s["layout"]["title"]["text"] == "PCA")
    assert "of variance" in pca["layout"]["xaxis"]["title"]["text"]
    assert len(pca["data"]) == segmentation.n_segments


def test_choices_survive_leaving_the_page(app, clean_sample):
    open_page(app, PAGE, {state.CLEAN: clean_sample})
    app.selectbox(key="cluster__algorithm").set_value("gmm").run()
    app.number_input(key="cluster__gmm__k").set_value(3).run()
    assert not app.exception
    assert app.session_state[state.SEGMENTATION].algorithm == "gmm"
    assert app.session_state[state.SEGMENTATION].n_segments == 3
    app.switch_page("pages/1_Upload.py").run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert app.selectbox(key="cluster__algorithm").value == "gmm"
    assert app.number_input(key="cluster__gmm__k").value == 3
    assert app.session_state[state.CLUSTER_PARAMS]["params"]["gmm"]["k"] == 3


def test_ward_forces_euclidean_and_stability_is_drawn(app, clean_sample):
    open_page(app, PAGE, {state.CLEAN: clean_sample})
    app.selectbox(key="cluster__algorithm").set_value("hierarchical").run()
    assert app.selectbox(key="cluster__hierarchical__metric").disabled  # ward is the default linkage
    app.selectbox(key="cluster__hierarchical__linkage").set_value("average").run()
    app.selectbox(key="cluster__hierarchical__metric").set_value("manhattan").run()
    assert app.session_state[state.SEGMENTATION].params["metric"] == "manhattan"
    app.selectbox(key="cluster__hierarchical__linkage").set_value("ward").run()
    metric = app.selectbox(key="cluster__hierarchical__metric")
    assert metric.value == "euclidean" and metric.disabled
    assert not app.error
    assert app.session_state[state.SEGMENTATION].algorithm == "hierarchical"
    assert any(s["layout"]["title"]["text"].startswith("Dendrogram") for s in plotly_specs(app))
    app.button(key="cluster__stability").click().run()
    assert not app.exception
    stability = app.session_state[state.STABILITY]
    assert list(stability.columns) == ["segment", "jaccard", "band"]
    assert any(s["layout"]["title"]["text"].startswith("Stability per segment") for s in plotly_specs(app))


def test_dbscan_shows_the_k_distance_curve_and_bad_eps_gets_guidance(app, clean_sample):
    open_page(app, PAGE, {state.CLEAN: clean_sample})
    app.selectbox(key="cluster__algorithm").set_value("dbscan").run()
    app.number_input(key="cluster__dbscan__eps").set_value(0.05).run()
    assert not app.exception
    assert any("try eps near" in e.value for e in app.error)
    assert any(s["layout"]["title"]["text"].startswith("k-distance curve") for s in plotly_specs(app))
    kept = app.session_state[state.SEGMENTATION]  # the last good result stays, and the page says so
    assert kept.params.get("eps") != 0.05
    assert any("last segmentation that worked" in i.value for i in app.info)
    app.button(key="cluster__use_eps").click().run()
    assert not app.exception and not app.error
    eps = app.number_input(key="cluster__dbscan__eps").value
    assert eps != 0.05
    assert app.session_state[state.SEGMENTATION].params == {"eps": eps, "min_samples": 10}


def test_recommend_k_moves_k_to_the_recommendation(app, clean_sample):
    open_page(app, PAGE, {state.CLEAN: clean_sample})
    recommended = app.session_state[state.SWEEP].recommended_k
    app.number_input(key="cluster__kmeans__k").set_value(recommended + 2).run()
    assert app.session_state[state.SEGMENTATION].n_segments == recommended + 2
    app.button(key="cluster__sweep").click().run()
    assert not app.exception
    assert app.number_input(key="cluster__kmeans__k").value == recommended
    assert app.session_state[state.SEGMENTATION].params["k"] == recommended


def test_the_scatter_matrix_is_drawn_when_its_view_is_opened(app, clean_sample):
    open_page(app, PAGE, {state.CLEAN: clean_sample})
    app.session_state["cluster__view"] = "Scatter matrix"
    app.run()
    assert not app.exception
    titles = [spec["layout"]["title"]["text"] for spec in plotly_specs(app)]
    assert any(t.startswith("Chosen features, pair by pair") for t in titles)
    assert not any(t.startswith("PCA") for t in titles)


def test_changing_k_refits_once_and_never_sweeps_again(app, clean_sample, monkeypatch):
    from core import pipeline

    calls = {"sweep": 0, "diagnose": 0}

    def counted(name, original):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(pipeline, "recommend_k", counted("sweep", pipeline.recommend_k))
    monkeypatch.setattr(pipeline, "diagnose", counted("diagnose", pipeline.diagnose))
    open_page(app, PAGE, {state.CLEAN: clean_sample})
    assert calls == {"sweep": 1, "diagnose": 1}
    k = app.number_input(key="cluster__kmeans__k").value
    app.number_input(key="cluster__kmeans__k").set_value(k + 1).run()
    assert not app.exception
    assert app.session_state[state.SEGMENTATION].n_segments == k + 1
    assert calls == {"sweep": 1, "diagnose": 2}  # the new segmentation's diagnostics, once
    app.number_input(key="cluster__kmeans__k").set_value(k).run()
    app.run()
    assert calls == {"sweep": 1, "diagnose": 2}  # back to a segmentation seen before: all cached


def test_compare_algorithms_stays_open_and_costs_nothing_while_closed(app, clean_sample):
    open_page(app, PAGE, {state.CLEAN: clean_sample})
    app.multiselect(key="cluster__compare").set_value(["gmm"]).run()
    assert not app.exception
    assert len(app.dataframe) == 1, "closed: only the criteria table, no comparison run"
    app.session_state["cluster__compare_open"] = True
    app.run()
    assert app.session_state["cluster__compare_open"] is True
    tables = [table.value for table in app.dataframe]
    assert any("Gaussian mixture" in str(t.index.tolist()) for t in tables), "the comparison names algorithms"
    app.multiselect(key="cluster__compare").set_value(["gmm", "kmedoids"]).run()
    assert not app.exception
    assert app.session_state["cluster__compare_open"] is True, "a selection does not fold the panel"


def test_t_sne_runs_on_demand_with_progress_and_stays_cached(app, clean_sample):
    open_page(app, PAGE, {state.CLEAN: clean_sample})
    app.session_state["cluster__view"] = "t-SNE"
    app.run()
    assert not any(s["layout"]["title"]["text"].startswith("t-SNE") for s in plotly_specs(app)), "not before asked"
    app.button(key="cluster__tsne").click().run()
    assert not app.exception and not app.error
    assert any(s["layout"]["title"]["text"].startswith("t-SNE") for s in plotly_specs(app))
    app.run()  # remembered and cached: drawn again without asking
    assert any(s["layout"]["title"]["text"].startswith("t-SNE") for s in plotly_specs(app))


def test_switching_algorithm_keeps_the_number_of_segments_the_user_chose(app, clean_sample):
    open_page(app, PAGE, {state.CLEAN: clean_sample})
    chosen = app.session_state[state.SWEEP].recommended_k + 2
    app.number_input(key="cluster__kmeans__k").set_value(chosen).run()
    app.selectbox(key="cluster__algorithm").set_value("gmm").run()
    assert not app.exception
    assert app.number_input(key="cluster__gmm__k").value == chosen
    assert app.session_state[state.SEGMENTATION].n_segments == chosen
    app.number_input(key="cluster__gmm__k").set_value(chosen - 1).run()
    app.selectbox(key="cluster__algorithm").set_value("kmeans").run()
    assert app.number_input(key="cluster__kmeans__k").value == chosen - 1  # the last k chosen, on any algorithm


def test_the_category_weight_is_disabled_when_no_feature_is_a_category(app, clean_sample):
    open_page(app, PAGE, {state.CLEAN: clean_sample})
    app.selectbox(key="cluster__algorithm").set_value("gower-kmedoids").run()
    assert not app.exception
    assert app.number_input(key="cluster__gower-kmedoids__category_weight").disabled
    assert any("nothing to weigh" in caption.value for caption in app.caption)
    app.selectbox(key="cluster__algorithm").set_value("kprototypes").run()
    assert app.number_input(key="cluster__kprototypes__gamma").disabled
