"""No row-wise Python loops in the derivations (issue 6): no iterrows, no DataFrame.apply(axis=1),
no np.vectorize, in the framework and the study programs. itertuples is allowed only over the few
rows of a message or report (each such line says so in a comment)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ["derivations", "sdtm", "adam", "tlf"]


def _row_loops(source: str) -> list[tuple[int, str]]:
    found = []
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        axis = {kw.arg: kw.value for kw in node.keywords}.get("axis")
        if name == "iterrows" or name == "vectorize":
            found.append((node.lineno, name))
        elif name in ("apply", "agg", "aggregate", "transform") and isinstance(axis, ast.Constant) \
                and axis.value in (1, "columns"):
            found.append((node.lineno, f"{name}(axis={axis.value!r})"))
        elif name == "itertuples" and not any(w in lines[node.lineno - 1] for w in ("report", "message", "one per")):
            found.append((node.lineno, "itertuples outside a report"))
    return found


def test_the_checker_finds_row_loops():
    code = ("for i, r in df.iterrows(): pass\n"
            "df.apply(f, axis=1)\n"
            "df.apply(f, axis='columns')\n"
            "np.vectorize(f)\n"
            "for r in df.itertuples(): pass\n"
            "df.apply(f)\n"
            "for r in df.itertuples(): pass  # report only\n")
    assert _row_loops(code) == [(1, "iterrows"), (2, "apply(axis=1)"), (3, "apply(axis='columns')"),
                                (4, "vectorize"), (5, "itertuples outside a report")]


def test_no_row_wise_loops_in_derivations_or_study_programs():
    offenders = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line, what in _row_loops(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert offenders == []
