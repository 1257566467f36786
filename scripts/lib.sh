# Shared helpers for the scripts in this folder; sourced, not run.
TOOLS_DIR="${INTERCEPTOR_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/interceptor-app}"
export PATH="$TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
skip() { printf '    %s, skipped\n' "$*"; }
ok() { printf '\033[32m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror: %s\033[0m\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
