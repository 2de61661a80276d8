"""Webhook load: acknowledgement latency, sustained events/s and webhook→reply latency.

The app runs under uvicorn in its own process; this process sends signed webhooks at a fixed
rate and hosts the LINE stand-in, which timestamps each reply as it arrives.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

from bench.procs import SECRET, Sampler, env_for, migrate, rss_mb, start_web, stop
from bot.dev import line_events
from bot.dev.line_standin import LineStandin
from bot.dev.threaded import free_port, serve_in_thread

QUESTIONS = ["A類截止是哪天？", "B類要幾家？", "竹山鎮第幾分群？", "輔導經費最多多少？", "影片有什麼規定？",
             "國際主題聯盟截止時間？", "評分標準", "明天會下雨嗎", "期中查核點是哪天？", "提案要準備哪些文件？"]


@dataclass
class LoadResult:
    database: str
    rate: float
    seconds: float
    sent: int = 0
    acked: int = 0
    replied: int = 0
    errors: int = 0
    ack_ms: list[float] = field(default_factory=list)
    reply_ms: list[float] = field(default_factory=list)
    rss_rest_mb: float = 0.0
    rss_peak_mb: float = 0.0
    achieved_rate: float = 0.0
    processed_rate: float = 0.0


async def _drive(url: str, rate: float, seconds: float, result: LoadResult, sent_at: dict[str, float]) -> None:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        total = int(rate * seconds)
        start = time.perf_counter()
        tasks = []

        async def one(n: int) -> None:
            user = f"U{n % 500:032d}"
            event = line_events.text_event(QUESTIONS[n % len(QUESTIONS)], user_id=user)
            body = line_events.payload(event)
            headers = {"X-Line-Signature": line_events.sign(body, SECRET), "Content-Type": "application/json"}
            sent_at[event["replyToken"]] = time.time()
            began = time.perf_counter()
            try:
                response = await client.post(f"{url}/callback", content=body, headers=headers)
                if response.status_code == 200:
                    result.acked += 1
                    result.ack_ms.append((time.perf_counter() - began) * 1000)
                else:
                    result.errors += 1
            except httpx.HTTPError:
                result.errors += 1

        for n in range(total):
            target = start + n / rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
            result.sent += 1
        await asyncio.gather(*tasks)
        result.achieved_rate = result.acked / (time.perf_counter() - start)


def run(database_url: str, *, label: str, rate: float, seconds: float, workers: int = 2) -> LoadResult:
    """``workers`` as in the Procfile's default (WEB_CONCURRENCY=2); RSS is per worker."""
    result = LoadResult(label, rate, seconds)
    standin = LineStandin()
    with serve_in_thread(standin.app) as line_url:
        env = env_for(database_url, line_url)
        migrate(env)
        port = free_port()
        proc = start_web(env, port, workers)
        try:
            time.sleep(1.0)
            result.rss_rest_mb = rss_mb(proc.pid)[0]
            sampler = Sampler(proc.pid)
            sent_at: dict[str, float] = {}
            started = time.time()
            asyncio.run(_drive(f"http://127.0.0.1:{port}", rate, seconds, result, sent_at))
            deadline = time.time() + 30
            while len(standin.replies()) < result.acked and time.time() < deadline:
                time.sleep(0.1)
            replies = standin.replies()
            for call in replies:
                token = call.body.get("replyToken")
                if token in sent_at:
                    result.reply_ms.append((call.at - sent_at[token]) * 1000)
            result.replied = len(result.reply_ms)
            last = max((c.at for c in replies), default=started)
            result.processed_rate = result.replied / max(1e-9, last - started)
            result.rss_peak_mb = max(sampler.stop(), rss_mb(proc.pid)[0])
        finally:
            stop(proc)
    return result
