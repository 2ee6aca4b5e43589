"""core.cluster._embed: PCA keeps every customer and reports explained variance; t-SNE runs on a seeded sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from core.cluster import pca, tsne
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
