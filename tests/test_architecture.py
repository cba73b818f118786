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
from bot.ui.buttons import PERSISTENT_BUTTONS, ROUTED_CLICKS
from bot.ui.failures import GUARDED_CALLBACKS

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
    allowed = ("bot.domain", "bot.storage", "aiosqlite", "asyncpg")
    foreign = [m for m in _imports(path) if _top(m) not in STDLIB and not m.startswith(allowed)]
    assert foreign == [], f"{_rel(path)} imports {foreign}: storage may use only the domain and the database drivers"


@pytest.mark.parametrize("path", _modules("bot"), ids=_rel)
def test_nothing_in_bot_imports_cogs(path: Path) -> None:
    cogs = [m for m in _imports(path) if _top(m) == "cogs"]
    assert cogs == [], f"{_rel(path)} imports {cogs}: cogs are loaded by name, never imported from bot/"


SERVICES = ("bot/live", "bot/daily", "bot/boards", "bot/library", "bot/privacy", "bot/review")


@pytest.mark.parametrize(
    "path", _modules("bot/domain", "bot/storage", "bot/quizfiles", "bot/importers", *SERVICES), ids=_rel
)
def test_no_discord_below_the_runtime(path: Path) -> None:
    foreign = {_top(m) for m in _imports(path)} & {"discord", "aiohttp"}
    assert foreign == set(), f"{_rel(path)} imports {foreign}: only bot/ui, cogs and the wiring talk to Discord"


@pytest.mark.parametrize("path", _modules("bot/ui"), ids=_rel)
def test_ui_reads_no_storage(path: Path) -> None:
    storage = [m for m in _imports(path) if m.startswith("bot.storage")]
    assert storage == [], f"{_rel(path)} imports {storage}: screens get their data from a service"


@pytest.mark.parametrize("path", _modules("cogs"), ids=_rel)
def test_cogs_import_no_other_cog_and_no_storage(path: Path) -> None:
    found = [m for m in _imports(path) if _top(m) == "cogs" or m.startswith("bot.storage")]
    assert found == [], f"{_rel(path)} imports {found}: a cog parses, calls one service and renders"


HANDLER_MAX_LINES = 35


@pytest.mark.parametrize("path", _modules("cogs", "bot/ui"), ids=_rel)
def test_handlers_stay_short(path: Path) -> None:
    """Command handlers and button callbacks parse, call a service and render; rules live elsewhere."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    handlers = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef)
        and (node.name == "callback" or any(_is_command_decorator(d) for d in node.decorator_list))
    ]
    long = {h.name: (h.end_lineno or h.lineno) - h.lineno + 1 for h in handlers}
    long = {name: lines for name, lines in long.items() if lines > HANDLER_MAX_LINES}
    assert long == {}, f"{_rel(path)}: handlers longer than {HANDLER_MAX_LINES} lines: {long}"


def _is_command_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return isinstance(target, ast.Attribute) and target.attr == "command"


def test_every_button_answers_its_failures() -> None:
    """discord.py only logs a DynamicItem callback's (or listener's) exception: each of ours replies instead."""
    buttons = (*PERSISTENT_BUTTONS, *ROUTED_CLICKS)
    unguarded = [button.__name__ for button in buttons if button.callback not in GUARDED_CALLBACKS]
    assert unguarded == [], f"decorate the callbacks of {unguarded} with bot.ui.failures.answers_failures"


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


@pytest.mark.parametrize("path", sorted((ROOT / "tests").rglob("test_*.py")), ids=_rel)
def test_no_test_module_imports_another(path: Path) -> None:
    """Shared steps live in tests/helpers.py and fixtures in a conftest.py, never in a test module."""
    borrowed = [m for m in _imports(path) if m.startswith("tests.") and m.split(".")[-1].startswith("test_")]
    assert borrowed == [], f"{_rel(path)} imports {borrowed}: move what it needs to tests/helpers.py"
