# Shared helpers for the scripts in this folder; sourced, not run.
TOOLS_DIR="${INTERCEPTOR_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/interceptor-app}"
export PATH="$TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# Each step line carries the seconds since the first script started, to see what costs what.
export INTERCEPTOR_T0="${INTERCEPTOR_T0:-$(date +%s)}"
step() { printf '\033[1m==> [%4ss] %s\033[0m\n' "$(($(date +%s) - INTERCEPTOR_T0))" "$*"; }
skip() { printf '    %s, skipped\n' "$*"; }
ok() { printf '\033[32m==> [%4ss] %s\033[0m\n' "$(($(date +%s) - INTERCEPTOR_T0))" "$*"; }
die() { printf '\033[31merror: %s\033[0m\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
