"""The image's HEALTHCHECK tells a running bot from one that is not, and compose restarts what it should.

There is no Docker engine here, so the Dockerfile and compose.yaml are read statically and the scripts they
install are run for real under /bin/sh, with a fake `quizbot` on PATH.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import DEPLOY, REPO_ROOT, fake_executable, line_count, wait_until

DOCKERFILE = DEPLOY / "Dockerfile"


def _instructions(name: str) -> list[str]:
    """The arguments of every `name` instruction in the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    return [line.split(None, 1)[1] for line in text.splitlines() if line.split(None, 1)[:1] == [name]]


def _installed_from(image_path: str) -> Path:
    """The repository file a `COPY src dest` line installs at `image_path`."""
    for args in _instructions("COPY"):
        *sources, destination = args.split()
        if destination == image_path and len(sources) == 1:
            return REPO_ROOT / sources[0]
    raise AssertionError(f"no COPY installs {image_path}")


def _health_command() -> list[str]:
    (healthcheck,) = _instructions("HEALTHCHECK")
    options, _, command = healthcheck.partition(" CMD ")
    assert "--interval=" in options and "--start-period=" in options
    argv = json.loads(command)  # exec form: no shell in between
    return ["/bin/sh", str(_installed_from(argv[0])), *argv[1:]]


def _entrypoint() -> Path:
    (entrypoint,) = _instructions("ENTRYPOINT")
    (path,) = json.loads(entrypoint)
    return _installed_from(path)


def _health(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_health_command(), env=env, capture_output=True, text=True, timeout=10)


@pytest.fixture
def long_running_bot(tmp_path: Path) -> dict[str, str]:
    """Environment for the entry point with a fake `quizbot run` that stays up until SIGTERM."""
    starts = tmp_path / "starts"
    fake_executable(
        tmp_path / "bin",
        "quizbot",
        f"trap 'echo stopped >> \"{tmp_path / 'stopped'}\"; exit 0' TERM\n"
        f'echo "$*" >> "{starts}"\n'  # written once the trap is in place: the bot is up
        "while :; do sleep 0.1 & wait $!; done\n",
    )
    return {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "QUIZBOT_RESTART_MIN_DELAY": "60",  # a crash leaves the wrapper in its back-off for the whole test
        "QUIZBOT_RESTART_STATE": str(tmp_path / "state"),
        "QUIZBOT_PID_FILE": str(tmp_path / "quizbot.pid"),
        "QUIZBOT_REFUSED_FILE": str(tmp_path / "refused"),
    }


def test_healthy_while_the_bot_runs_unhealthy_in_the_back_off_after_a_crash(
    tmp_path: Path, long_running_bot: dict[str, str]
) -> None:
    env = long_running_bot
    pid_file = tmp_path / "quizbot.pid"
    assert _health(env).returncode == 1, "nothing started yet"

    wrapper = subprocess.Popen(["/bin/sh", str(_entrypoint())], env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: line_count(tmp_path / "starts") == 1 and pid_file.exists(), what="the bot to be up")
        healthy = _health(env)
        assert healthy.returncode == 0, healthy.stdout
        assert healthy.stdout.startswith("healthy: quizbot run is up")
        assert (tmp_path / "starts").read_text() == "run\n"

        os.kill(int(pid_file.read_text()), signal.SIGKILL)  # the bot crashes
        wait_until(lambda: not pid_file.exists(), what="the wrapper to notice the crash")
        unhealthy = _health(env)
        assert unhealthy.returncode == 1
        assert "not running" in unhealthy.stdout and "back-off" in unhealthy.stdout
        assert line_count(tmp_path / "starts") == 1, "still waiting out the 60 s back-off"
    finally:
        wrapper.send_signal(signal.SIGTERM)
        _, stderr = wrapper.communicate(timeout=10)
    assert wrapper.returncode == 143, stderr
    assert "quizbot exited with status 137" in stderr


def test_sigterm_reaches_the_running_bot_and_the_pid_file_goes(
    tmp_path: Path, long_running_bot: dict[str, str]
) -> None:
    pid_file = tmp_path / "quizbot.pid"
    wrapper = subprocess.Popen(
        ["/bin/sh", str(_entrypoint()), "quizbot", "run"], env=long_running_bot, stderr=subprocess.PIPE, text=True
    )
    wait_until(lambda: line_count(tmp_path / "starts") == 1 and pid_file.exists(), what="the bot to be up")
    wrapper.send_signal(signal.SIGTERM)
    _, stderr = wrapper.communicate(timeout=10)

    assert (tmp_path / "stopped").read_text() == "stopped\n", "the bot got SIGTERM and shut down itself"
    assert wrapper.returncode == 143
    assert "quizbot exited with status 0" in stderr
    assert not pid_file.exists()
    assert _health(long_running_bot).returncode == 1


def test_a_pid_that_is_not_quizbot_is_unhealthy(tmp_path: Path) -> None:
    """After a container restart the old pid file's number may belong to another process."""
    pid_file = tmp_path / "quizbot.pid"
    other = subprocess.Popen(["sleep", "30"])
    try:
        pid_file.write_text(f"{other.pid}\n")
        result = _health({**os.environ, "QUIZBOT_PID_FILE": str(pid_file)})
    finally:
        other.kill()
        other.wait()
    assert result.returncode == 1
    assert "is not quizbot" in result.stdout

    pid_file.write_text(f"{other.pid}\n")  # now a pid nobody has
    gone = _health({**os.environ, "QUIZBOT_PID_FILE": str(pid_file)})
    assert gone.returncode == 1 and "is gone" in gone.stdout


def test_the_supervisor_and_the_health_check_agree_on_the_pid_file() -> None:
    default = re.compile(r"QUIZBOT_PID_FILE:-([^}]+)\}")
    supervisor = default.findall(_entrypoint().read_text())
    health = default.findall(_installed_from("/usr/local/bin/quizbot-healthcheck").read_text())
    assert supervisor == health == ["/tmp/quizbot.pid"]


def test_compose_stops_retrying_a_configuration_error_and_keeps_backups_outside_the_data_volume() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    service = compose["services"]["quizbot"]
    # on-failure, not unless-stopped: exit 2 must leave the container down after a few quick retries.
    assert service["restart"] == "on-failure:3"
    volumes = dict(volume.split(":")[:2] for volume in service["volumes"])  # source: target[:mode]
    assert volumes["quizbot-data"] == "/data"
    assert volumes["../backups"] == "/backups", "a host folder next to the repository, not the data volume"
    assert service["environment"]["QUIZBOT_DB"].startswith("/data/")
    owned = _instructions("RUN")[0]
    assert "chown quizbot:quizbot /data /backups" in owned
