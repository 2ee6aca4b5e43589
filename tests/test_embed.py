"""core.cluster._embed: PCA keeps every customer and reports explained variance; t-SNE and MDS on Gower distances
run on a seeded sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from core.cluster import MDS_SAMPLE, gower_mds, pca, tsne
from core.errors import DataError


def test_pca_on_a_line_explains_everything_in_one_component():
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [0.0, 2.0, 4.0, 6.0]}, index=[10, 11, 12, 13])
    coords, share = pca(frame)
    assert list(coords.columns) == ["PC1", "PC2"]
    assert list(coords.index) == [10, 11, 12, 13]
    assert share[0] == pytest.approx(1.0)
    assert abs(coords["PC1"].iloc[3] - coords["PC1"].iloc[0]) == pytest.approx(np.sqrt(9 + 36))


def test_pca_in_three_dimensions():
    values, _ = make_blobs(200, 5, centers=3, random_state=0)
    coords, share = pca(values, n_components=3)
    assert coords.shape == (200, 3)
    assert np.all(np.diff(share) <= 0) and share.sum() <= 1.0
    with pytest.raises(DataError):
        pca(values, n_components=4)


def test_tsne_embeds_a_seeded_sample_and_keeps_blobs_apart():
    values, truth = make_blobs(600, 5, centers=3, random_state=0)
    coords, rows = tsne(values, sample_size=150)
    assert coords.shape == (150, 2)
    assert len(rows) == 150 and np.all(np.diff(rows) > 0)
    again, rows_again = tsne(values, sample_size=150)
    np.testing.assert_array_equal(rows, rows_again)
    np.testing.assert_allclose(coords.to_numpy(), again.to_numpy())
    centres = np.array([coords[truth[rows] == g].mean().to_numpy() for g in range(3)])
    spread = max(coords[truth[rows] == g].std().max() for g in range(3))
    gaps = [np.linalg.norm(centres[i] - centres[j]) for i in range(3) for j in range(i + 1, 3)]
    assert min(gaps) > 2 * spread


def mixed_matrix(n: int, seed: int = 0) -> pd.DataFrame:
    """Two planted groups that differ only in their card tier and gender; spend is the same noise for both."""
    rng = np.random.default_rng(seed)
    group = rng.random(n) < 0.4
    hot = 1 / np.sqrt(2)
    frame = pd.DataFrame({"spend": rng.normal(0, 1, n), "tenure": rng.normal(0, 1, n)})
    for feature, (yes, no) in {"Card": ("Platinum", "Blue"), "Gender": ("F", "M")}.items():
        frame[f"{feature}={yes}"] = np.where(group, hot, 0.0)
        frame[f"{feature}={no}"] = np.where(group, 0.0, hot)
    return frame.set_index(pd.RangeIndex(100, 100 + n))


def test_gower_mds_draws_every_customer_of_a_small_table_and_names_the_method():
    frame = mixed_matrix(300)
    result = gower_mds(frame)
    assert result.coords.shape == (300, 2) and list(result.coords.columns) == ["MDS1", "MDS2"]
    assert list(result.coords.index) == list(frame.index) and list(result.rows) == list(range(300))
    assert result.method == "MDS on Gower distances of all 300 customers"
    assert 0 < result.explained[1] <= result.explained[0] and result.explained.sum() <= 1


def test_gower_mds_separates_groups_that_differ_only_in_their_categories():
    frame = mixed_matrix(400)
    result = gower_mds(frame)
    group = frame["Card=Platinum"].to_numpy() > 0
    first = result.coords["MDS1"].to_numpy()
    assert first[group].max() < first[~group].min() or first[~group].max() < first[group].min()


def test_gower_mds_projects_a_bounded_seeded_sample_of_a_large_table_the_same_way_every_time():
    frame = mixed_matrix(5_000)
    result = gower_mds(frame, sample_size=1_000, random_state=3)
    assert result.coords.shape == (1_000, 2) and len(result.rows) == 1_000
    assert np.all(np.diff(result.rows) > 0) and result.rows.max() < 5_000
    assert list(result.coords.index) == list(frame.index[result.rows])
    assert result.method == "MDS on Gower distances of a 1,000-customer sample"
    again = gower_mds(frame, sample_size=1_000, random_state=3)
    np.testing.assert_array_equal(result.rows, again.rows)
    np.testing.assert_allclose(result.coords.to_numpy(), again.coords.to_numpy())
    other = gower_mds(frame, sample_size=1_000, random_state=4)
    assert not np.array_equal(result.rows, other.rows)
    assert MDS_SAMPLE == 2_000 and len(gower_mds(frame).rows) == MDS_SAMPLE


def test_gower_mds_works_on_numbers_alone_and_refuses_too_few_customers():
    values, _ = make_blobs(120, 4, centers=2, random_state=0)
    assert gower_mds(pd.DataFrame(values, columns=list("abcd"))).coords.shape == (120, 2)
    with pytest.raises(DataError):
        gower_mds(pd.DataFrame({"a": [0.0, 1.0]}))
