"""A real PostgreSQL server for the tests: initdb into a temp folder, pg_ctl start on a free loopback port,
as the `postgres` user when the tests run as root (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
_server: dict[str, str] = {}


def _bin(name: str) -> str | None:
    for d in BIN_DIRS:
        if (d / name).exists():
            return str(d / name)
    return shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


def start_server() -> str:
    """Start (once per test session) a throw-away server; returns its base URL."""
    if "url" in _server:
        return _server["url"]
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL is not installed (make test installs it: make postgresql)")
    root = Path(tempfile.mkdtemp(prefix="xxgk-pg-"))
    user = "postgres" if os.geteuid() == 0 else getpass.getuser()
    if os.geteuid() == 0:
        shutil.chown(root, user)
    data, port = root / "data", _free_port()
    run = _as_user()
    subprocess.run([*run, initdb, "-D", str(data), "-U", "xxgk", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                   check=True, capture_output=True)
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run([*run, pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
                   check=True, capture_output=True)
    _server.update(url=f"postgresql://xxgk@127.0.0.1:{port}", root=str(root), pg_ctl=pg_ctl, data=str(data))
    import atexit

    atexit.register(stop_server)
    return _server["url"]


def stop_server() -> None:
    if "url" in _server:
        subprocess.run([*_as_user(), _server["pg_ctl"], "-D", _server["data"], "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(_server["root"], ignore_errors=True)
        _server.clear()


def postgres_url(request: pytest.FixtureRequest, tmp: Path) -> str:
    """A fresh database on the shared test server."""
    base = start_server()
    name = "t_" + tmp.name.replace("-", "_").lower()
    import psycopg

    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"
