"""A speed guard that a slow or busy machine cannot fool: our pipeline against a bare baseline, same run.

Absolute timings fail on slow CI machines and pass on fast laptops whatever the code does, so this test
times the ratio instead: ``benchmarks.stages.full_pipeline`` (load with our loader, infer roles, the default
recipe, K-Means k=4, profiles, names, the analyst workbook) against ``benchmarks.stages.baseline`` (what the
seed notebooks do: ``pd.read_csv``, fill gaps with medians, z-score, ``KMeans(n_init=10)``) on the real CC
GENERAL file. The two alternate (baseline, pipeline, baseline, ...) after one untimed warm-up of each, so a
burst of load from elsewhere hits both, and the medians of three runs are compared.

Both are timed with BLAS/OpenMP limited to one thread (after the warm-up, so that every native library is
loaded and limited). On this 2-core machine, shared with other work, the baseline's default two-thread
K-Means took anywhere from 0.13 s to 12 s for the same 8,950 rows, against 0.13-0.6 s on one thread (threads
spin while they wait for a descheduled sibling): with default threads the ratio would measure the
neighbours, not our code. Both are timed in CPU seconds (``time.process_time``), not wall time: `make test` runs
pytest on two processes, and with the other one busy the wall-time ratio reached 13x in a full run (Dec 2026,
load average about 10; pipeline 2.8-4.4 s, baseline 0.2-0.8 s), while the CPU-time ratio measured 5.0 (1.1-1.4 s
against 0.17-0.27 s), as the wall-time ratio on a quieter machine.

The bound: the ratio measured here was 4.2-7.3 (median about 5; 0.13-0.5 s baseline, 0.65-2.4 s pipeline,
load average 2-5). The baseline writes no workbook, while the workbook alone (``core.workbook.assemble_export``,
about 0.7-1.4 s of formatted sheets) is most of our pipeline's time, so the issue's suggested 3x (and the
design's 1.5x goal) cannot hold with the workbook included; see benchmarks/RESULTS.md. The bound is about
twice the measured ratio: a regression that doubles the pipeline's time fails, noise does not.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

from benchmarks.stages import baseline, full_pipeline

RUNS = 3
RATIO_MEASURED = 5.0
MAX_RATIO = 10.0


def _seconds(call, path: Path) -> float:
    """CPU seconds of this process (one thread, see above): a neighbour's load no longer counts, as wall time did."""
    start = time.process_time()
    call(path)
    return time.process_time() - start


def test_full_pipeline_stays_within_a_few_baselines(cc_general_path):
    baseline(cc_general_path)  # warm-up: imports, and loads every native thread pool before it is limited
    workbook = full_pipeline(cc_general_path)
    base, ours = [], []
    with threadpool_limits(limits=1):
        for _ in range(RUNS):
            base.append(_seconds(baseline, cc_general_path))
            ours.append(_seconds(full_pipeline, cc_general_path))
    ratio = statistics.median(ours) / statistics.median(base)
    assert workbook[:2] == b"PK"  # an .xlsx is a zip: the pipeline really wrote the workbook
    assert ratio < MAX_RATIO, (
        f"the pipeline took {ratio:.1f}x the bare baseline (bound {MAX_RATIO}x; measured about {RATIO_MEASURED}x): "
        f"pipeline runs {[round(t, 3) for t in ours]} s, baseline runs {[round(t, 3) for t in base]} s"
    )
