#!/bin/sh
# Container entry point: runs `quizbot run` and restarts it after a crash with a growing delay.
#
# Docker's restart policy alone is not enough: it waits 100 ms, doubling up to 60 s, and drops back to
# 100 ms whenever the container ran for 10 s or more. A bot that crashes 12 s after logging in would log
# in about 7,000 times a day; Discord resets the token of a bot past 1,000 logins (IDENTIFY) a day.
# Here: 5 s, 10 s, 20 s ... up to 10 min between crashes, back to 5 s once the bot stayed up 10 min, so at
# most about 150 starts a day. The state lives in the data volume, so a restarted container keeps it.
# Exit status 0 (a clean SIGTERM shutdown) ends the loop. Exit status 2 (missing or refused token, bad
# configuration) is not retried, as in the systemd unit: the wrapper idles until the container is stopped,
# so neither it nor Docker's restart policy logs in again with a configuration that cannot work.
set -u

min_delay=${QUIZBOT_RESTART_MIN_DELAY:-5}
max_delay=${QUIZBOT_RESTART_MAX_DELAY:-600}
stable_after=${QUIZBOT_RESTART_STABLE_AFTER:-600}
state_file=${QUIZBOT_RESTART_STATE:-/data/.restart-backoff}

child=""
stopping=0
on_stop() {
    stopping=1
    if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; fi
}
trap on_stop TERM INT

# Run a command in the background so a SIGTERM reaches it at once; $status gets its exit status.
run_child() {
    "$@" &
    child=$!
    wait "$child"
    status=$?
    # `wait` returns early when a trapped signal arrives; wait again for the real exit status.
    while kill -0 "$child" 2>/dev/null; do
        wait "$child"
        status=$?
    done
    child=""
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
        if [ "$stopping" = 1 ]; then exit 0; fi
    fi
    last_start=$(date +%s)
    echo "$last_start $delay" > "$state_file" 2>/dev/null || true

    run_child quizbot run
    if [ "$stopping" = 1 ] || [ "$status" = 0 ]; then exit "$status"; fi
    if [ "$status" = 2 ]; then
        echo "quizbot-supervise: quizbot refused its configuration (the line above says why); not restarting." \
            "Fix .env, then: docker compose -f deploy/compose.yaml up -d --force-recreate" >&2
        run_child sleep 2147483647
        exit 0
    fi
    echo "quizbot-supervise: quizbot exited with status $status" >&2
    crashed=1
done
