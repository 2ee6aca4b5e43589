"""Which heavy libraries each page loads when it is imported: ``python benchmarks/heavy_imports.py``.

For every page file, a fresh interpreter runs only the page's module-level import statements (read with
``ast``, so no Streamlit script runs) after the frame's own imports, and reports which of the heavy modules
below ended up in ``sys.modules``, with the wall time of those imports. A heavy module is fine on a page that
uses it (``USES``) and a finding anywhere else: the public demo pays its memory and start-up time on every
page. Also checks that every ``st.cache_data`` / ``st.cache_resource`` in the UI has ``max_entries`` or ``ttl``.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
HEAVY = ("statsmodels", "scipy.cluster.hierarchy", "sklearn.manifold")
# The pages whose own work needs each heavy module (forecasts and STL; dendrograms; t-SNE).
USES = {"statsmodels": ("7_Trends",), "scipy.cluster.hierarchy": ("3_Cluster",), "sklearn.manifold": ("3_Cluster",)}
FRAME = "import streamlit\nfrom pages import _state, _ui\n"

_PROBE = """
import json, sys, time
sys.path.insert(0, {project!r})
exec({frame!r})
before = set(sys.modules)
start = time.perf_counter()
exec({imports!r})
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "heavy": [m for m in {heavy!r} if m in sys.modules],
                   "new_modules": len(set(sys.modules) - before)}}))
"""


def page_imports(path: Path) -> str:
    """The module-level import statements of a page, as source text."""
    tree = ast.parse(path.read_text())
    nodes = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    return "\n".join(ast.unparse(node) for node in nodes if getattr(node, "module", None) != "__future__")


def probe(path: Path) -> dict:
    """Import one page's dependencies in a fresh interpreter; return the seconds and the heavy modules seen."""
    code = _PROBE.format(project=str(PROJECT), frame=FRAME, imports=page_imports(path), heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def unbounded_caches() -> list[str]:
    """``file:line`` of every cache decorator in the UI without ``max_entries`` or ``ttl``."""
    found = []
    for path in sorted([*PROJECT.glob("pages/*.py"), PROJECT / "streamlit_app.py"]):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"st\.cache_(data|resource)\b", line) and not re.search(r"max_entries|ttl", line):
                found.append(f"{path.relative_to(PROJECT)}:{number}")
    return found


def main() -> int:
    """Print one line per page, the findings, and the unbounded caches."""
    findings = []
    print("| page | import s | heavy modules loaded at import |\n|---|---:|---|")
    for path in sorted(PROJECT.glob("pages/[0-9]_*.py")):
        result = probe(path)
        for module in result["heavy"]:
            if path.stem not in USES[module]:
                findings.append(f"{path.stem} loads {module} at import but does not use it")
        print(f"| {path.stem} | {result['seconds']:.2f} | {', '.join(result['heavy']) or 'none'} |")
    print()
    print("\n".join(findings) or "No page loads a heavy module it does not use.")
    caches = unbounded_caches()
    print("Unbounded caches: " + (", ".join(caches) if caches else "none (every st.cache_data has max_entries)"))
    return 1 if findings or caches else 0


if __name__ == "__main__":
    raise SystemExit(main())
