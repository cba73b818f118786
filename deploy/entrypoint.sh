#!/bin/sh
# Container entry point (installed in the image as /usr/local/bin/quizbot-supervise).
#
#   no arguments, `run` or `quizbot run`   run the bot, restarting it after a crash with a growing delay.
#   anything else                          run that command once in place of this script (exec) and exit
#                                          with its status, e.g. from the repository root:
#       docker compose -f deploy/compose.yaml run --rm quizbot quizbot backup /backups/manual.db
#       docker compose -f deploy/compose.yaml run --rm quizbot quizbot restore /backups/quizbot-….db
#
# Why a back-off of our own: Docker's restart policy waits 100 ms, doubling up to 60 s, and drops back to
# 100 ms whenever the container ran for 10 s or more. A bot that crashes 12 s after logging in would log
# in about 7,000 times a day; Discord resets the token of a bot past 1,000 logins (IDENTIFY) a day.
# Here: 5 s, 10 s, 20 s ... up to 10 min between crashes, back to 5 s once the bot stayed up 10 min, so at
# most about 150 starts a day. The state lives in the data volume, so a recreated container keeps it.
#
# Exit statuses, which compose.yaml's `restart: on-failure:3` acts on:
#   2    quizbot refused its configuration (missing or refused token, bad setting). Restarting cannot
#        fix that, as in the systemd unit (RestartPreventExitStatus=2). The refusal is remembered in
#        $QUIZBOT_REFUSED_FILE (default /tmp/quizbot.config-refused), in the container's own layer: it
#        survives Docker's restarts of this container, which then exit 2 at once without starting the
#        bot, and goes with the container when it is recreated, which is also what applies a new .env.
#        So Docker's 3 retries take under a second, and the container stays "Exited (2)".
#   143  stopped by SIGTERM (`docker compose stop`, a host shutdown), 130 by SIGINT. Non-zero on purpose:
#        Docker starts an on-failure container again after a reboot only if it exited non-zero.
#   0    quizbot ended by itself with status 0; not restarted.
#
# While `quizbot run` is up its pid is in $QUIZBOT_PID_FILE (default /tmp/quizbot.pid), which the
# image's HEALTHCHECK (deploy/healthcheck.sh) reads; during a back-off the file is absent.
set -u

supervise=0
case "$#:${1-}:${2-}" in
    0::) supervise=1 ;;
    1:run:) supervise=1 ;;
    2:quizbot:run) supervise=1 ;;
esac
if [ "$supervise" = 0 ]; then
    exec "$@"
fi

min_delay=${QUIZBOT_RESTART_MIN_DELAY:-5}
max_delay=${QUIZBOT_RESTART_MAX_DELAY:-600}
stable_after=${QUIZBOT_RESTART_STABLE_AFTER:-600}
state_file=${QUIZBOT_RESTART_STATE:-/data/.restart-backoff}
pid_file=${QUIZBOT_PID_FILE:-/tmp/quizbot.pid}
refused_file=${QUIZBOT_REFUSED_FILE:-/tmp/quizbot.config-refused}
# The command that applies a fixed .env, named when the configuration is refused. compose.postgres.yaml
# names itself, so that hint never starts compose.yaml's SQLite bot on the same token.
recreate=${QUIZBOT_RECREATE:-docker compose -f deploy/compose.yaml up -d --force-recreate}

if [ -e "$refused_file" ]; then
    echo "quizbot-supervise: this container's configuration was refused before ($(cat "$refused_file" 2>/dev/null));" \
        "not starting quizbot with it again. Fix .env, then: $recreate" >&2
    exit 2
fi

child=""
stop_status=""
on_stop() {
    stop_status=$1
    if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; fi
}
# SIGHUP (docker compose kill -s HUP) re-reads the shared quiz folder: pass it on to the bot.
trap '[ -n "$child" ] && kill -HUP "$child" 2>/dev/null' HUP
trap 'on_stop 143' TERM
trap 'on_stop 130' INT
trap 'rm -f "$pid_file"' EXIT
rm -f "$pid_file"  # left over from before a restart of this container: that pid is someone else now

# Run a command in the background so a SIGTERM reaches it at once; $status gets its exit status.
# With --pid-file the child's pid is kept in $pid_file while it runs.
run_child() {
    keep_pid=0
    if [ "$1" = --pid-file ]; then keep_pid=1; shift; fi
    "$@" &
    child=$!
    # A signal that came just before `child` was set found nothing to stop: stop it now.
    if [ -n "$stop_status" ]; then kill -TERM "$child" 2>/dev/null; fi
    if [ "$keep_pid" = 1 ]; then
        echo "$child" > "$pid_file" 2>/dev/null \
            || echo "quizbot-supervise: cannot write $pid_file; the health check will say unhealthy" >&2
    fi
    wait "$child"
    status=$?
    # `wait` returns early (128 + the signal) when a trapped signal arrives: wait until the child is gone,
    # then once more for its real exit status, which the shell keeps (127 where a shell has forgotten it).
    while kill -0 "$child" 2>/dev/null; do
        # Again, in case the first SIGTERM reached the child between fork and exec, where it is lost.
        if [ -n "$stop_status" ]; then kill -TERM "$child" 2>/dev/null; fi
        wait "$child"
    done
    wait "$child"
    again=$?
    if [ "$again" != 127 ]; then status=$again; fi
    child=""
    if [ "$keep_pid" = 1 ]; then rm -f "$pid_file"; fi
}

stop_now() {
    echo "quizbot-supervise: stopped by a signal${1:+; quizbot exited with status $1}" >&2
    exit "$stop_status"
}

last_start=0
delay=$min_delay
if [ -r "$state_file" ]; then
    read -r last_start delay < "$state_file" || true
fi
crashed=0

while :; do
    now=$(date +%s)
    if [ $((now - last_start)) -lt "$stable_after" ]; then
        pause=$delay
        delay=$((delay * 2))
        if [ "$delay" -gt "$max_delay" ]; then delay=$max_delay; fi
    else
        pause=0
        delay=$min_delay
    fi
    if [ "$crashed" = 1 ] && [ "$pause" -lt "$min_delay" ]; then pause=$min_delay; fi
    if [ "$pause" -gt 0 ]; then
        echo "quizbot-supervise: starting quizbot in ${pause} s (restart back-off)" >&2
        run_child sleep "$pause"
        if [ -n "$stop_status" ]; then stop_now ""; fi
    fi
    if [ -n "$stop_status" ]; then stop_now ""; fi
    last_start=$(date +%s)
    echo "$last_start $delay" > "$state_file" 2>/dev/null || true

    run_child --pid-file quizbot run
    if [ -n "$stop_status" ]; then stop_now "$status"; fi
    if [ "$status" = 0 ]; then
        echo "quizbot-supervise: quizbot exited with status 0 by itself; not restarting" >&2
        exit 0
    fi
    if [ "$status" = 2 ]; then
        date -u +"at %Y-%m-%d %H:%M:%S UTC" > "$refused_file" 2>/dev/null || true
        echo "quizbot-supervise: quizbot refused its configuration (the line above says why); not restarting." \
            "Fix .env, then: $recreate" >&2
        exit 2
    fi
    echo "quizbot-supervise: quizbot exited with status $status" >&2
    crashed=1
done
