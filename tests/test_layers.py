"""The layers (docs/architecture.md): ``db/`` and ``indicators/`` are the ground floor, ``signals/``
is pure arithmetic, ``ingest/`` uses them, ``dashboard/`` uses ``db/`` and ``indicators/`` and one
public module of ingest, and only ``r2pwatch/`` (the top) reads settings and knows them all.

Imports are read from the source (every ``import``, lazy ones inside functions too), not executed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("db", "indicators", "signals", "ingest", "dashboard", "r2pwatch")
#: package -> the packages of ours it may import
ALLOWED: dict[str, frozenset[str]] = {
    "db": frozenset(),
    "indicators": frozenset(),
    "signals": frozenset(),
    "ingest": frozenset({"db", "indicators", "signals"}),
    "dashboard": frozenset({"db", "indicators", "ingest"}),
    "r2pwatch": frozenset(PACKAGES),
}
#: the only ingest module the dashboard may import
DASHBOARD_INGEST = "ingest.public"


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations/versions" not in p.as_posix())


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _ours(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in PACKAGES else None


@pytest.mark.parametrize("package", PACKAGES)
def test_no_package_imports_upwards(package: str) -> None:
    wrong = []
    for path in _modules(package):
        for line, module in _imports(path):
            other = _ours(module)
            if other is None or other == package:
                continue
            if other not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
            elif package == "dashboard" and other == "ingest" and module != DASHBOARD_INGEST:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: imports {module} (only {DASHBOARD_INGEST})")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_lazy_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from r2pwatch.settings import Settings\n    import dashboard.app\n")
    assert [m for _, m in _imports(source)] == ["r2pwatch.settings", "dashboard.app"]


@pytest.mark.parametrize("package", ["db", "indicators", "signals", "ingest", "dashboard"])
def test_only_the_top_reads_the_environment(package: str) -> None:
    readers = []
    for path in _modules(package):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = (
                node.attr
                if isinstance(node, ast.Attribute)
                else node.id
                if isinstance(node, ast.Name)
                else ""
            )
            if name in ("environ", "getenv", "environb"):
                readers.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")  # type: ignore[attr-defined]
    assert not readers, "\n".join(readers)


def test_ingest_returns_values_and_leaves_the_screen_to_the_top() -> None:
    """No printing, no logging set-up, no exit codes or terminal widgets in ingest/: it returns
    summaries and reports, calls progress callbacks and logs records; r2pwatch/ renders them."""
    found = []
    for path in _modules("ingest"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            what = ""
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("print", "exit")
            ):
                what = node.func.id
            elif isinstance(node, ast.Attribute) and node.attr in ("basicConfig", "stdout", "stderr", "exit"):
                what = node.attr
            elif isinstance(node, ast.Name) and node.id in ("SystemExit", "UserError", "UsageError"):
                what = node.id
            if what:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {what}")  # type: ignore[attr-defined]
        found += [
            f"{path.relative_to(ROOT)}:{line}: imports {module}"
            for line, module in _imports(path)
            if module.split(".")[0] in ("rich", "argparse")
        ]
    assert not found, "\n".join(found)
