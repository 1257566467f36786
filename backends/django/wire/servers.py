"""Starts the two servers under test as child processes on free loopback ports (each binds
port 0 and prints the URL it got) and stops them again."""

import os
import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REFERENCE = "reference"
DJANGO = "django"
LISTENING = re.compile(r"listening on (http://\S+?)/ ")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
START_TIMEOUT_S = 60
# Environment variables either server reads: a test sets everything through flags instead.
# (scripts/lib.sh's INTERCEPTOR_TOOLS_DIR, where scripts/django finds its virtualenv, and
# INTERCEPTOR_T0 are the scripts' own, not the server's.)
INHERITED_SETTINGS = re.compile(
    r"^(INTERCEPTOR_(?!TOOLS_DIR$|T0$)|SIMPLE_JWT_|DJOSER_|CORS_|CSRF_|REST_AUTH_|DJANGO_|RUST_LOG$)"
)


@dataclass
class Server:
    name: str
    process: subprocess.Popen[str]
    base_url: str = ""
    # The last lines of its output, shown when something goes wrong.
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=40))


def clean_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not INHERITED_SETTINGS.match(key)}
    env["NO_COLOR"] = "1"
    return env


def start(name: str, argv: Sequence[str], cwd: Path | None = None) -> Server:
    """Starts `argv` and waits for its `listening on http://HOST:PORT/` line."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=clean_environment(),
        text=True,
        errors="replace",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = Server(name, process)
    ready = threading.Event()

    def drain() -> None:
        # Reads to the end, so a chatty server never blocks on a full pipe.
        assert process.stdout is not None
        for line in process.stdout:
            line = ANSI_ESCAPE.sub("", line.rstrip("\n"))
            server.tail.append(line)
            if not ready.is_set() and (match := LISTENING.search(line)):
                server.base_url = match[1]
                ready.set()
        ready.set()

    threading.Thread(target=drain, name=f"{name}-output", daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready.wait(0.05):
        if time.monotonic() > deadline:
            break
    if not server.base_url:
        stop(server)
        output = "\n".join(server.tail)
        raise RuntimeError(f"the {name} server did not start ({' '.join(argv)}):\n{output}")
    return server


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@contextmanager
def running_pair(
    reference_bin: Path, django_script: Path, flags: Sequence[str]
) -> Iterator[tuple[Server, Server]]:
    """Both servers with the same flags, test hooks on, each on a throwaway database."""
    common = ["--bind", "127.0.0.1:0", "--test-hooks", *flags]
    servers: list[Server] = []
    try:
        servers.append(start(REFERENCE, [str(reference_bin), "--db", ":memory:", *common]))
        servers.append(start(DJANGO, [str(django_script), *common]))
        yield servers[0], servers[1]
    finally:
        for server in servers:
            stop(server)


def reference_supports(reference_bin: Path, flag: str) -> bool:
    """Whether the reference server has `flag` (some arrive on another branch)."""
    help_text = subprocess.run(
        [str(reference_bin), "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=clean_environment(),
    ).stdout
    return flag in help_text
