"""Helpers to run the app and the clock as real processes and read their memory."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-channel-secret"


def env_for(database_url: str, line_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "DEV_MODE", "ADMIN_TOKEN", "PROMETHEUS_"))}
    env.update(DATABASE_URL=database_url, LINE_API_BASE_URL=line_url, LINE_CHANNEL_SECRET=SECRET,
               LINE_CHANNEL_ACCESS_TOKEN="bench-token", ADMIN_TOKEN="bench-admin-token",
               RATE_LIMIT_PER_MINUTE="1000000", LOG_LEVEL="WARNING", **extra)
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)


def status_of(pid: int) -> dict[str, float]:
    values = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def descendants(pid: int) -> list[int]:
    found, todo = [], children(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children(child))
    return found


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) in MB of the process — or of its largest worker, for uvicorn --workers."""
    pids = children(pid) or [pid]
    stats = [status_of(p) for p in pids]
    return max(s.get("VmRSS", 0.0) for s in stats), max(s.get("VmHWM", 0.0) for s in stats)


class Sampler:
    """Polls a process's RSS in the background; ``peak`` is the highest seen."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, rss_mb(self.pid)[0])
            except OSError:
                return
            time.sleep(self.every)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def start_web(env: dict[str, str], port: int, workers: int = 1, app: str = "bot.app:app") -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log", "--workers", str(workers), "--loop", "uvloop", "--http", "httptools"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: its own metrics, and nothing left behind by stop()
    )
    deadline = time.time() + 90
    ready = 0
    while time.time() < deadline:
        try:  # ready 10 times in a row: every worker and its handler process are up
            ready = ready + 1 if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200 else 0
            if ready >= 10:
                return proc
        except httpx.HTTPError:
            ready = 0
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("web process did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # a handler process that outlived its worker
