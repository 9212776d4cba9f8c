"""`newsmon serve` listens on 127.0.0.1 unless told otherwise (and warns when told), and a SIGTERM or SIGHUP
sent to it alone (a service manager, a closed terminal) stops the dashboard and the background fetcher: the port
is free and no child is left."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor import config, server
from monitor.cli import app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a listening TCP socket on `port`, from the kernel's own table."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:  # four little-endian 32-bit words
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def descendants(pid: int) -> set[int]:
    """Every living process below `pid` (children, grandchildren...)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def wait_for_listener(port: int, process: subprocess.Popen, log: Path, timeout: float = 90) -> set[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}: {log.read_text()}")
        addresses = listening_addresses(port)
        if addresses and server.wait_until_up(f"http://127.0.0.1:{port}", timeout=30):
            return addresses
        time.sleep(0.3)
    raise AssertionError(f"nothing listened on port {port} within {timeout} s")


def start(command: list[str], log: Path, **options) -> subprocess.Popen:
    """Output to a file, not a pipe: a child that outlived its parent would hold a pipe open for ever."""
    with log.open("w") as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, text=True, **options)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_serve_listens_on_loopback_only_and_a_signal_stops_every_child(db_path, tmp_path, stop_signal):
    port, log = free_port(), tmp_path / "serve.log"
    command = [sys.executable, "-m", "monitor", "--db", str(db_path), "serve", "--headless", "--no-demo"]
    process = start([*command, "--port", str(port)], log)
    children: set[int] = set()
    try:
        assert wait_for_listener(port, process, log) <= {"127.0.0.1"}, listening_addresses(port)
        children = descendants(process.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() for pid in children]
        assert any("monitor.launch run" in command for command in commands), commands  # the dashboard (streamlit)
        assert any("monitor watch" in command for command in commands), commands  # the background fetcher
        process.send_signal(stop_signal)  # to serve alone, as a service manager or a closed terminal does
        process.wait(timeout=60)
        survivors = [pid for pid in children if alive(pid)]
    finally:
        for pid in [process.pid, *(children or descendants(process.pid))]:  # what this test started, if still there
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait()
    output = log.read_text()
    assert process.returncode == 0, output
    assert "Traceback" not in output, output
    assert survivors == [], survivors
    assert listening_addresses(port) == set()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def test_streamlit_run_from_the_project_folder_listens_on_loopback_too(db_path, tmp_path):
    """`streamlit run app.py` (the README's other way) reads .streamlit/config.toml: 127.0.0.1 there as well."""
    port, log = free_port(), tmp_path / "streamlit.log"
    db_path.touch()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    process = start(
        [*command, "--server.headless", "true"],
        log,
        cwd=config.PROJECT_DIR,
        env={**os.environ, "NEWSMON_DB": str(db_path)},
    )
    try:
        assert wait_for_listener(port, process, log) <= {"127.0.0.1"}, listening_addresses(port)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_dashboard_command_binds_the_address_it_is_given():
    assert server.streamlit_command(8501)[-8:-4] == ["--server.port", "8501", "--server.address", "127.0.0.1"]
    assert "0.0.0.0" in server.streamlit_command(8501, "0.0.0.0")


@pytest.fixture
def served(monkeypatch, db_path):
    calls = []
    monkeypatch.setattr(server, "serve", lambda *args, **kwargs: calls.append(kwargs) or 0)
    return calls


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.20", "::"])
def test_listening_elsewhere_is_explicit_and_warns(served, address):
    result = CliRunner().invoke(app, ["serve", "--headless", "--no-demo", "--no-watch", "--address", address])
    assert result.exit_code == 0, result.output
    assert served[0]["address"] == address
    warning = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and f"listening on {address}" in warning[0] and "no login" in warning[0]


@pytest.mark.parametrize("address", [None, "127.0.0.1", "localhost", "::1"])
def test_loopback_needs_no_warning(served, address):
    extra = ["--address", address] if address else []
    result = CliRunner().invoke(app, ["serve", "--headless", "--no-demo", "--no-watch", *extra])
    assert result.exit_code == 0, result.output
    assert served[0]["address"] == (address or "127.0.0.1")
    assert "warning" not in result.output
    assert "dashboard: http://localhost:8501" in result.output
