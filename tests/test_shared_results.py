"""Results shared by every session (``pages._cached.shared``): one copy in memory, no session can change another's."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from pages._shared import hand_out


@dataclass(frozen=True)
class Scores:
    frame: pd.DataFrame
    labels: np.ndarray
    note: str


def _result() -> Scores:
    frame = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "score": [0.1, 0.9, 0.4]})
    return Scores(frame, np.array([0, 1, 1]), "kept")


def test_a_session_changing_its_hand_out_leaves_the_shared_result_and_other_sessions_alone():
    kept = _result()
    mine, theirs = hand_out(kept), hand_out(kept)
    assert np.shares_memory(mine.frame["score"].to_numpy(), kept.frame["score"].to_numpy())  # no copy made
    mine.frame["score"] = 0.0  # a whole column replaced
    mine.frame.loc[0, "customer_id"] = "LEAKED"  # one cell changed in place
    mine.frame["extra"] = 1  # a column added
    for other in (kept, theirs):
        assert other.frame["score"].tolist() == [0.1, 0.9, 0.4]
        assert other.frame["customer_id"].tolist() == ["C1", "C2", "C3"]
        assert "extra" not in other.frame.columns
    assert mine.note == "kept" and mine is not kept


def test_shared_arrays_are_read_only_so_an_in_place_write_fails_instead_of_leaking():
    kept = _result()
    mine = hand_out(kept)
    with pytest.raises(ValueError, match="read-only"):
        mine.labels[0] = 5
    assert kept.labels.tolist() == [0, 1, 1]
    pair = hand_out((kept.frame, kept.labels))
    with pytest.raises(ValueError, match="read-only"):
        pair[1][:] = 0
    pair[0]["score"] = -1.0
    assert kept.frame["score"].tolist() == [0.1, 0.9, 0.4]
