"""What a process costs, read from /proc (no psutil), and what machine the figures come from."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import sqlite3
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcStat:
    """The fields of `/proc/<pid>/stat` the benchmarks use; CPU times in clock ticks."""

    ppid: int
    utime: int
    stime: int
    # CPU of children the process has waited for: a PostgreSQL backend that exited during a burst.
    cutime: int
    cstime: int

    @classmethod
    def parse(cls, stat: str) -> ProcStat:
        # The command name (field 2) may contain spaces; the fields after its closing ")" are fixed.
        fields = stat[stat.rindex(")") + 2 :].split()
        return cls(
            ppid=int(fields[1]),
            utime=int(fields[11]),
            stime=int(fields[12]),
            cutime=int(fields[13]),
            cstime=int(fields[14]),
        )


def proc_stat(pid: int | str = "self") -> ProcStat:
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
        return ProcStat.parse(f.read())


def command_name(pid: int) -> str:
    """The process's command name (`/proc/<pid>/comm`, e.g. "postgres")."""
    with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as f:
        return f.read().strip()


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time the process has used so far (`/proc/<pid>/stat` utime + stime)."""
    stat = proc_stat(pid or "self")
    return (stat.utime + stat.stime) / CLOCK_TICKS


def tree_cpu_ticks(root: int, stats: Mapping[int, ProcStat]) -> int:
    """CPU ticks of `root`, of its live children and of the children it has reaped (one level: PostgreSQL's
    postmaster forks every backend and helper itself)."""
    own = stats[root]
    children = sum(s.utime + s.stime for pid, s in stats.items() if s.ppid == root and pid != root)
    return own.utime + own.stime + own.cutime + own.cstime + children


def all_proc_stats() -> dict[int, ProcStat]:
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):  # gone meanwhile
                found[int(entry.name)] = proc_stat(entry.name)
    return found


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds a process and its children used so far (a PostgreSQL server: postmaster and backends)."""
    return tree_cpu_ticks(root, all_proc_stats()) / CLOCK_TICKS


MEMORY_KEYS = ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem")


def memory_kib(pid: int | None = None) -> dict[str, int]:
    """VmRSS (now), VmHWM (peak so far) and what RSS is made of (anonymous, file-backed, shared) in KiB."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid or 'self'}/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in MEMORY_KEYS:
                found[key] = int(value.split()[0])
    return found


def rss_mib(pid: int | None = None) -> float:
    return memory_kib(pid).get("VmRSS", 0) / 1024


class RssSampler:
    """Samples a process's RSS every `interval` seconds in the background; `peak_mib` is the highest seen."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak_mib = 0.0
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> float:
        current = rss_mib(self.pid)
        self.peak_mib = max(self.peak_mib, current)
        return current

    async def _loop(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self.sample()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> float:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.sample()
        return self.peak_mib


@dataclass(frozen=True)
class CpuWindow:
    """CPU seconds of the bot process and of this (test bed) process over a stretch of wall time."""

    bot_cpu: float
    testbed_cpu: float
    wall: float
    # The PostgreSQL server's processes, when the bot's database is one on this machine.
    server_cpu: float = 0.0

    @property
    def bot_share(self) -> float:
        """Fraction of one core the bot used (1.0 = one core saturated)."""
        return self.bot_cpu / self.wall if self.wall else 0.0

    @property
    def testbed_share(self) -> float:
        return self.testbed_cpu / self.wall if self.wall else 0.0


class CpuMeter:
    def __init__(self, bot_pid: int, clock: float, server_pid: int | None = None) -> None:
        self.bot_pid, self.server_pid = bot_pid, server_pid
        self._bot0, self._tb0, self._t0 = cpu_seconds(bot_pid), cpu_seconds(), clock
        self._server0 = tree_cpu_seconds(server_pid) if server_pid else 0.0

    def read(self, clock: float) -> CpuWindow:
        return CpuWindow(
            bot_cpu=cpu_seconds(self.bot_pid) - self._bot0,
            testbed_cpu=cpu_seconds() - self._tb0,
            wall=clock - self._t0,
            server_cpu=tree_cpu_seconds(self.server_pid) - self._server0 if self.server_pid else 0.0,
        )


def _model_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, str]:
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": _model_name(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "discord.py": _version("discord.py"),
        "aiosqlite": _version("aiosqlite"),
        "aiohttp": _version("aiohttp"),
        "orjson": _version("orjson"),
        "platform": f"{platform.system()} {platform.release()}",
        "executable": sys.executable,
    }
