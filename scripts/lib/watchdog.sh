#!/usr/bin/env bash
# Runs a command with a time limit. When the limit passes, it prints what every descendant is doing (the
# process tree, each process's kernel wait channel and, where gdb is installed, every thread's backtrace),
# kills the whole tree and exits 124: a hang becomes a failure that says where it hung, long before CI's
# own limit cuts the log off.
# usage: scripts/lib/watchdog.sh SECONDS COMMAND [ARGS...]
set -uo pipefail
limit="$1"
shift

descendants() {
  local pid
  for pid in $(pgrep -P "$1"); do
    echo "$pid"
    descendants "$pid"
  done
}

setsid "$@" &
child=$!
trap 'kill -TERM -- -"$child" 2>/dev/null' INT TERM
waited=0
while kill -0 "$child" 2>/dev/null; do
  if ((waited >= limit)); then
    {
      echo
      echo "== watchdog: '$*' still running after ${limit}s; what each process is doing:"
      ps -e -o pid,ppid,pgid,stat,etime,wchan:24,args --forest | cut -c1-220 || true
      for pid in $child $(descendants "$child"); do
        [[ -r /proc/$pid/comm ]] || continue
        echo "-- pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)): $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-200)"
        for task in /proc/"$pid"/task/*; do
          echo "   thread ${task##*/} $(cat "$task/comm" 2>/dev/null): $(cat "$task/wchan" 2>/dev/null)"
        done
        case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
          *PackageTests* | *xctest* | tandem | tandem-supervis*)
            if command -v gdb >/dev/null; then
              timeout 60 gdb -p "$pid" -batch -nx -ex "set pagination off" -ex "thread apply all bt 30" 2>&1 |
                grep -E '^(Thread|#)' | cut -c1-220 || true
            fi
            ;;
        esac
      done
    } >&2
    all="$(descendants "$child")"
    kill -KILL -- -"$child" $all 2>/dev/null
    wait "$child" 2>/dev/null
    exit 124
  fi
  sleep 1
  waited=$((waited + 1))
done
wait "$child"
