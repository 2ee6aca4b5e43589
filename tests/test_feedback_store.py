import multiprocessing
import threading

import pandas as pd
import pytest

from core.errors import DataError
from core.recommend import (
    append_feedback,
    catalogue_to_csv,
    feedback_csv,
    feedback_rows,
    load_catalogue,
    load_stored_feedback,
    read_catalogue,
    read_feedback,
    store_directory,
)
from core.recommend._feedback_store import FILE_NAME


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


# ---- formula-safe files, atomic writes, damaged stores (issue 19.5, 19.6) ---------------------------------

RISKY = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\tC7", "C8"]


def _risky_rows() -> pd.DataFrame:
    return pd.concat([feedback_rows(key, "cashback_card", i % 2, "2026-11-01") for i, key in enumerate(RISKY)])


def test_the_store_is_formula_safe_and_reads_back_what_was_written(tmp_path):
    append_feedback(tmp_path, _risky_rows())
    text = (tmp_path / FILE_NAME).read_bytes().decode("utf-8-sig")
    cells = [line.split(",")[0] for line in text.splitlines()[1:]]
    assert all(cell.startswith(("'", "\"'")) for cell in cells[:4])
    assert cells[4:] == ["C7", "C8"]  # ids are stripped, so the tab is gone before writing
    stored = load_stored_feedback(tmp_path)
    assert stored["customer_id"].tolist() == [key.strip() for key in RISKY]


def test_outcomes_csv_is_formula_safe_and_reads_back_as_a_campaign_file():
    rows = _risky_rows()
    data = feedback_csv(rows)
    first_cells = [line.split(",")[0] for line in data.decode("utf-8-sig").splitlines()[1:]]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for cell in first_cells)
    result = read_feedback(data, "outcomes.csv", customer_ids=rows["customer_id"], catalogue=load_catalogue())
    assert result.problems.empty
    assert sorted(result.valid["customer_id"]) == sorted(rows["customer_id"])


def test_catalogue_csv_is_formula_safe_and_round_trips():
    catalogue = load_catalogue()
    catalogue.loc[0, "name"] = '=HYPERLINK("http://evil","click")'
    data = catalogue_to_csv(catalogue)
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+utilisation" in text  # fit_features like +utilisation are guarded too
    pd.testing.assert_frame_equal(read_catalogue(data, "offers.csv"), catalogue.reset_index(drop=True))


def _append_one(directory: str, number: int, barrier) -> None:
    barrier.wait()
    append_feedback(directory, feedback_rows(f"C{number}", "cashback_card", 1, "2026-11-01"))


def test_first_writes_from_several_threads_at_once_write_one_header_and_every_row(tmp_path):
    barrier = threading.Barrier(8)
    threads = [threading.Thread(target=_append_one, args=(tmp_path, n, barrier)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    text = (tmp_path / FILE_NAME).read_bytes().decode("utf-8-sig")
    assert text.count("customer_id,offer_id,outcome,date") == 1
    assert sorted(load_stored_feedback(tmp_path)["customer_id"]) == sorted(f"C{n}" for n in range(8))


def test_first_writes_from_several_processes_at_once_write_one_header_and_every_row(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    workers = [context.Process(target=_append_one, args=(str(tmp_path), n, barrier)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    text = (tmp_path / FILE_NAME).read_bytes().decode("utf-8-sig")
    assert text.count("customer_id") == 1
    assert len(load_stored_feedback(tmp_path)) == 4
    assert not list(tmp_path.glob(".feedback-*.tmp"))


def test_an_empty_store_reads_as_no_outcomes_and_is_rewritten_clean(tmp_path):
    (tmp_path / FILE_NAME).write_bytes(b"")
    assert load_stored_feedback(tmp_path).empty
    append_feedback(tmp_path, feedback_rows("C1", "cashback_card", 1))
    assert load_stored_feedback(tmp_path)["customer_id"].tolist() == ["C1"]


def test_a_store_with_two_headers_and_a_truncated_line_is_recovered(tmp_path):
    (tmp_path / FILE_NAME).write_text(
        "customer_id,offer_id,outcome,date\n"
        "customer_id,offer_id,outcome,date\n"  # the old race: two first writes at once
        "C1,cashback_card,1,2026-11-01\n"
        "C2,travel_rewards,0,2026-11-02\n"
        "C3,cashb"  # a write cut short
    )
    stored = load_stored_feedback(tmp_path)
    assert stored["customer_id"].tolist() == ["C1", "C2"]
    assert stored["outcome"].tolist() == [1, 0]
    append_feedback(tmp_path, feedback_rows("C4", "cashback_card", 1))
    text = (tmp_path / FILE_NAME).read_bytes().decode("utf-8-sig")
    assert text.count("customer_id") == 1 and "cashb\r" not in text
    assert load_stored_feedback(tmp_path)["customer_id"].tolist() == ["C1", "C2", "C4"]


@pytest.mark.parametrize(
    "content",
    [b"\x00\x01\x02 not a csv \xff" * 100, b"a,b,c\n1,2,3\n"],
    ids=["binary", "other columns"],
)
def test_an_unreadable_store_is_refused_without_showing_the_server_path(tmp_path, content):
    (tmp_path / FILE_NAME).write_bytes(content)
    with pytest.raises(DataError) as caught:
        load_stored_feedback(tmp_path)
    message = str(caught.value)
    assert str(tmp_path) not in message and "CARDLENS_FEEDBACK_DIR" in message
    assert "move it away" in message


def test_a_store_that_cannot_be_written_says_so_without_the_path(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    with pytest.raises(DataError) as caught:
        append_feedback(blocker, feedback_rows("C1", "cashback_card", 1))
    assert str(tmp_path) not in str(caught.value)
    assert "CARDLENS_FEEDBACK_DIR" in str(caught.value)
