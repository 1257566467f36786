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

# LOSSLESS_PACKAGE: the Django package for lossless rotation (djangorestframework-simplejwt-lossless).
LOSSLESS_PACKAGE=packages/simplejwt-lossless

# content_hash FILE...: 16 hex digits naming these files' contents (and names) together.
content_hash() {
  sha256sum "$@" | sha256sum | cut -c1-16
}

# lossless_sources: the files installed from the package (its source and its metadata; not
# the build/ and *.egg-info that pip's in-tree build leaves behind).
lossless_sources() {
  echo "$LOSSLESS_PACKAGE/pyproject.toml"
  find "$LOSSLESS_PACKAGE/src" -name '*.py' | LC_ALL=C sort
}

# django_venv: the bundled Django backend's virtualenv, one per lock file and package source
# (a changed backends/django/requirements.txt, or a change to packages/simplejwt-lossless,
# gets a new one). Run from the repository root.
django_venv() {
  # shellcheck disable=SC2046 # one file name a line, none with spaces
  echo "$TOOLS_DIR/django-venv-$(content_hash backends/django/requirements.txt $(lossless_sources))"
}

# lossless_test_venv: the virtualenv of the package's tests, one per lock file.
lossless_test_venv() {
  echo "$TOOLS_DIR/lossless-test-venv-$(content_hash "$LOSSLESS_PACKAGE/requirements-test.txt")"
}

# postgresql_bin: the directory of PostgreSQL's server binaries (Debian keeps them out of
# PATH), newest version first; fails when there are none.
postgresql_bin() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1)
  [ -n "$initdb" ] || return 1
  dirname "$initdb"
}

# install_locked_venv DIR LOCK: a virtualenv at DIR with exactly the packages of the lock
# file LOCK; DIR/.installed marks it whole.
install_locked_venv() {
  local venv=$1 lock=$2
  # An interrupted install leaves no .installed marker: start it again from scratch. (Other
  # lock files' virtualenvs stay: another worktree may be using one.)
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv $venv failed"
  # The lock lists every package: --no-deps installs exactly it, and pip check proves it whole.
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$lock" ||
    die "pip install -r $lock failed (PyPI unreachable?)"
  "$venv/bin/pip" check --disable-pip-version-check >/dev/null ||
    die "$lock misses a dependency: $("$venv/bin/pip" check)"
}
