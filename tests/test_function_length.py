"""Every function in greenscreen/ reads in one screen: none is over MAX_LINES lines (issue 17).
A longer one is split by what its parts do, with names that say it."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "greenscreen"
MAX_LINES = 60  # decorators and docstring included: what a reader scrolls through


def long_functions(root: Path, limit: int) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lines = node.end_lineno - first + 1
                if lines > limit:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_the_package_is_longer_than_a_screen():
    assert long_functions(PACKAGE, MAX_LINES) == []


def test_the_check_finds_a_long_function(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    body = "\n".join(f"        x{i} = {i}" for i in range(MAX_LINES))
    (package / "long.py").write_text(f"def short():\n    pass\n\n\nclass A:\n    def long(self):\n{body}\n")
    assert long_functions(package, MAX_LINES) == [f"pkg/long.py:6 long ({MAX_LINES + 1} lines)"]
