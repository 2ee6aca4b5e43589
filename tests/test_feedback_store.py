import pandas as pd

from core.recommend import append_feedback, feedback_rows, load_stored_feedback, store_directory


def test_nothing_persists_unless_the_deployment_opts_in(tmp_path):
    assert store_directory({}) is None
    assert store_directory({"CARDLENS_FEEDBACK_DIR": "  "}) is None
    assert store_directory({"CARDLENS_FEEDBACK_DIR": str(tmp_path)}) == tmp_path


def test_stored_outcomes_round_trip_and_accumulate(tmp_path):
    store = tmp_path / "shared"
    assert load_stored_feedback(store).empty
    append_feedback(store, feedback_rows("C10001", "cashback_card", 1, "2026-11-01"))
    append_feedback(store, feedback_rows("C10002", "travel_rewards", 0, "2026-11-02"))
    stored = load_stored_feedback(store)
    expected = pd.concat(
        [
            feedback_rows("C10001", "cashback_card", 1, "2026-11-01"),
            feedback_rows("C10002", "travel_rewards", 0, "2026-11-02"),
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    assert stored["outcome"].dtype == "int64"
