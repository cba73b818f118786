#!/bin/sh
# Nightly backup of the quizbot database: one checked copy per run, then the old copies pruned.
#
#   backup-nightly.sh [--env-file FILE] [--keep-days N] TARGET_DIR
#
#   TARGET_DIR       where the copies go, as quizbot-<UTC date and time>.db (mode 640). Created (mode 750)
#                    if its parent is writable; otherwise create it once as root (docs/operations.md).
#   --env-file FILE  the bot's env file, e.g. /etc/quizbot/quizbot.env. Only QUIZBOT_DB is read from it,
#                    and it must be an absolute path. Without this option QUIZBOT_DB comes from the
#                    environment (systemd's EnvironmentFile= in quizbot-backup.service, or the container).
#   --keep-days N    after a successful backup, delete this script's copies (quizbot-*.db in TARGET_DIR,
#                    nothing else) that are N days old or more. Default 14; 0 keeps everything. Nothing
#                    is deleted when the backup failed.
#
# Which quizbot: $QUIZBOT_BIN if set; else the virtualenv next to this script's folder (the systemd
# install: /opt/quizbot/deploy/ -> /opt/quizbot/.venv/bin/quizbot); else one beside this script (the
# image: /usr/local/bin); else PATH. cron's PATH (/usr/bin:/bin) has no quizbot, hence the search.
#
# Output: one line per backup and per pruned file on stdout, errors on stderr (so a cron line can send
# stdout to /dev/null and mail only failures). Exit 0 = backed up; 1 = the backup failed; 2 = usage.
# Run it as the user that owns the database (quizbot): a copy made by root is unreadable to the bot.
set -u
umask 027

usage() {
    echo "usage: $0 [--env-file FILE] [--keep-days N] TARGET_DIR" >&2
    exit 2
}

fail() {
    echo "backup-nightly: $*" >&2
    exit 2
}

env_file=""
keep_days=14
while [ "$#" -gt 0 ]; do
    case "$1" in
        --env-file) [ "$#" -ge 2 ] || usage; env_file=$2; shift 2 ;;
        --keep-days) [ "$#" -ge 2 ] || usage; keep_days=$2; shift 2 ;;
        --) shift; break ;;
        -*) usage ;;
        *) break ;;
    esac
done
[ "$#" = 1 ] || usage
target=$1
case "$keep_days" in
    "" | *[!0-9]*) fail "--keep-days must be a whole number of days, got '$keep_days'" ;;
esac

# The last QUIZBOT_DB=... line of a dotenv file: `export ` allowed, quotes or a trailing # comment removed.
setting_from_file() {
    value=$(sed -n "s/^[[:space:]]*\(export[[:space:]][[:space:]]*\)\{0,1\}$1[[:space:]]*=[[:space:]]*//p" "$2" \
        | tail -n 1)
    case "$value" in
        \"*) printf '%s\n' "$value" | sed 's/^"\([^"]*\)".*/\1/' ;;
        \'*) printf '%s\n' "$value" | sed "s/^'\([^']*\)'.*/\1/" ;;
        *) printf '%s\n' "$value" | sed 's/[[:space:]]#.*//; s/[[:space:]]*$//' ;;
    esac
}

if [ -n "$env_file" ]; then
    [ -r "$env_file" ] || fail "cannot read $env_file as user $(id -un): let this user read it" \
        "(chown root:quizbot, chmod 640) or use quizbot-backup.timer, whose EnvironmentFile= systemd reads as root"
    db=$(setting_from_file QUIZBOT_DB "$env_file")
    [ -n "$db" ] || fail "$env_file sets no QUIZBOT_DB: add QUIZBOT_DB=/absolute/path/to/quizbot.db"
else
    db=${QUIZBOT_DB:-}
    [ -n "$db" ] || fail "QUIZBOT_DB is not set: pass --env-file /etc/quizbot/quizbot.env or set it"
fi
case "$db" in
    /*) ;;
    *) fail "QUIZBOT_DB=$db is relative (to the bot's working directory, which this script does not know):" \
        "set an absolute path, e.g. QUIZBOT_DB=/var/lib/quizbot/quizbot.db" ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${QUIZBOT_BIN:-}" ]; then
    quizbot=$QUIZBOT_BIN
elif [ -x "$here/../.venv/bin/quizbot" ]; then
    quizbot=$here/../.venv/bin/quizbot
elif [ -x "$here/quizbot" ]; then
    quizbot=$here/quizbot
else
    quizbot=$(command -v quizbot || true)
fi
[ -n "$quizbot" ] && [ -x "$quizbot" ] \
    || fail "quizbot not found (looked at \$QUIZBOT_BIN, $here/../.venv/bin, $here and PATH): set QUIZBOT_BIN"

if [ ! -d "$target" ]; then
    mkdir -p -m 750 "$target" 2>/dev/null || fail "cannot create $target as user $(id -un): create it once as" \
        "root: install -d -o $(id -un) -g $(id -gn) -m 750 $target"
fi
[ -w "$target" ] || fail "$target is not writable by user $(id -un): chown it to $(id -un)"

out="$target/quizbot-$(date -u +%Y-%m-%dT%H%M%SZ).db"
if ! "$quizbot" backup --db "$db" "$out"; then
    echo "backup-nightly: the backup of $db failed (the line above says why); older backups kept" >&2
    exit 1
fi

if [ "$keep_days" -gt 0 ]; then
    # -mtime +K matches files at least K+1 whole days old, so +(N-1) is "N days old or more".
    find "$target" -maxdepth 1 -type f \( -name 'quizbot-*.db' -o -name 'quizbot-*.db.partial' \) \
        -mtime +"$((keep_days - 1))" -print | while IFS= read -r old; do
        if rm -f -- "$old"; then echo "pruned $old ($keep_days days old or more)"; fi
    done
fi
