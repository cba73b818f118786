"""The container's entry point: backs off between crashes, stops on SIGTERM and on a configuration error,
and runs any other command once in its place."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from tests.helpers import DEPLOY, line_count, wait_until

ENTRYPOINT = DEPLOY / "entrypoint.sh"


def _fake_quizbot(bin_dir: Path, starts: Path) -> None:
    bin_dir.mkdir()
    script = bin_dir / "quizbot"
    script.write_text(f'#!/bin/sh\ndate +%s.%N >> "{starts}"\nexit 1\n')
    script.chmod(0o755)


def test_crashing_bot_is_restarted_after_the_back_off_and_sigterm_ends_the_loop(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    _fake_quizbot(tmp_path / "bin", starts)
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "QUIZBOT_RESTART_MIN_DELAY": "1",
        "QUIZBOT_RESTART_MAX_DELAY": "1",
        "QUIZBOT_RESTART_STATE": str(tmp_path / "state"),
        "QUIZBOT_PID_FILE": str(tmp_path / "quizbot.pid"),
        "QUIZBOT_REFUSED_FILE": str(tmp_path / "refused"),
    }
    wrapper = subprocess.Popen(["/bin/sh", str(ENTRYPOINT)], env=env, stderr=subprocess.PIPE, text=True)
    # The real shell sleep is what is under test: wait for the second start it lets through, no longer.
    wait_until(lambda: line_count(starts) >= 2, what="the restart after the 1 s back-off")
    wrapper.send_signal(signal.SIGTERM)
    _, stderr = wrapper.communicate(timeout=5)

    times = [float(line) for line in starts.read_text().split()]
    assert len(times) == 2, stderr
    assert times[1] - times[0] >= 1.0
    assert wrapper.returncode == 143, "non-zero, so Docker's on-failure policy starts it again after a reboot"
    assert "quizbot exited with status 1" in stderr and "starting quizbot in 1 s" in stderr
    assert "stopped by a signal" in stderr
    last_start, delay = (tmp_path / "state").read_text().split()
    assert int(delay) == 1 and abs(int(last_start) - times[1]) <= 1


def test_systemd_unit_backs_off_and_does_not_restart_on_config_errors() -> None:
    unit = (ENTRYPOINT.parent / "quizbot.service").read_text()
    settings = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    assert int(settings["RestartSec"]) >= 5
    assert settings["RestartSteps"] and settings["RestartMaxDelaySec"] == "10min"
    assert settings["RestartPreventExitStatus"] == "2" and settings["Restart"] == "on-failure"
    assert settings["StartLimitIntervalSec"] == "1h" and int(settings["StartLimitBurst"]) <= 20


def test_a_configuration_error_ends_the_container_with_status_2(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "quizbot"
    script.write_text(f'#!/bin/sh\ndate +%s.%N >> "{starts}"\necho "quizbot: DISCORD_TOKEN is not set" >&2\nexit 2\n')
    script.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "QUIZBOT_RESTART_MIN_DELAY": "1",
        "QUIZBOT_RESTART_STATE": str(tmp_path / "state"),
        "QUIZBOT_PID_FILE": str(tmp_path / "quizbot.pid"),
        "QUIZBOT_REFUSED_FILE": str(tmp_path / "refused"),
    }
    wrapper = subprocess.Popen(["/bin/sh", str(ENTRYPOINT)], env=env, stderr=subprocess.PIPE, text=True)
    # No signal is sent: the wrapper must end by itself instead of idling "Up" or backing off to a retry.
    _, stderr = wrapper.communicate(timeout=10)

    assert wrapper.returncode == 2, stderr
    assert len(starts.read_text().split()) == 1, stderr
    assert "refused its configuration" in stderr and "not restarting" in stderr
    assert "starting quizbot in" not in stderr
    assert not (tmp_path / "quizbot.pid").exists()

    # Docker's on-failure policy starts the same container again (same /tmp, same environment): it must
    # end at once, without the back-off and without another login attempt.
    again = subprocess.run(["/bin/sh", str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=10)
    assert again.returncode == 2
    assert len(starts.read_text().split()) == 1, "quizbot was not started again"
    assert "configuration was refused before (at " in again.stderr and "--force-recreate" in again.stderr
    assert "starting quizbot in" not in again.stderr


def test_any_other_command_runs_once_in_place_of_the_wrapper(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "quizbot"
    # Records its own pid and arguments, and fails like a refused restore would.
    script.write_text(f'#!/bin/sh\necho "$$ $*" >> "{calls}"\necho "quizbot: refused" >&2\nexit 1\n')
    script.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "QUIZBOT_RESTART_MIN_DELAY": "1",
        "QUIZBOT_RESTART_STATE": str(tmp_path / "state"),
    }
    wrapper = subprocess.Popen(
        ["/bin/sh", str(ENTRYPOINT), "quizbot", "restore", "/backups/x.db"], env=env, stderr=subprocess.PIPE, text=True
    )
    _, stderr = wrapper.communicate(timeout=10)

    pid, *args = calls.read_text().split("\n")[0].split()
    assert args == ["restore", "/backups/x.db"], "the arguments reach quizbot, `run` is not substituted"
    assert int(pid) == wrapper.pid, "exec'd in place of the wrapper, so signals and the exit status are its own"
    assert len(calls.read_text().splitlines()) == 1, "run once, never restarted"
    assert wrapper.returncode == 1
    assert stderr == "quizbot: refused\n", "no supervisor messages around a one-off command"
    assert not (tmp_path / "state").exists()


def test_a_one_off_command_keeps_its_exit_status(tmp_path: Path) -> None:
    env = {**os.environ, "QUIZBOT_RESTART_STATE": str(tmp_path / "state")}
    command = ["/bin/sh", str(ENTRYPOINT), "sh", "-c", "echo one-off; exit 7"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=10)
    assert (done.returncode, done.stdout) == (7, "one-off\n")


def test_sighup_reaches_the_bot_so_the_quiz_folder_reloads_without_a_restart(tmp_path: Path) -> None:
    hups, starts = tmp_path / "hups", tmp_path / "starts"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "quizbot"
    # Like the bot: counts SIGHUPs, runs until SIGTERM, then exits 0.
    script.write_text(
        f'#!/bin/sh\necho start >> "{starts}"\ntrap \'echo hup >> "{hups}"\' HUP\n'
        "trap 'exit 0' TERM\nwhile :; do sleep 0.05; done\n"
    )
    script.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "QUIZBOT_RESTART_STATE": str(tmp_path / "state"),
        "QUIZBOT_PID_FILE": str(tmp_path / "quizbot.pid"),
        "QUIZBOT_REFUSED_FILE": str(tmp_path / "refused"),
    }
    wrapper = subprocess.Popen(["/bin/sh", str(ENTRYPOINT)], env=env, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: (tmp_path / "quizbot.pid").exists(), what="the bot to start")
    wrapper.send_signal(signal.SIGHUP)
    wait_until(lambda: line_count(hups) == 1, what="the bot to get the SIGHUP")
    wrapper.send_signal(signal.SIGTERM)
    _, stderr = wrapper.communicate(timeout=5)

    assert line_count(starts) == 1, stderr  # passed on, not a restart
