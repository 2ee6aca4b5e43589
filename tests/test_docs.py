"""The docs tell the truth: the README's notebook example runs, and every page is described in the README."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
README = (PROJECT / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_every_page_is_described_in_the_readme():
    titles = set()
    for page in sorted((PROJECT / "pages").glob("[0-9]_*.py")):
        match = re.search(r'page_header\(\s*"([^"]+)"', page.read_text())
        assert match, f"{page.name} has no page_header"
        titles.add(match.group(1))
    assert len(titles) == 7
    for title in titles:
        assert f"**{title}**" in README, f"the README's page table does not describe {title}"


def _notebook_example() -> str:
    return re.search(r"```python\n(.*?)```", README, re.S).group(1)


def test_the_readme_notebook_example_calls_the_pipeline_steps():
    code = _notebook_example()
    assert "from core import pipeline" in code
    called = set(re.findall(r"pipeline\.(\w+)\(", code))
    assert {"customer_table", "prepare", "recommend_k", "segment", "profile_and_name", "workbook_inputs"} <= called
    import core.pipeline

    assert all(callable(getattr(core.pipeline, name, None)) for name in called), called


def test_core_imports_without_streamlit():
    """Every core module (what --doctest-modules imports) loads without streamlit: core stays UI-free."""
    code = (
        "import pkgutil, importlib, sys, core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    if not m.name.startswith('core.scale'):\n"  # the optional Spark extra has its own tests
        "        importlib.import_module(m.name)\n"
        "assert 'streamlit' not in sys.modules, 'a core module imports streamlit'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.slow
def test_the_readme_notebook_example_runs(tmp_path):
    code = _notebook_example()
    code += (
        "\nassert segments.n_segments == sweep.recommended_k\nassert profiles.sizes['size'].sum() == 8950\n"
        "assert workbook.data[:2] == b'PK' and acted.offers is not None and len(names) == segments.n_segments\n"
    )
    script = tmp_path / "example.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
