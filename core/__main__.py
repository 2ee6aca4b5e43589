"""The command line: the app's pipeline without the UI (``python -m core --help``).

Every command parses its options and calls library functions; heavy imports happen inside the commands so
``--help`` answers at once. Bad input exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

PROG = "python -m core"
STABILITY_RUNS = 10  # = core.pipeline.STABILITY_RUNS (not imported here, so that --help answers at once)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


class InputError(Exception):
    """A file that cannot be read; shown as one line."""


MAX_PROBLEMS_SHOWN = 10  # refused feedback lines listed on stdout; the rest are counted


def _read(path: str) -> tuple[bytes, str]:
    try:
        return Path(path).read_bytes(), Path(path).name
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None


def _load(path: str) -> tuple[Any, str]:
    """Load a table with the app's loader; return (frame, sha256 of the bytes)."""
    from core.io import load_table

    data, name = _read(path)
    return load_table(data, name).frame, hashlib.sha256(data).hexdigest()


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}") from None


def _segment(args: argparse.Namespace) -> int:
    from core.pipeline import run_segment_pipeline
    from core.schema import detect_layout
    from core.workbook import assemble_export

    customers, sha = _load(args.input)
    transactions = None
    if detect_layout(customers) == "transactions":  # a transaction file given as INPUT: segment its customers
        if args.transactions:
            raise InputError(f"{Path(args.input).name} is a transaction table: give it once, as INPUT.")
        customers, transactions = None, customers
    elif args.transactions:
        transactions, tx_sha = _load(args.transactions)
        sha = f"{sha} (transactions {tx_sha})"
    recipe = None
    if args.recipe:
        from core.clean import Recipe

        recipe = Recipe.from_json(_read(args.recipe)[0])
    feedback, feedback_note = _feedback(args.feedback, customers) if args.feedback else (None, None)
    k: str | int = args.k if args.k == "auto" else int(args.k)
    result = run_segment_pipeline(
        customers,
        transactions,
        recipe=recipe,
        algorithm=args.algorithm,
        k=k,
        random_state=args.random_state,
        feedback=feedback,
        dataset_name=Path(args.input).name,
        stability_runs=args.stability,
        source=args.source,
    )
    options = {"algorithm": args.algorithm, "k": args.k, "stability": args.stability, "recipe": args.recipe}
    export = assemble_export(result.workbook_inputs(sha256=sha, params=options), stem=Path(args.out).stem)
    out = Path(args.out)
    if export.filename.endswith(".zip") and out.suffix != ".zip":
        out = out.with_suffix(".zip")
    _write(str(out), export.data)
    lines = result.summary_lines()
    if feedback_note:
        lines.append(feedback_note)
    if args.model_out:
        from core.model import model_from_run, model_to_json

        model = model_from_run(result.clean, result.segmentation, result.names, result.descriptions)
        _write(args.model_out, model_to_json(model).encode())
        lines.append(f"Model written to {args.model_out}")
    lines.append(f"Workbook written to {out}")
    print("\n".join(lines))
    return 0


def _feedback(path: str, customers: Any) -> tuple[Any, str]:
    from core.recommend import load_catalogue, read_feedback
    from core.schema import id_column, infer_roles

    if customers is None:
        return None, "Feedback ignored: it needs a customer file."
    data, name = _read(path)
    column = id_column(infer_roles(customers))
    ids = customers[column] if column else customers.index.to_series()
    result = read_feedback(data, name, customer_ids=ids, catalogue=load_catalogue())
    lines = [f"Feedback: {len(result.valid):,} outcomes read, {len(result.problems):,} lines refused."]
    shown = result.problems.head(MAX_PROBLEMS_SHOWN)
    lines += [f"  line {line}: {reason}" for line, reason in zip(shown["line"], shown["reason"], strict=True)]
    if len(result.problems) > MAX_PROBLEMS_SHOWN:
        lines.append(f"  ... and {len(result.problems) - MAX_PROBLEMS_SHOWN:,} more")
    return result.valid, "\n".join(lines)


def _assign(args: argparse.Namespace) -> int:
    from core.model import assign_file, model_from_json
    from core.workbook import Sheet, build_workbook, customers_csv

    model = model_from_json(_read(args.model)[0])
    frame, _ = _load(args.newfile)
    assigned = assign_file(model, frame)
    if args.out.lower().endswith(".xlsx"):
        data = build_workbook([Sheet("Customers", assigned.reset_index(drop=True), "Customers with their segment.")])
    else:
        data = customers_csv(assigned)
    _write(args.out, data)
    counts = assigned["segment_name"].value_counts()
    lines = [f"{len(assigned):,} customers assigned to {len(counts)} segments:"]
    lines += [f"  {name}: {count:,}" for name, count in counts.items()]
    print("\n".join([*lines, f"Written to {args.out}"]))
    return 0


def _fraud(args: argparse.Namespace) -> int:
    from core.fraud import score_transaction_file
    from core.transactions import infer_transaction_columns
    from core.workbook import customers_csv

    frame, _ = _load(args.transactions)
    scores = score_transaction_file(frame, infer_transaction_columns(frame), budget=args.budget)
    _write(args.out, customers_csv(scores))
    lines = [f"{len(scores):,} transactions scored, {int(scores['flagged'].sum()):,} flagged; written to {args.out}"]
    lines += [f"Note: {note}" for note in scores.attrs.get("notes", ())]
    if args.customers:
        from core.fraud import score_customers
        from core.pipeline import run_segment_pipeline

        customers, _ = _load(args.customers)
        result = run_segment_pipeline(customers, None, act=False, dataset_name=Path(args.customers).name)
        segmentation = result.segmentation
        customer_scores = score_customers(
            result.clean.table, result.clean.matrix, segmentation.labels, segmentation.centres, budget=args.budget
        )
        path = Path(args.out).with_name(Path(args.out).stem + "_customers.csv")
        _write(str(path), customers_csv(customer_scores))
        lines.append(f"{len(customer_scores):,} customers scored; written to {path}")
    print("\n".join(lines))
    return 0


def _samples(args: argparse.Namespace) -> int:
    from core.samples import write_samples

    paths = write_samples(args.directory)
    print("\n".join(f"Written {path}" for path in paths))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every command (``segment``, ``assign``, ``fraud``, ``samples``)."""
    parser = _Parser(prog=PROG, description="CardLens: credit-card customer segments from the command line.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    segment = commands.add_parser(
        "segment",
        help="segment customers and write the analyst workbook",
        description="Load, clean (default or given recipe), segment, profile, name, and write the same workbook "
        "as the app. INPUT is a customer table (CSV or Excel); a transaction table works too.",
    )
    segment.add_argument("input", metavar="INPUT", help="customer file (CSV / Excel), or a transaction file")
    segment.add_argument("--transactions", metavar="FILE", help="transactions, for the Fraud and Trends sheets")
    segment.add_argument(
        "--source",
        choices=("customers", "transactions", "joined"),
        default=None,
        help="what to segment: the customer table (default when given), features derived from the transactions, "
        "or both joined on the customer id",
    )
    segment.add_argument("--recipe", metavar="RECIPE.json", help="cleaning recipe downloaded from the Clean page")
    segment.add_argument(
        "--algorithm",
        default="kmeans",
        choices=("kmeans", "kmedoids", "gmm", "hierarchical", "dbscan", "hdbscan"),
        help="segmentation algorithm (default: kmeans)",
    )
    segment.add_argument("--k", default="auto", help="number of segments, or 'auto' for the k sweep's recommendation")
    segment.add_argument("--feedback", metavar="FILE", help="campaign outcomes (customer_id, offer_id, outcome, date)")
    segment.add_argument(
        "--stability",
        type=int,
        default=STABILITY_RUNS,
        metavar="N",
        help=f"bootstrap refits for segment stability (default {STABILITY_RUNS}; 0 skips)",
    )
    segment.add_argument("--random-state", type=int, default=0, metavar="SEED", help="seed (default 0)")
    segment.add_argument("--out", default="cardlens_segments.xlsx", help="workbook path (.zip beyond Excel's rows)")
    segment.add_argument("--model-out", metavar="MODEL.json", help="also save the model for `assign`")
    segment.set_defaults(run=_segment)

    assign = commands.add_parser(
        "assign",
        help="place next month's customers into saved segments",
        description="Clean NEWFILE with the saved recipe and place each customer in the nearest saved segment.",
    )
    assign.add_argument("model", metavar="MODEL", help="model file written by `segment --model-out`")
    assign.add_argument("newfile", metavar="NEWFILE", help="the new customer file")
    assign.add_argument("--out", required=True, help="output file (.csv, or .xlsx for a workbook)")
    assign.set_defaults(run=_assign)

    fraud = commands.add_parser(
        "fraud",
        help="score transactions (and customers) for fraud and anomalies",
        description="Score every transaction against its customer's history and its category; flag the top N.",
    )
    fraud.add_argument("transactions", metavar="TRANSACTIONS", help="transaction file (CSV / Excel)")
    fraud.add_argument("--customers", metavar="FILE", help="also score these customers (written to OUT_customers.csv)")
    fraud.add_argument("--budget", type=int, default=100, metavar="N", help="alerts to flag (default 100)")
    fraud.add_argument("--out", required=True, help="CSV of scores, one row per input transaction")
    fraud.set_defaults(run=_fraud)

    samples = commands.add_parser("samples", help="write the bundled sample files", description="Regenerate samples.")
    samples.add_argument("directory", nargs="?", default="sample_data", metavar="DIR", help="default: sample_data")
    samples.set_defaults(run=_samples)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status (0 done, 2 bad input, 1 unexpected failure)."""
    args = build_parser().parse_args(argv)
    try:
        from core.errors import DataError

        try:
            return args.run(args)
        except (DataError, InputError) as error:
            message = " ".join(str(error).split())
            print(f"{PROG} {args.command}: {message}", file=sys.stderr)
            return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # never a traceback: one line that says it is a bug
        print(f"{PROG} {args.command}: unexpected {type(error).__name__}: {error}; please report it.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
