# quiet_build LOG ARGS...: `swift build ARGS` with its output kept in LOG and shown as one line of progress
# (updated in place on a terminal; a line at the start and the end otherwise). On failure, the log's errors
# and its last lines are printed.
quiet_build() {
  local log="$1"; shift
  mkdir -p "$(dirname "$log")"
  local start=$SECONDS status=0
  echo "building: swift build $* (log: $log)"
  if [ -t 1 ]; then
    { swift build "$@" 2>&1; echo "$?" > "$log.status"; } | tee "$log" | while IFS= read -r line; do
      case "$line" in "["*"/"*"]"*) printf '\r\033[K  %s' "${line:0:100}" ;; esac
    done
    status="$(cat "$log.status")"
    rm -f "$log.status"
    printf '\r\033[K'
  else
    swift build "$@" > "$log" 2>&1 || status=$?
  fi
  if [ "$status" -ne 0 ]; then
    echo "error: the build failed (exit $status); its errors, then the end of $log:" >&2
    grep -E "error:" "$log" | head -40 >&2 || true
    tail -20 "$log" >&2
    return "$status"
  fi
  echo "built in $((SECONDS - start)) s ($(grep -c 'warning:' "$log" || true) warning lines in the log)"
}
