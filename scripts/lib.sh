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

# django_venv: the bundled Django backend's virtualenv, one per lock file (a changed
# backends/django/requirements.txt gets a new one). Run from the repository root.
django_venv() {
  echo "$TOOLS_DIR/django-venv-$(sha256sum backends/django/requirements.txt | cut -c1-16)"
}
