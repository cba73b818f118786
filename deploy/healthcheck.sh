#!/bin/sh
# Docker HEALTHCHECK (installed in the image as /usr/local/bin/quizbot-healthcheck).
#
# Healthy while the `quizbot run` process that quizbot-supervise (deploy/entrypoint.sh) started is alive:
# the supervisor writes its pid to $QUIZBOT_PID_FILE (default /tmp/quizbot.pid) when it starts the bot and
# removes the file when the bot exits, so the container turns unhealthy during a crash back-off.
# Cheap and offline: no Python start, no database access, no Discord call.
# Exit 0 = healthy, 1 = unhealthy; the line printed is what `docker inspect` shows under State.Health.
set -u

pid_file=${QUIZBOT_PID_FILE:-/tmp/quizbot.pid}

pid=""
if [ -r "$pid_file" ]; then
    read -r pid < "$pid_file" || true
fi
case "$pid" in
    "" | *[!0-9]*)
        echo "unhealthy: quizbot is not running (no pid in $pid_file): it is waiting out a restart back-off" \
            "or was never started; see docker compose logs"
        exit 1
        ;;
esac
if ! kill -0 "$pid" 2>/dev/null; then
    echo "unhealthy: quizbot (pid $pid) is gone; see docker compose logs"
    exit 1
fi
# The pid must still be the bot, not a process that reused the number; a zombie has an empty cmdline.
if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q quizbot; then
    echo "unhealthy: pid $pid in $pid_file is not quizbot any more; see docker compose logs"
    exit 1
fi
echo "healthy: quizbot run is up (pid $pid)"
