"""Hostile files at core level: uploads, recipe JSON and model JSON each get one sentence, never a crash.

The command line turns :class:`DataError` into exit status 2 with that sentence; anything else would be exit 1,
"unexpected ... please report it". The page-level upload test lives with the Upload page's tests.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from core.__main__ import main
from core.clean import Recipe, Step, apply_recipe, default_recipe
from core.errors import DataError
from core.io import load_table
from core.model import MAX_CENTRE, assign_file, model_from_json, model_from_run, model_to_json
from core.schema import infer_roles


def _one_sentence(error: DataError) -> str:
    message = str(error)
    assert message and "\n" not in message and len(message) < 400, message
    assert message.rstrip().endswith((".", ")")), message
    assert "please report" not in message.lower() and "could not be read (" not in message
    return message


# ---- uploads ------------------------------------------------------------------------------------------------


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("customers.csv", "id,a\n1,2\n")
    return buffer.getvalue()


_REFUSED_UPLOADS = [
    ("empty", b"", "is empty"),
    ("whitespace", b" \n\t\r\n   \n", "is empty"),
    ("binary", bytes(range(256)) * 64, "binary data"),
    ("zip", _zip(), "zip archive"),
    ("json", b'{"customers": [{"id": 1, "balance": 2.5}]}', "JSON"),
    ("json array", b'[{"id": 1}, {"id": 2}]', "JSON"),
    ("html", b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>", "web page"),
    ("unbalanced quote", b'id,name,n\n1,"never closed,2\n3,x,4\n', "quote that is never closed"),
    ("deeply nested quotes", b'id,a\n1,"' + b'"' * 5_000 + b"x\n2,y\n", "quote that is never closed"),
    ("header only", b"id,balance,tenure\n", "but no rows"),
    ("pdf", b"%PDF-1.7\n" + bytes(500), "PDF document"),
    ("old excel", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old Excel"),
]


@pytest.mark.parametrize(("data", "words"), [c[1:] for c in _REFUSED_UPLOADS], ids=[c[0] for c in _REFUSED_UPLOADS])
def test_hostile_uploads_are_refused_in_one_sentence_naming_the_file(data, words):
    with pytest.raises(DataError) as caught:
        load_table(data, "upload.csv")
    message = _one_sentence(caught.value)
    assert words in message and "upload.csv" in message


def test_two_thousand_columns_load_as_a_table():
    header = ",".join(f"c{i}" for i in range(2_000))
    row = ",".join(str(i) for i in range(2_000))
    loaded = load_table(f"id,{header}\nA,{row}\nB,{row}\n".encode(), "wide.csv")
    assert loaded.frame.shape == (2, 2_001)
    assert loaded.frame["c1999"].tolist() == [1999, 1999]


def test_a_ten_megabyte_cell_loads_and_stays_out_of_the_report():
    loaded = load_table(b"id,note,n\n1," + b"y" * 10_000_000 + b",2\n3,short,4\n", "big_cell.csv")
    assert loaded.frame.shape == (2, 3)
    assert len(loaded.frame["note"].iloc[0]) == 10_000_000
    assert max(len(line) for line in loaded.report.as_lines()) < 500


def test_utf16_with_bom_loads():
    loaded = load_table("id\tname\tbalance\nA\tZoë\t1.5\nB\tÅsa\t2\n".encode("utf-16"), "unicode.txt")
    assert loaded.frame["name"].tolist() == ["Zoë", "Åsa"]
    assert loaded.report.encoding == "utf-16"


# ---- recipes ---------------------------------------------------------------------------------------------------

_RECIPE = {
    "format": "cardlens-recipe",
    "version": 1,
    "steps": [
        {"kind": "impute", "params": {"method": "median"}},
        {"kind": "outliers", "params": {"iqr_factor": 1.5, "columns": ["BALANCE"]}},
        {"kind": "scale", "params": {}},
    ],
    "features": ["BALANCE", "PURCHASES"],
}


def _recipe(change) -> str:
    document = copy.deepcopy(_RECIPE)
    change(document)
    return json.dumps(document)


def _set(path, value):
    def change(document):
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(key):
    return lambda document: document.pop(key)


_BAD_RECIPES = {
    "not json": "this is not json",
    "empty": "",
    "only spaces": "   \n ",
    "truncated": json.dumps(_RECIPE)[:60],
    "bad utf-8 bytes": b'{"format": "cardlens-recipe", "x": "\xff\xfe"}',
    "a list": "[1, 2, 3]",
    "a number": "42",
    "null": "null",
    "another format": _recipe(_set(["format"], "cardlens-model")),
    "no format": _recipe(_drop("format")),
    "newer version": _recipe(_set(["version"], 99)),
    "version as text": _recipe(_set(["version"], "one")),
    "version as a list": _recipe(_set(["version"], [1])),
    "version true": _recipe(_set(["version"], True)),
    "steps as a mapping": _recipe(_set(["steps"], {"kind": "scale"})),
    "steps as text": _recipe(_set(["steps"], "scale")),
    "a step as text": _recipe(_set(["steps", 0], "impute")),
    "a step without kind": _recipe(_set(["steps", 0], {"params": {}})),
    "unknown step": _recipe(_set(["steps", 0, "kind"], "explode")),
    "kind as a list": _recipe(_set(["steps", 0, "kind"], ["impute"])),
    "kind as a mapping": _recipe(_set(["steps", 0, "kind"], {"a": 1})),
    "params as a list": _recipe(_set(["steps", 0, "params"], [1, 2])),
    "params as text": _recipe(_set(["steps", 0, "params"], "median")),
    "unknown parameter": _recipe(_set(["steps", 0, "params", "magic"], 1)),
    "choice not offered": _recipe(_set(["steps", 0, "params", "method"], "guess")),
    "choice as a number": _recipe(_set(["steps", 0, "params", "method"], 3)),
    "NaN parameter": json.dumps(_RECIPE).replace('"iqr_factor": 1.5', '"iqr_factor": NaN'),
    "Infinity parameter": json.dumps(_RECIPE).replace('"iqr_factor": 1.5', '"iqr_factor": Infinity'),
    "number as text": _recipe(_set(["steps", 1, "params", "iqr_factor"], "1.5")),
    "number out of range": _recipe(_set(["steps", 1, "params", "iqr_factor"], 1e308)),
    "huge fill value": _recipe(_set(["steps", 0, "params"], {"method": "constant", "fill_value": 1e308})),
    "fractional neighbours": _recipe(_set(["steps", 0, "params", "n_neighbors"], 2.5)),
    "boolean number": _recipe(_set(["steps", 1, "params", "iqr_factor"], True)),
    "columns as text": _recipe(_set(["steps", 1, "params", "columns"], "BALANCE")),
    "columns of numbers": _recipe(_set(["steps", 1, "params", "columns"], [1, 2])),
    "nested garbage in columns": _recipe(_set(["steps", 1, "params", "columns"], [[["a"]], {"b": None}])),
    "huge column list": _recipe(_set(["steps", 1, "params", "columns"], ["c"] * 20_000)),
    "too many steps": _recipe(_set(["steps"], [{"kind": "scale"}] * 500)),
    "features as text": _recipe(_set(["features"], "BALANCE")),
    "features of numbers": _recipe(_set(["features"], [1, 2.5])),
    "huge features list": _recipe(_set(["features"], [f"f{i}" for i in range(20_000)])),
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "deep nesting inside": json.dumps(_RECIPE)[:-1] + ', "x": ' + "[" * 50_000 + "]" * 50_000 + "}",
    "over a megabyte": json.dumps({**_RECIPE, "padding": "x" * 2_000_000}),
}


@pytest.mark.parametrize("text", list(_BAD_RECIPES.values()), ids=list(_BAD_RECIPES))
def test_every_malformed_recipe_is_refused_in_one_sentence(text):
    with pytest.raises(DataError) as caught:
        Recipe.from_json(text)
    _one_sentence(caught.value)


def test_there_are_at_least_thirty_recipe_variants():
    assert len(_BAD_RECIPES) >= 30


def test_a_well_formed_recipe_with_every_step_kind_still_reads():
    recipe = Recipe.from_json(json.dumps(_RECIPE))
    assert [step.kind for step in recipe.steps] == ["impute", "outliers", "scale"]
    assert recipe.features == ("BALANCE", "PURCHASES")
    every = Recipe(tuple(Step(kind) for kind in ("drop_duplicate_rows", "impute", "outliers", "transform", "scale")))
    assert Recipe.from_json(every.to_json()) == every


def test_the_default_recipe_of_a_real_table_round_trips(cc_general_path):
    frame = pd.read_csv(cc_general_path)
    recipe = default_recipe(frame, infer_roles(frame))
    assert Recipe.from_json(recipe.to_json()) == recipe


def test_unknown_kinds_are_quoted_short():
    text = _recipe(_set(["steps", 0, "kind"], "x" * 100_000))
    with pytest.raises(DataError, match="Step 1 of the recipe has an unknown kind") as caught:
        Recipe.from_json(text)
    assert len(str(caught.value)) < 400


# ---- models ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "CUST_ID": [f"C{i:04d}" for i in range(120)],
            "BALANCE": np.r_[rng.normal(100, 10, 60), rng.normal(5_000, 300, 60)],
            "PURCHASES": np.r_[rng.normal(2_000, 100, 60), rng.normal(50, 5, 60)],
        }
    )


@pytest.fixture(scope="module")
def model_document(customers) -> dict:
    roles = infer_roles(customers)
    clean = apply_recipe(customers, Recipe((Step("scale"),), ("BALANCE", "PURCHASES")), roles)

    matrix = clean.matrix.to_numpy()
    labels = (clean.table["BALANCE"] > 1_000).to_numpy().astype(int)
    segmentation = SimpleNamespace(  # what model_from_run reads, from a fit by hand
        feature_names=clean.features,
        centres=np.vstack([matrix[labels == 0].mean(axis=0), matrix[labels == 1].mean(axis=0)]),
        algorithm="kmeans",
        params={"k": 2},
    )
    model = model_from_run(clean, segmentation, {0: "Spenders", 1: "Revolvers"}, {0: "buy", 1: "owe"})
    return json.loads(model_to_json(model))


def test_the_hand_built_model_assigns_its_own_customers(model_document, customers):
    model = model_from_json(json.dumps(model_document))
    assigned = assign_file(model, customers)
    assert assigned["segment"].tolist() == [0] * 60 + [1] * 60
    assert assigned["segment_name"].iloc[-1] == "Revolvers"


def _model_variants(base: dict) -> dict[str, str | bytes]:
    def changed(path, value):
        document = copy.deepcopy(base)
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return json.dumps(document)

    def without(key):
        document = copy.deepcopy(base)
        document.pop(key)
        return json.dumps(document)

    text = json.dumps(base)
    width = len(base["features"])
    return {
        "not json": "{model}",
        "empty": "",
        "truncated": text[: len(text) // 2],
        "bad utf-8 bytes": b'{"format": "cardlens-model", "\xc3\x28": 1}',
        "a list": "[]",
        "a string": '"cardlens-model"',
        "another format": changed(["format"], "cardlens-recipe"),
        "newer version": changed(["version"], 2),
        "version as text": changed(["version"], "1"),
        "no centres": without("centres"),
        "no features": without("features"),
        "no fitted recipe": without("fitted_recipe"),
        "centres as text": changed(["centres"], "[[0, 1]]"),
        "centres empty": changed(["centres"], []),
        "centres flat": changed(["centres"], [0.5] * width),
        "centres ragged": changed(["centres"], [[0.0] * width, [0.0] * (width + 1)]),
        "centres of text": changed(["centres"], [["a"] * width, ["b"] * width]),
        "centres of booleans": changed(["centres"], [[True] * width, [False] * width]),
        "centres nested deeper": changed(["centres"], [[[0.0]] * width, [[1.0]] * width]),
        "NaN centre": text.replace(str(base["centres"][0][0]), "NaN", 1),
        "Infinity centre": text.replace(str(base["centres"][0][0]), "-Infinity", 1),
        "1e308 centres": changed(["centres"], [[1e308] * width, [-1e308] * width]),
        "absurd centre": changed(["centres"], [[MAX_CENTRE * 10] + [0.0] * (width - 1), [0.0] * width]),
        "integer beyond float": text.replace(str(base["centres"][0][0]), "1" + "0" * 400, 1),
        "too many segments": changed(["centres"], [[0.0] * width] * 5_000),
        "features mismatch centres": changed(["features"], base["features"][:1]),
        "features as text": changed(["features"], "BALANCE"),
        "features of numbers": changed(["features"], [1, 2]),
        "duplicate features": changed(["features"], [base["features"][0]] * width),
        "fitted recipe as a list": changed(["fitted_recipe"], []),
        "fitted recipe of another format": changed(["fitted_recipe", "format"], "x"),
        "fitted recipe without steps": changed(["fitted_recipe"], {"format": "cardlens-fitted-recipe", "version": 1}),
        "fitted step of unknown kind": changed(
            ["fitted_recipe", "steps"], [{"number": 1, "kind": "boom", "state": {}}]
        ),
        "fitted steps as garbage": changed(["fitted_recipe", "steps"], [[["x"]]]),
        "guard as a list": changed(["fitted_recipe", "guard"], [1, 2]),
        "names as a list": changed(["names"], ["Spenders"]),
        "names keyed by words": changed(["names"], {"first": "Spenders"}),
        "name as a number": changed(["names"], {"0": 5}),
        "params as a list": changed(["params"], [1]),
        "algorithm as a mapping": changed(["algorithm"], {"name": "kmeans"}),
        "deep nesting": '{"format": "cardlens-model", "version": 1, "centres": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "over fifty megabytes": json.dumps({**base, "padding": "x" * (51 * 1024 * 1024)}),
    }


def test_every_malformed_model_is_refused_in_one_sentence(model_document):
    variants = _model_variants(model_document)
    assert len(variants) >= 30
    accepted = []
    for name, text in variants.items():
        try:
            model_from_json(text)
        except DataError as error:
            _one_sentence(error)
        else:
            accepted.append(name)
    assert accepted == [], f"accepted without a word: {accepted}"


def test_a_model_with_1e308_centres_says_why_instead_of_putting_everyone_in_one_segment(model_document):
    width = len(model_document["features"])
    document = {**model_document, "centres": [[1e308] * width, [-1e308] * width]}
    with pytest.raises(DataError, match=r"segment centres reach 1e\+308.*everyone in one segment"):
        model_from_json(json.dumps(document))


def test_a_fitted_recipe_with_garbage_state_fails_at_assign_with_a_sentence(model_document, customers):
    document = copy.deepcopy(model_document)
    for step in document["fitted_recipe"]["steps"]:
        step["state"] = {"columns": 5, "method": ["?"]}
    model = model_from_json(json.dumps(document))
    with pytest.raises(DataError) as caught:
        assign_file(model, customers)
    assert "model file is damaged" in _one_sentence(caught.value)


# ---- the command line: exit 2 and one line ---------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["truncated", "1e308 centres", "centres of text", "no fitted recipe"])
def test_assign_with_a_hostile_model_exits_2_with_one_line(model_document, customers, tmp_path, capsys, variant):
    model_path, data_path = tmp_path / "model.json", tmp_path / "customers.csv"
    text = _model_variants(model_document)[variant]
    model_path.write_bytes(text.encode() if isinstance(text, str) else text)
    customers.to_csv(data_path, index=False)
    assert main(["assign", str(model_path), str(data_path), "--out", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("variant", ["truncated", "unknown step", "NaN parameter", "columns as text"])
def test_segment_with_a_hostile_recipe_exits_2_with_one_line(customers, tmp_path, capsys, variant):
    recipe_path, data_path = tmp_path / "recipe.json", tmp_path / "customers.csv"
    recipe_path.write_text(_BAD_RECIPES[variant])
    customers.to_csv(data_path, index=False)
    status = main(["segment", str(data_path), "--recipe", str(recipe_path), "--out", str(tmp_path / "s.xlsx")])
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
