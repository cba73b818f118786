"""The architecture's rules, checked on the source: dependencies point one way, SQL stays in storage."""

from __future__ import annotations

import ast
import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.errors import QuizbotError

ROOT = Path(__file__).resolve().parents[1]
STDLIB = set(sys.stdlib_module_names)


def _modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def _top(name: str) -> str:
    return name.split(".")[0]


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", _modules("bot/domain"), ids=_rel)
def test_domain_imports_only_the_standard_library(path: Path) -> None:
    foreign = [m for m in _imports(path) if _top(m) not in STDLIB and not m.startswith("bot.domain")]
    assert foreign == [], f"{_rel(path)} imports {foreign}: the domain must stay pure (stdlib and bot.domain)"


@pytest.mark.parametrize("path", _modules("bot/storage"), ids=_rel)
def test_storage_depends_only_on_the_domain(path: Path) -> None:
    allowed = ("bot.domain", "bot.storage", "aiosqlite")
    foreign = [m for m in _imports(path) if _top(m) not in STDLIB and not m.startswith(allowed)]
    assert foreign == [], f"{_rel(path)} imports {foreign}: storage may use only the domain and aiosqlite"


@pytest.mark.parametrize("path", _modules("bot"), ids=_rel)
def test_nothing_in_bot_imports_cogs(path: Path) -> None:
    cogs = [m for m in _imports(path) if _top(m) == "cogs"]
    assert cogs == [], f"{_rel(path)} imports {cogs}: cogs are loaded by name, never imported from bot/"


@pytest.mark.parametrize("path", _modules("bot/domain", "bot/storage", "bot/quizfiles", "bot/importers"), ids=_rel)
def test_no_discord_below_the_runtime(path: Path) -> None:
    assert "discord" not in {_top(m) for m in _imports(path)}, f"{_rel(path)} imports discord"


@pytest.mark.parametrize("path", _modules("cogs"), ids=_rel)
def test_cogs_hold_no_database_code(path: Path) -> None:
    database = {_top(m) for m in _imports(path)} & {"sqlite3", "aiosqlite"}
    assert database == set(), f"{_rel(path)} imports {database}: SQL belongs in bot/storage"


_SQL = re.compile(r"\b(SELECT\s+\S.*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b", re.I)


@pytest.mark.parametrize("path", [p for p in _modules("bot", "cogs") if "storage" not in p.parts], ids=_rel)
def test_sql_lives_in_storage(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    found = [s for s in strings if _SQL.search(s)]
    assert found == [], f"{_rel(path)} contains SQL {found[:2]}: move it into bot/storage"


@pytest.mark.parametrize("path", _modules("bot", "cogs"), ids=_rel)
def test_yaml_is_only_read_safely(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    unsafe = re.findall(r"yaml\.(?:load|load_all|unsafe_load|full_load)\(|FullLoader|UnsafeLoader|yaml\.Loader\b", text)
    assert unsafe == [], f"{_rel(path)} uses {unsafe}: read YAML with the safe loader only"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


@pytest.mark.parametrize("path", [p for p in _modules("bot", "cogs") if p.name != "__main__.py"], ids=_rel)
def test_every_error_shares_one_base(path: Path) -> None:
    module = importlib.import_module(_module_name(path))
    errors = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == module.__name__
    ]
    strays = [error.__name__ for error in errors if not issubclass(error, QuizbotError)]
    assert strays == [], f"{_rel(path)} defines {strays}: derive them from bot.domain.errors.QuizbotError"
