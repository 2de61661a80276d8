"""The app as deployed, in real processes: uvicorn (optionally several workers, each with its
handler process), started, asked and killed the way a machine failure would."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bot.dev import line_events
from bot.dev.threaded import free_port
from tests.utils.chat import SECRET

__all__ = ["ROOT", "USER", "Web", "_env", "say"]

ROOT = Path(__file__).resolve().parents[2]
USER = "U" + "c" * 31 + "1"


def _env(database_url: str, standin_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "DEV_MODE", "ADMIN_TOKEN", "PROMETHEUS_"))}
    env.update(DATABASE_URL=database_url, LINE_API_BASE_URL=standin_url, LINE_CHANNEL_SECRET=SECRET,
               LINE_CHANNEL_ACCESS_TOKEN="crash-test-token", ADMIN_TOKEN="crash-admin-token", **extra)
    return env


class Web:
    """The web process as deployed (uvicorn, optionally several workers), killable with SIGKILL."""

    def __init__(self, env: dict[str, str], workers: int = 1) -> None:
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it is ready. A restart reuses the port; should the port
        have been taken meanwhile (our own outgoing connections draw from the same range), the
        server exits at once and is started again on another port."""
        for _ in range(3):
            if self._start_once():
                return
            self.port = free_port()
        raise RuntimeError(f"web process could not bind a port; its log ends:\n{self._log_tail()}")

    def _log_path(self) -> Path:
        # WEB_LOG=path keeps the server's log; otherwise it is shown only if the server does not come up.
        return Path(os.environ.get("WEB_LOG") or Path(tempfile.gettempdir()) / f"web-{id(self)}.log")

    def _log_tail(self) -> str:
        return self._log_path().read_text(errors="replace")[-3000:]

    def _start_once(self) -> bool:
        """True once ready; False if the server exited at once (its port was taken)."""
        with open(self._log_path(), "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "bot.app:app", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers)],
                cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
            )
        deadline = time.time() + 180
        ready, last = 0, "no answer"
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                # Ready: the database answers and the handler process has built its assistant — five
                # times in a row, so that every worker (each answers some of the checks) is.
                response = httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=1)
                last = response.text
                ready = ready + 1 if response.status_code == 200 else 0
                if ready >= 5:
                    return True
            except httpx.HTTPError as exc:
                ready, last = 0, type(exc).__name__
            time.sleep(0.1)
        raise RuntimeError(f"web process did not start; /readyz said {last!r}; its log ends:\n{self._log_tail()}")

    def kill(self) -> None:
        """SIGKILL the server and its workers at once, as a machine failure would."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


def say(web: Web, standin, text: str) -> str:  # type: ignore[no-untyped-def]
    event = line_events.text_event(text, user_id=USER)
    body = line_events.payload(event)
    before = len(standin.replies())
    response = httpx.post(f"http://127.0.0.1:{web.port}/callback", content=body,
                          headers={"X-Line-Signature": line_events.sign(body, SECRET)}, timeout=10)
    assert response.status_code == 200
    deadline = time.time() + 10
    while time.time() < deadline:
        replies = [c for c in standin.replies()[before:] if c.body["replyToken"] == event["replyToken"]]
        if replies:
            return "\n".join(m.get("text", "") for m in replies[0].body["messages"])
        time.sleep(0.05)
    raise AssertionError(f"no reply to {text!r}")
