"""Mixed data: categories in the recipe, Gower K-Medoids and k-prototypes on planted groups, profiles of levels.

The planted table is BankChurners-shaped: Gender, Education, Marital status, Income band and Card tier, plus
money and count columns. Its four true groups differ only in their categories (each group has a home level
per feature, held by 85% of its customers); the numeric columns are drawn from one distribution for everyone.
Even knowing the generator, a customer's five categories do not always name the group (groups share home
levels of the two-level Gender and three-level Marital status): the Bayes assignment scores an adjusted Rand
index of about 0.94, which is the ceiling. The bar is the issue's 0.9 and within 0.03 of that ceiling.
K-Means, on the numeric columns alone or with the one-hot columns, sees no groups (ARI near 0).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from core import cluster
from core.clean import Recipe, Step, apply_recipe, default_recipe, feature_reasons
from core.profiles import distinguishing_levels, profile_segments

LEVELS = {
    "Gender": ["F", "M"],
    "Education_Level": ["High School", "Graduate", "Post-Graduate", "Doctorate"],
    "Marital_Status": ["Single", "Married", "Divorced"],
    "Income_Category": ["Less than $40K", "$40K - $60K", "$60K - $80K", "$80K - $120K", "$120K +"],
    "Card_Category": ["Blue", "Silver", "Gold", "Platinum"],
}
ROLES = {
    "CLIENTNUM": "id",
    **dict.fromkeys(LEVELS, "categorical"),
    **dict.fromkeys(["Credit_Limit", "Total_Trans_Amt", "Total_Revolving_Bal"], "amount"),
    **dict.fromkeys(["Total_Trans_Ct", "Months_on_book", "Contacts_Count_12_mon"], "feature"),
}
NUMERIC = ["Credit_Limit", "Total_Trans_Amt", "Total_Revolving_Bal", "Total_Trans_Ct", "Months_on_book"]


def planted_customers(n: int = 2_000, seed: int = 0, home_share: float = 0.85) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers in four groups that differ only in their categories; return the table and the true group."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 4, size=n)
    frame = pd.DataFrame({"CLIENTNUM": np.arange(700_000_000, 700_000_000 + n)})
    for f, (feature, levels) in enumerate(LEVELS.items()):
        home = (group + f) % len(levels)  # each group's home level, shifted per feature
        other = (home + rng.integers(1, len(levels), size=n)) % len(levels)
        codes = np.where(rng.random(n) < home_share, home, other)
        frame[feature] = np.asarray(levels, dtype=object)[codes]
    frame["Credit_Limit"] = np.clip(8_000 * rng.lognormal(0, 0.6, size=n), 1_438.3, 34_516.0).round(1)
    frame["Total_Trans_Amt"] = np.clip(4_400 * rng.lognormal(0, 0.5, size=n), 510, 18_484).round()
    frame["Total_Revolving_Bal"] = np.where(rng.random(n) < 0.25, 0, rng.integers(400, 2_518, size=n))
    frame["Total_Trans_Ct"] = np.clip(rng.normal(65, 22, size=n), 10, 139).round().astype("int64")
    frame["Months_on_book"] = np.clip(rng.normal(36, 8, size=n), 13, 56).round().astype("int64")
    frame["Contacts_Count_12_mon"] = rng.choice(7, size=n, p=[0.04, 0.15, 0.32, 0.33, 0.14, 0.017, 0.003])
    return frame, group


def bayes_ceiling(frame: pd.DataFrame, truth: np.ndarray, home_share: float = 0.85) -> float:
    """ARI of the most likely group given each customer's categories, knowing the generator: the best possible."""
    log_likelihood = np.zeros((len(frame), 4))
    for f, (feature, levels) in enumerate(LEVELS.items()):
        code = frame[feature].map({level: i for i, level in enumerate(levels)}).to_numpy()
        for g in range(4):
            home = (g + f) % len(levels)
            log_likelihood[:, g] += np.log(np.where(code == home, home_share, (1 - home_share) / (len(levels) - 1)))
    return adjusted_rand_score(truth, log_likelihood.argmax(axis=1))


@pytest.fixture(scope="module")
def planted():
    frame, truth = planted_customers()
    result = apply_recipe(frame, default_recipe(frame, ROLES), ROLES)
    return frame, truth, result


def test_the_default_recipe_one_hot_encodes_the_categories_after_scaling_the_numbers(planted):
    _, _, result = planted
    assert [r.step.split(". ")[-1] for r in result.reports][-2:] == ["categories", "features"]
    assert result.fitted.categorical == tuple(LEVELS)
    assert cluster.categorical_features(result.matrix) == list(LEVELS)
    block = result.matrix[[f"Gender={level}" for level in LEVELS["Gender"]]]
    assert set(np.unique(block.to_numpy().round(6))) == {0.0, round(1 / np.sqrt(2), 6)}
    assert (block.gt(0).sum(axis=1) == 1).all()
    assert result.matrix[NUMERIC].mean().abs().max() < 1e-9  # the numbers are z-scored as before


def test_rare_levels_are_pooled_and_unseen_levels_are_reported_on_replay():
    frame, _ = planted_customers(n=1_000, seed=1)
    frame.loc[:4, "Card_Category"] = "Black"  # 0.5% of customers: below the 1% threshold
    result = apply_recipe(frame, default_recipe(frame, ROLES), ROLES)
    assert "Card_Category=(other)" in result.matrix.columns
    assert "Card_Category=Black" not in result.matrix.columns
    categories = next(r for r in result.reports if r.step.endswith("categories"))
    assert "1 rare level(s) pooled into (other) (5 customers)" in categories.message
    new = frame.head(20).copy()
    new.loc[new.index[:3], "Marital_Status"] = "Widowed"  # never seen, and Marital_Status has no (other) level
    _, matrix = result.fitted.transform(new)
    block = matrix[[c for c in matrix.columns if c.startswith("Marital_Status=")]]
    assert (block.iloc[:3].to_numpy() == 0).all() and (block.iloc[3:].gt(0).sum(axis=1) == 1).all()


def test_text_with_more_than_fifty_levels_is_left_out_with_a_reason():
    frame, _ = planted_customers(n=300)
    frame["Branch"] = [f"branch {i % 120}" for i in range(len(frame))]
    reasons = feature_reasons(frame, {**ROLES, "Branch": "categorical"}).set_index("column")
    assert not reasons.at["Branch", "used"]
    assert "too many to compare as categories (more than 50)" in reasons.at["Branch", "reason"]
    assert reasons.at["Gender", "used"] and "category with 2 levels" in reasons.at["Gender", "reason"]


def test_integer_coded_categories_become_levels_not_measurements():
    frame, _ = planted_customers(n=400)
    frame["EDUCATION"] = frame["Education_Level"].map({v: i + 1 for i, v in enumerate(LEVELS["Education_Level"])})
    roles = {**ROLES, "EDUCATION": "categorical"}
    result = apply_recipe(frame, Recipe((Step("scale"),), ("Credit_Limit", "EDUCATION")), roles)
    assert list(result.matrix.columns) == ["Credit_Limit", "EDUCATION=1", "EDUCATION=2", "EDUCATION=3", "EDUCATION=4"]
    assert result.reports[-2].step == "2. categories"  # added by the runner: the recipe named a category


@pytest.mark.parametrize("algorithm", ["gower-kmedoids", "kprototypes"], ids=["Gower K-Medoids", "k-prototypes"])
def test_mixed_algorithms_recover_groups_that_differ_only_in_categories(planted, algorithm):
    frame, truth, result = planted
    segmentation = cluster.fit(result.matrix, algorithm, {"k": 4})
    score = adjusted_rand_score(truth, segmentation.labels)
    assert score >= 0.9 and score >= bayes_ceiling(frame, truth) - 0.03
    assert segmentation.confidence.min() >= 0 and segmentation.confidence.max() <= 1
    assert (cluster.assign(segmentation, result.matrix.iloc[:, ::-1]) == segmentation.labels).all()


def test_numeric_only_kmeans_does_not_see_the_planted_groups(planted):
    _, truth, result = planted
    numeric = [c for c in result.matrix.columns if "=" not in c]
    assert adjusted_rand_score(truth, cluster.fit(result.matrix[numeric], "kmeans", {"k": 4}).labels) < 0.05
    # with the one-hot columns too, the six noisy numbers still outweigh the categories for K-Means
    assert adjusted_rand_score(truth, cluster.fit(result.matrix, "kmeans", {"k": 4}).labels) < 0.05


def test_the_k_sweep_recommends_the_planted_four_for_mixed_algorithms(planted):
    _, _, result = planted
    sweep = cluster.sweep_k(result.matrix, "gower-kmedoids", range(2, 7))
    assert sweep.recommended_k == 4
    assert set(sweep.votes) == {"silhouette", "elbow"}
    assert any("Gower" in note for note in sweep.notes)


def test_stability_refits_mixed_algorithms_on_their_categories(planted):
    _, _, result = planted
    segmentation = cluster.fit(result.matrix, "kprototypes", {"k": 4})
    table = cluster.stability(result.matrix, segmentation, n_boot=3, sample_size=1_000)
    assert (table["jaccard"] > 0.85).all()


def test_gower_distances_follow_the_definition():
    matrix = pd.DataFrame({"spend": [0.0, 1.0, 4.0], "Gender=F": [0.7, 0.0, 0.7], "Gender=M": [0.0, 0.7, 0.0]})
    # numeric: |difference| / range 4; category: 0 when the levels match, 1 otherwise; mean of the two
    expected = np.array([[0.0, 0.625, 0.5], [0.625, 0.0, 0.875], [0.5, 0.875, 0.0]])
    np.testing.assert_allclose(cluster.gower_distances(matrix), expected, atol=1e-6)
    weighted = cluster.gower_distances(matrix, weights={"Gender": 3.0})
    np.testing.assert_allclose(weighted[0, 1], (0.25 + 3.0) / 4, atol=1e-6)


@pytest.mark.slow
def test_gower_kmedoids_takes_the_sampled_path_at_50000_rows_with_bounded_memory():
    frame, truth = planted_customers(n=50_000, seed=2)
    matrix = apply_recipe(frame, default_recipe(frame, ROLES), ROLES).matrix
    tracemalloc.start()
    segmentation = cluster.fit(matrix, "gower-kmedoids", {"k": 4})
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert any("seeded samples" in note for note in segmentation.notes)
    assert peak < 200 * 2**20  # a full 50,000 x 50,000 float32 Gower matrix would be 10 GB
    assert adjusted_rand_score(truth, segmentation.labels) >= 0.9


def test_profiles_speak_about_levels(planted):
    frame, truth, result = planted
    profiles = profile_segments(result.table, truth, result.features, categorical=result.fitted.categorical)
    assert profiles.categorical_features == list(LEVELS)
    assert profiles.features == [*NUMERIC, "Contacts_Count_12_mon"]
    gender = profiles.levels.query("feature == 'Gender' and segment == 0").set_index("level")
    expected = frame.loc[truth == 0, "Gender"].value_counts(normalize=True)
    assert gender["share"].to_dict() == pytest.approx(expected.to_dict())
    assert gender["portfolio_share"].sum() == pytest.approx(1.0)
    tests = profiles.category_tests
    assert (tests["chi2_p"] < 1e-6).all() and tests["cramers_v"].between(0.4, 1).all()
    words = profiles.category_highlights[0]
    assert words and "vs" in words[0] and words[0] in profiles.highlights[0]
    top = distinguishing_levels(profiles, 0, limit=3)
    assert list(top.columns[:6]) == ["feature", "level", "share", "portfolio_share", "index", "words"]
    assert (top["index"] > 100).all()


def test_our_k_prototypes_agrees_with_the_kmodes_package():
    from kmodes import kprototypes  # a test-only dependency (requirements-dev.txt)

    frame, _ = planted_customers(n=600, seed=3)
    result = apply_recipe(frame, default_recipe(frame, ROLES), ROLES)
    ours = cluster.fit(result.matrix, "kprototypes", {"k": 4, "gamma": 2.0}).labels
    numeric = result.matrix[[c for c in result.matrix.columns if "=" not in c]].to_numpy()
    data = np.column_stack([numeric, frame[list(LEVELS)].to_numpy()]).astype(object)
    categorical = list(range(numeric.shape[1], data.shape[1]))
    theirs = kprototypes.KPrototypes(n_clusters=4, gamma=2.0, n_init=4, random_state=0).fit_predict(
        data, categorical=categorical
    )
    assert adjusted_rand_score(ours, theirs) >= 0.9


def test_the_cluster_pages_diagnostics_judge_mixed_segments_on_gower_distances(planted):
    # The Cluster page's headline silhouette and its per-customer chart come from pipeline.diagnose: for a
    # Gower K-Medoids segmentation they must measure Gower distances, as the k sweep and compare do.
    from core import pipeline

    _, _, result = planted
    segmentation = cluster.fit(result.matrix, "gower-kmedoids", {"k": 4})
    gower, per_customer = pipeline.diagnose(result.matrix, segmentation.labels, algorithm="gower-kmedoids")
    euclidean, _ = pipeline.diagnose(result.matrix, segmentation.labels)
    assert (gower["silhouette_distance"], euclidean["silhouette_distance"]) == ("Gower", "euclidean")
    reference = cluster.segmentation_metrics(
        result.matrix, segmentation.labels, sample_size=pipeline.SILHOUETTE_SAMPLE, algorithm="gower-kmedoids"
    )
    assert gower["silhouette"] == pytest.approx(reference["silhouette"], abs=1e-6)
    assert gower["silhouette"] == pytest.approx(per_customer["silhouette"].mean())
    assert abs(gower["silhouette"] - euclidean["silhouette"]) > 0.01
