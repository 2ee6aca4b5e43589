"""The command line: the app's pipeline without the UI (``python -m core --help``).

Every command parses its options and calls library functions; heavy imports happen inside the commands so
``--help`` answers at once. Bad input exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

PROG = "python -m core"
STABILITY_RUNS = 10  # = core.pipeline.STABILITY_RUNS (not imported here, so that --help answers at once)
# = core.pipeline.ALGORITHM_CHOICES, for the same reason (tests/test_cli_columns.py checks they agree)
ALGORITHM_CHOICES = ("kmeans", "kmedoids", "gmm", "hierarchical", "dbscan", "hdbscan", "gower-kmedoids", "kprototypes")


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


def _corrections(args: argparse.Namespace) -> dict[str, str]:
    """Parse ``--columns role=COLUMN[,role=COLUMN...]`` (repeatable; date parts joined by ``+``)."""
    corrections: dict[str, str] = {}
    for item in ",".join(args.columns or []).split(","):
        if not item.strip():
            continue
        role, equals, column = item.partition("=")
        if not equals or not role.strip() or not column.strip():
            raise InputError(f"--columns takes ROLE=COLUMN pairs such as customer=user_id, not {item.strip()!r}")
        corrections[role.strip().lower()] = column.strip()
    return corrections


def _repeated_keys(choice: str, frame: Any, key: str | None, roles: Any) -> Any:
    """Apply ``--repeated-keys`` to a customer table; return the ``KeyResolution`` (its ``frame`` and sentence)."""
    from core.repeated_keys import default_choice, resolve_repeated_keys

    choice = choice or default_choice(roles)
    return resolve_repeated_keys(frame, key if key in frame.columns else None, choice, roles=roles)


def _for_table(corrections: dict[str, str], frame: Any) -> dict[str, str]:
    """Return the corrections whose columns are all in ``frame``."""
    return {
        role: column for role, column in corrections.items() if all(part in frame.columns for part in column.split("+"))
    }


def _understand(frame: Any, name: str, corrections: dict[str, str], exclude: list[str], kind: str | None) -> Any:
    from core.schema import understand

    return understand(
        frame,
        columns=_for_table(corrections, frame),
        exclude=[column for column in exclude if column in frame.columns],
        kind=kind,
    )


def _unmatched(corrections: dict[str, str], exclude: list[str], *frames: Any) -> None:
    """Refuse a ``--columns`` or ``--exclude`` column that is in none of the files, naming their columns."""
    known = {str(column) for frame in frames if frame is not None for column in frame.columns}
    for role, column in corrections.items():
        missing = [part for part in column.split("+") if part not in known]
        if missing:
            raise InputError(
                f"--columns {role}={column}: no column {missing[0]!r} in the input. Its columns are: "
                f"{', '.join(sorted(known)[:30])}"
            )
    for column in exclude:
        if column not in known:
            raise InputError(f"--exclude {column}: no such column in the input")


def _workbook_path(out: str) -> Path:
    """Return where ``segment`` writes its workbook for ``--out``.

    A folder (existing, or written with a trailing slash) gets ``cardlens_segments.xlsx`` inside it, and a name
    without a suffix gets ``.xlsx`` (tests/test_cli.py).
    """
    path = Path(out)
    if path.is_dir() or out.endswith(("/", os.sep)):
        return path / "cardlens_segments.xlsx"
    return path if path.suffix else path.with_suffix(".xlsx")


def _segment(args: argparse.Namespace) -> int:
    from core.pipeline import run_segment_pipeline
    from core.workbook import assemble_export

    customers, sha = _load(args.input)
    corrections, exclude = _corrections(args), list(args.exclude or [])
    transactions = None
    if args.transactions:
        transactions, tx_sha = _load(args.transactions)
        sha = f"{sha} (transactions {tx_sha})"
    _unmatched(corrections, exclude, customers, transactions)
    understood = _understand(customers, Path(args.input).name, corrections, exclude, args.kind)
    report = understood.lines(Path(args.input).name)
    roles, tx_columns = understood.roles, None
    if understood.kind == "transactions":  # a transaction file given as INPUT: segment its customers
        if args.transactions:
            raise InputError(
                f"{Path(args.input).name} is a transaction table: give it once, as INPUT (or say --kind customers)."
            )
        customers, transactions, roles, tx_columns = None, customers, None, understood.transaction_columns
    elif transactions is not None:
        tx_understood = _understand(transactions, Path(args.transactions).name, corrections, exclude, "transactions")
        tx_columns = tx_understood.transaction_columns
        report += tx_understood.lines(Path(args.transactions).name)
    full_customers, full_transactions = customers, transactions
    keys = None if customers is None else _repeated_keys(args.repeated_keys, customers, understood.key, roles)
    if keys is not None:
        customers = keys.frame
        report += [f"- {keys.sentence()}"] if keys.found else []
    customers, transactions, sample_note = _sample(args, customers, transactions, roles, tx_columns)
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
        roles=roles,
        tx_columns=tx_columns,
        understanding=tuple(report),
    )
    options = {"algorithm": args.algorithm, "k": args.k, "stability": args.stability, "recipe": args.recipe}
    if sample_note:
        options["sample"] = sample_note
    records = _provenance(args, full_customers, full_transactions)
    if keys is not None and keys.note():  # the workbook says what was done to repeated keys
        records = tuple(replace(r, note=keys.note()) if r.input == "customer table" else r for r in records)
    inputs = result.workbook_inputs(sha256=sha, params=options, provenance=records)
    out = _workbook_path(args.out)
    export = assemble_export(inputs, stem=out.stem)
    if export.filename.endswith(".zip") and out.suffix != ".zip":
        out = out.with_suffix(".zip")
    _write(str(out), export.data)
    lines = [*report, "", *([f"Fitted on a sample: {sample_note}"] if sample_note else []), *result.summary_lines()]
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


def _sample(
    args: argparse.Namespace, customers: Any, transactions: Any, roles: Any, tx_columns: Any
) -> tuple[Any, Any, str | None]:
    """Keep a seeded sample of ``--sample N`` customers (their transactions too); say what was kept."""
    if args.sample is None:
        return customers, transactions, None
    if args.sample < 1:
        raise InputError(f"--sample takes a number of customers of at least 1, not {args.sample}")
    import numpy as np

    from core.schema import id_column

    key = tx_columns.customer if tx_columns is not None else None
    seed = args.random_state
    if customers is not None:
        total = len(customers)
        if total > args.sample:
            customers = customers.sample(n=args.sample, random_state=seed).sort_index()
            id_name = id_column(roles) if roles else None
            if transactions is not None and key in transactions.columns and id_name in customers.columns:
                transactions = transactions[transactions[key].astype(str).isin(customers[id_name].astype(str))]
        kept = len(customers)
    else:
        if key is None or key not in transactions.columns:
            raise InputError("--sample needs the transactions' customer column: say it with --columns customer=COL")
        ids = transactions[key].dropna().unique()
        total = kept = len(ids)
        if total > args.sample:
            chosen = np.random.default_rng(seed).choice(ids, size=args.sample, replace=False)
            transactions = transactions[transactions[key].isin(chosen)]
            kept = args.sample
    return customers, transactions, f"{kept:,} of {total:,} customers (seed {seed})"


def _score(args: argparse.Namespace) -> int:
    from core.model import model_from_json
    from core.scale import score

    if args.master and args.engine != "spark":
        raise InputError("--master is for --engine spark")
    model = model_from_json(_read(args.model)[0])
    summary = score(
        model,
        args.customers,
        args.out,
        transactions=args.transactions,
        engine=args.engine,
        master=args.master,
        budget=args.budget,
        budget_percent=args.budget_percent,
    )
    lines = [
        f"{summary.output_rows:,} of {summary.input_rows:,} customers scored with {summary.engine} in "
        f"{summary.seconds:,.1f} s, {len(summary.segments)} segments:"
    ]
    lines += [f"  {name}: {count:,}" for name, count in summary.segments.items()]
    written = "customers/ as Parquet, summary.json"
    if summary.transactions_in is not None:
        keyed = (
            f" ({summary.transaction_customers:,} customers keyed by {summary.transaction_key!r})"
            if summary.transaction_key is not None and summary.transaction_customers is not None
            else " (no column names the customer: read as one account)"
        )
        lines.append(
            f"{summary.transactions_scored:,} of {summary.transactions_in:,} transactions scored for fraud{keyed}, "
            f"{summary.alerts:,} flagged."
        )
        written = "customers/ and transactions/ as Parquet, summary.json"
    lines += [f"Note: {note}" for note in summary.notes]
    lines.append(f"Written to {args.out} ({written})")
    print("\n".join(lines))
    return 0


def _provenance(args: argparse.Namespace, customers: Any, transactions: Any) -> tuple[Any, ...]:
    """Input records of a ``segment`` run: the files given, their rows and SHA-256."""
    from core.workbook import InputRecord

    def record(what: str, path: str, rows: int | None) -> InputRecord:
        data = _read(path)[0]
        return InputRecord(what, Path(path).name, rows, hashlib.sha256(data).hexdigest(), False)

    given = [args.input, args.transactions] if customers is not None else [None, args.input]
    records = []
    if customers is not None:
        records.append(record("customer table", given[0], len(customers)))
    if transactions is not None and given[1]:
        records.append(record("transactions", given[1], len(transactions)))
    if args.recipe:
        records.append(record("recipe", args.recipe, None))
    if args.feedback:
        records.append(record("feedback", args.feedback, None))
    return tuple(records)


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
    from core.clean import FittedRecipe
    from core.model import assign_file, model_from_json, unseen_level_lines, unseen_levels
    from core.workbook import Sheet, build_workbook, customers_csv

    model = model_from_json(_read(args.model)[0])
    frame, _ = _load(args.newfile)
    corrections = _corrections(args)
    unknown = set(corrections) - {"id", "customer", "key"}
    if unknown:
        raise InputError(
            f"assign replays the model's column roles; only --columns id=COLUMN (the customer id in NEWFILE) can "
            f"be given, not {', '.join(sorted(unknown))}"
        )
    if corrections:
        _unmatched(corrections, [], frame)
        model_id = FittedRecipe.from_dict(model.fitted_recipe).id_column
        given = next(iter(corrections.values()))
        if model_id is not None and given != model_id:
            frame = frame.drop(columns=[model_id], errors="ignore").rename(columns={given: model_id})
    fitted = FittedRecipe.from_dict(model.fitted_recipe)
    keys = _repeated_keys(args.repeated_keys, frame, fitted.id_column, fitted.roles)
    assigned = assign_file(model, keys.frame)
    if args.out.lower().endswith(".xlsx"):
        data = build_workbook([Sheet("Customers", assigned.reset_index(drop=True), "Customers with their segment.")])
    else:
        data = customers_csv(assigned)
    _write(args.out, data)
    counts = assigned["segment_name"].value_counts()
    lines = [
        *([keys.sentence()] if keys.found else []),
        f"{len(assigned):,} customers assigned to {len(counts)} segments:",
    ]
    lines += [f"  {name}: {count:,}" for name, count in counts.items()]
    filled = assigned["imputed"].ne("")  # issue 15: imputed values are never passed off as observed
    if filled.any():
        cells = int(assigned.loc[filled, "imputed"].str.count("; ").add(1).sum())
        lines.append(
            f"{cells:,} blank values in {int(filled.sum()):,} rows were filled in by the model's recipe; "
            "the 'imputed' column names them."
        )
    lines += unseen_level_lines(unseen_levels(model, assigned))  # mismatched with every segment's level
    print("\n".join([*lines, f"Written to {args.out}"]))
    return 0


def _fraud(args: argparse.Namespace) -> int:
    from core.fraud import score_transaction_file
    from core.workbook import customers_csv

    frame, _ = _load(args.transactions)
    corrections, exclude = _corrections(args), list(args.exclude or [])
    _unmatched(corrections, exclude, frame)
    understood = _understand(frame, Path(args.transactions).name, corrections, exclude, "transactions")
    columns = understood.transaction_columns
    if columns.timestamp is None or (columns.amount is None and columns.debit is None):
        missing = "timestamp" if columns.timestamp is None else "amount"
        raise InputError(
            f"{Path(args.transactions).name}: no column reads as the transaction {missing}. Say which with "
            f"--columns {missing}=COLUMN (columns: {', '.join(map(str, frame.columns[:30]))})"
        )
    scores = score_transaction_file(frame, columns, budget=args.budget)
    _write(args.out, customers_csv(scores))
    lines = [*understood.lines(Path(args.transactions).name), ""]
    lines.append(
        f"{len(scores):,} transactions scored, {int(scores['flagged'].sum()):,} flagged; written to {args.out}"
    )
    lines += [f"Note: {note}" for note in scores.attrs.get("notes", ())]
    if columns.label is not None and columns.label in frame.columns:  # evaluation (issue 15): read, never fitted
        from core.errors import DataError
        from core.fraud import evaluate_alerts

        try:
            evaluation = evaluate_alerts(scores, frame[columns.label])
            lines += [f"Against {columns.label}: {line}" for line in evaluation.lines()]
        except DataError as error:
            lines.append(f"Not evaluated against {columns.label}: {error}")
    if args.customers:
        from core.fraud import score_customers
        from core.pipeline import run_segment_pipeline

        customers, _ = _load(args.customers)
        known = _understand(customers, Path(args.customers).name, {}, [], "customers")
        keys = _repeated_keys(args.repeated_keys, customers, known.key, known.roles)
        if keys.found:
            lines.append(keys.sentence())
        customers = keys.frame
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


def _role_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--columns",
        action="append",
        metavar="ROLE=COLUMN[,...]",
        help="say which column is what when the guess is wrong: customer, timestamp (date parts joined by +, e.g. "
        "Year+Month+Day+Time), amount, debit, credit, label, id, category, merchant, or a role such as feature, "
        "categorical, leakage, text; e.g. --columns customer=user_id,timestamp=ts,amount=amt,label=is_fraud",
    )
    parser.add_argument(
        "--exclude", nargs="+", action="extend", metavar="COLUMN", help="columns never to use as features"
    )


def _repeated_keys_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repeated-keys",
        choices=("keep", "last", "merge"),
        default=None,
        help="rows that share a customer key: keep each as a customer (the default, as in the app), keep the "
        "latest row of each key (by its date column, else the last in the file; the default for a monthly panel "
        "such as MONTHS_BALANCE), or merge them into one (behaviour averaged, the most common category, the first "
        "id or date)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every command (``segment``, ``assign``, ``score``, ``fraud``, ``samples``)."""
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
    _role_arguments(segment)
    segment.add_argument(
        "--kind",
        choices=("customers", "transactions"),
        default=None,
        help="what INPUT is, when the guess (a repeated key + a date + an amount = transactions) is wrong",
    )
    _repeated_keys_argument(segment)
    segment.add_argument("--recipe", metavar="RECIPE.json", help="cleaning recipe downloaded from the Clean page")
    segment.add_argument(
        "--algorithm",
        default="kmeans",
        choices=ALGORITHM_CHOICES,
        help="segmentation algorithm (default: kmeans); gower-kmedoids and kprototypes compare categories as "
        "categories",
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
    segment.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="fit on a seeded sample of N customers (with their transactions); save the model with --model-out and "
        "score everyone with `score`",
    )
    segment.add_argument(
        "--out", default="cardlens_segments.xlsx", help="workbook path or folder (.zip beyond Excel's rows)"
    )
    segment.add_argument("--model-out", metavar="MODEL.json", help="also save the model for `assign` and `score`")
    segment.set_defaults(run=_segment)

    assign = commands.add_parser(
        "assign",
        help="place next month's customers into saved segments",
        description="Clean NEWFILE with the saved recipe and place each customer in the nearest saved segment.",
    )
    assign.add_argument("model", metavar="MODEL", help="model file written by `segment --model-out`")
    assign.add_argument("newfile", metavar="NEWFILE", help="the new customer file")
    assign.add_argument("--out", required=True, help="output file (.csv, or .xlsx for a workbook)")
    assign.add_argument(
        "--columns",
        action="append",
        metavar="id=COLUMN",
        help="the customer id column of NEWFILE when it is named differently from the model's",
    )
    _repeated_keys_argument(assign)
    assign.set_defaults(run=_assign)

    score = commands.add_parser(
        "score",
        help="place a whole portfolio into saved segments, on pandas or Spark (Parquet out)",
        description="Apply a saved model to CSV or Parquet customers (a file or a folder of files) and write OUT/ "
        "customers/ (Parquet: id, segment, segment_name, distance, confidence, top_offers), with --transactions "
        "OUT/transactions/ (fraud score, rank, flagged, reasons), and OUT/summary.json. --engine spark runs the same "
        "functions with Spark (pip install -r requirements-spark.txt; Java 17).",
    )
    score.add_argument("model", metavar="MODEL", help="model file written by `segment --model-out`")
    score.add_argument(
        "--customers",
        metavar="PATH",
        help="CSV or Parquet file, or a folder of them; optional for a model segmented on transactions alone "
        "(its customers are the transactions' customers)",
    )
    score.add_argument(
        "--transactions",
        metavar="PATH",
        help="also score these transactions for fraud (CSV or Parquet, file, folder); required for a model segmented "
        "on features derived from transactions, which are derived again from them",
    )
    score.add_argument("--out", required=True, metavar="DIR", help="a new folder for the scores")
    score.add_argument("--engine", choices=("pandas", "spark"), default="pandas", help="default: pandas")
    score.add_argument("--master", metavar="URL", help="Spark master (default local[2]; spark://HOST:7077, yarn, ...)")
    alerts = score.add_mutually_exclusive_group()
    alerts.add_argument("--budget", type=int, default=100, metavar="N", help="transaction alerts to flag (default 100)")
    alerts.add_argument("--budget-percent", type=float, metavar="P", help="or flag this percentage of transactions")
    score.set_defaults(run=_score)

    fraud = commands.add_parser(
        "fraud",
        help="score transactions (and customers) for fraud and anomalies",
        description="Score every transaction against its customer's history and its category; flag the top N.",
    )
    fraud.add_argument("transactions", metavar="TRANSACTIONS", help="transaction file (CSV / Excel)")
    fraud.add_argument("--customers", metavar="FILE", help="also score these customers (written to OUT_customers.csv)")
    fraud.add_argument("--budget", type=int, default=100, metavar="N", help="alerts to flag (default 100)")
    fraud.add_argument("--out", required=True, help="CSV of scores, one row per input transaction")
    _role_arguments(fraud)
    _repeated_keys_argument(fraud)  # for --customers
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
