"""A throw-away PostgreSQL server on loopback, for the test suite and for CI (`.ci/run`).

One implementation serves both: the suite's `postgres_server_url` fixture imports it when
QUIZBOT_TEST_POSTGRES is unset, and `.ci/run` runs it as a script with the machine's python3 before the
venv exists. That is why it imports only the standard library (tests/test_postgres_server.py checks it).

    python3 tests/postgres_server.py bindir          # prints the folder with initdb and pg_ctl, or fails
    python3 tests/postgres_server.py start FOLDER    # prints the admin URL of a server living in FOLDER
    python3 tests/postgres_server.py stop FOLDER     # stops that server and removes FOLDER
    python3 tests/postgres_server.py guard FOLDER    # stop FOLDER's server once stdin closes

The binaries are Debian's (`apt-get install postgresql`): found on PATH or in /usr/lib/postgresql/*/bin,
newest version first. QUIZBOT_POSTGRES_BIN names the folder instead (another version, or - to check the
failure path - a folder without them). PostgreSQL refuses to run as root, so as root the server runs as the
`postgres` OS user, which then owns FOLDER.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BIN_OVERRIDE = "QUIZBOT_POSTGRES_BIN"
DEBIAN_BIN_FOLDERS = "/usr/lib/postgresql/*/bin"
SERVER_USER = "postgres"
START_ATTEMPTS = 3
HOW_TO_GET_ONE = (
    "install Debian's PostgreSQL (apt-get install postgresql) or point the suite at a server with "
    "QUIZBOT_TEST_POSTGRES=postgresql://user:password@host:port/database"
)


class PostgresUnavailableError(Exception):
    """No throw-away server: the message is one line that says why and what to do."""


def find_bin_folder() -> Path:
    """The folder holding initdb and pg_ctl (pg_ctl starts the `postgres` beside it)."""
    override = os.environ.get(BIN_OVERRIDE)
    if override:
        candidates = [Path(override)]
    else:
        on_path = [shutil.which("initdb"), shutil.which("pg_ctl")]
        # Debian keeps the server's tools off PATH, one folder per major version.
        debian = sorted(Path("/").glob(DEBIAN_BIN_FOLDERS.lstrip("/")), key=_major_version, reverse=True)
        candidates = [Path(p).resolve().parent for p in on_path if p] + debian
    for folder in candidates:
        if all(os.access(folder / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return folder
    where = f"{BIN_OVERRIDE}={override}" if override else f"PATH or {DEBIAN_BIN_FOLDERS}"
    raise PostgresUnavailableError(f"PostgreSQL's initdb and pg_ctl are not in {where}: {HOW_TO_GET_ONE}")


def _major_version(folder: Path) -> int:
    version = folder.parent.name
    return int(version) if version.isdigit() else 0


@dataclass(frozen=True)
class ThrowawayPostgres:
    """A running server whose data, socket and log live in `folder`; `url` connects as its superuser."""

    folder: Path
    url: str

    def stop(self) -> None:
        stop(self.folder)


def start(folder: Path | None = None) -> ThrowawayPostgres:
    """Initialise and start a server in `folder` (a new temporary one by default) on a free loopback port."""
    bin_folder = find_bin_folder()
    folder = Path(tempfile.mkdtemp(prefix="quizbot-postgres-")) if folder is None else folder
    try:
        password = _initdb(bin_folder, folder)
        port = _start_on_a_free_port(bin_folder, folder)
    except BaseException:
        stop(folder)
        raise
    return ThrowawayPostgres(folder, f"postgresql://{SERVER_USER}:{password}@127.0.0.1:{port}/postgres")


def stop(folder: Path) -> None:
    """Stop the server living in `folder`, if any, and remove the folder. Safe to call twice."""
    pid_file = folder / "data" / "postmaster.pid"
    # Signals rather than pg_ctl: stopping must not depend on finding the binaries again.
    for signal_number, seconds in ((signal.SIGINT, 30.0), (signal.SIGQUIT, 10.0), (signal.SIGKILL, 5.0)):
        pid = _postmaster_pid(pid_file)
        if pid is None or not _is_running(pid):
            break
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal_number)
        # The postmaster removes its pid file as it exits (what `pg_ctl stop --wait` waits for), even when
        # it is no child of ours and nobody reaps it.
        deadline = time.monotonic() + seconds
        while pid_file.exists() and _is_running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    shutil.rmtree(folder, ignore_errors=True)


def stop_when_owner_exits(server: ThrowawayPostgres) -> subprocess.Popen[bytes]:
    """A guard that stops `server` once the calling process ends, even by SIGKILL: close its stdin when done."""
    return subprocess.Popen(
        [sys.executable, __file__, "guard", str(server.folder)],
        stdin=subprocess.PIPE,
        # Its own session: the Ctrl-C that interrupts pytest must not end the guard before pytest's own cleanup.
        start_new_session=True,
    )


def _postmaster_pid(pid_file: Path) -> int | None:
    try:
        first_line = pid_file.read_text(encoding="utf-8").split("\n", 1)[0]
    except OSError:
        return None
    return int(first_line) if first_line.strip().isdigit() else None


def _is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _initdb(bin_folder: Path, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise PostgresUnavailableError(
                f"PostgreSQL refuses to run as root and there is no '{SERVER_USER}' user: {HOW_TO_GET_ONE}"
            ) from None
        os.chown(folder, server_user.pw_uid, server_user.pw_gid)
    password = secrets.token_urlsafe(18)
    password_file = folder / "password"
    password_file.write_text(password + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        os.chown(password_file, server_user.pw_uid, server_user.pw_gid)
    created = _run_as_server_user(
        [
            str(bin_folder / "initdb"),
            f"--pgdata={folder / 'data'}",
            f"--username={SERVER_USER}",
            f"--pwfile={password_file}",
            # Other users of this machine reach loopback TCP too: they need the password. The socket sits in
            # `folder`, which only the server's user can enter.
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            # Code point order like SQLite's BINARY collation, and Unicode case mapping: on every Debian.
            "--locale=C.UTF-8",
            "--encoding=UTF8",
            # initdb's closing sync only protects the template against a power cut; this server is thrown
            # away. The running server keeps fsync on: the suite tests durability claims.
            "--no-sync",
        ]
    )
    password_file.unlink()
    if created.returncode != 0:
        raise PostgresUnavailableError(f"PostgreSQL's initdb failed: {_last_line(created.stdout)}")
    with (folder / "data" / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(f"listen_addresses = '127.0.0.1'\nunix_socket_directories = {_conf_string(str(folder))}\n")
    return password


def _start_on_a_free_port(bin_folder: Path, folder: Path) -> int:
    log = folder / "server.log"
    for _attempt in range(START_ATTEMPTS):
        # Another process may take the port between this probe and the server's bind: then try another one.
        port = _free_loopback_port()
        pg_ctl = str(bin_folder / "pg_ctl")
        started = _run_as_server_user(
            [pg_ctl, "start", f"--pgdata={folder / 'data'}", f"--log={log}", f"--options=-p {port}", "--wait"]
        )
        if started.returncode == 0:
            return port
        reason = _reason_in_log(log) or _last_line(started.stdout)
        if "could not bind" not in reason and "in use" not in reason:
            break
    raise PostgresUnavailableError(f"PostgreSQL did not start: {reason}")


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run_as_server_user(command: list[str]) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        command = ["runuser", "-u", SERVER_USER, "--", *command]
    # The server's children must not hold our stdout: a caller reading it to the end would wait forever.
    return subprocess.run(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )


def _reason_in_log(log: Path) -> str:
    with contextlib.suppress(OSError):
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        fatal = [line for line in lines if re.search(r"\b(FATAL|PANIC|ERROR):", line)]
        return (fatal or lines or [""])[-1].strip()
    return ""


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _conf_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def main(argv: list[str]) -> int:
    usage = "usage: postgres_server.py bindir | start FOLDER | stop FOLDER"
    try:
        match argv:
            case ["bindir"]:
                print(find_bin_folder())
            case ["start", folder]:
                print(start(Path(folder)).url)
            case ["stop", folder]:
                stop(Path(folder))
            case ["guard", folder]:
                sys.stdin.buffer.read()
                stop(Path(folder))
            case _:
                print(usage, file=sys.stderr)
                return 2
    except PostgresUnavailableError as problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
