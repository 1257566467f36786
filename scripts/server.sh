# Starting and stopping a backend for the other scripts: the reference backend, or the bundled
# Django one (backends/django); sourced, not run.

SERVER_PIDS=()
SERVER_CMD=()
SERVER_NAME=""

# build_server: compiles the reference backend (debug: it builds fast and argon2 is optimised
# through the dev profile).
build_server() {
  step "reference backend"
  cargo build --locked --quiet -p interceptor-server || die "the reference backend did not build"
  SERVER_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/interceptor-server"
  SERVER_CMD=("$SERVER_BIN")
  SERVER_NAME="the reference backend"
}

# use_django: start_server runs the bundled Django backend (scripts/django) instead; it
# takes the reference backend's flags.
use_django() {
  SERVER_CMD=(bash scripts/django)
  SERVER_NAME="the Django backend"
}

# start_server ADDR LOG [FLAGS...]: starts the backend chosen by build_server or use_django in
# the background, its output to the file LOG (- for this terminal), and waits until it answers.
# Several may run at once; stop_server (also on exit) stops them all.
start_server() {
  local addr=$1 log=$2
  shift 2
  if curl -s -o /dev/null "http://$addr/"; then
    die "something already listens on $addr; stop it or pick another port"
  fi
  if [ "$log" = - ]; then
    "${SERVER_CMD[@]}" --bind "$addr" "$@" &
  else
    "${SERVER_CMD[@]}" --bind "$addr" "$@" >"$log" 2>&1 &
  fi
  local pid=$!
  SERVER_PIDS+=("$pid")
  trap stop_server EXIT
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://$addr/api/"; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || die "$SERVER_NAME exited at start-up"
    sleep 0.1
  done
  die "$SERVER_NAME did not answer on $addr within 10 s"
}

stop_server() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  SERVER_PIDS=()
}
