"""The load generator: signed webhooks at a fixed rate, from a process of its own.

httpx costs about a millisecond of CPU per request, so at 500 events/s a generator built on it
measures itself. This one pre-builds and signs every request, then writes them over a pool of
keep-alive connections with asyncio streams (uvloop), reading only the status line and the
body's length. It runs in its own process, so neither the LINE stand-in nor the bench's
bookkeeping shares its interpreter. The same generator drives the ceiling app and ours.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

__all__ = ["Sent", "drive"]

QUESTIONS = ["A類截止是哪天？", "B類要幾家？", "竹山鎮第幾分群？", "輔導經費最多多少？", "影片有什麼規定？",
             "國際主題聯盟截止時間？", "評分標準", "明天會下雨嗎", "期中查核點是哪天？", "提案要準備哪些文件？"]
MAX_CONNECTIONS = 512


@dataclass
class Sent:
    token: str
    at: float  # wall clock when the request was written
    ack_ms: float | None  # None: no 200
    status: int  # the HTTP status, or 0 when the connection failed
    event_id: str = ""  # its webhookEventId (an answer pushed instead of replied is found by it)


def drive(port: int, *, rate: float, seconds: float, secret: str, users: int = 500) -> list[Sent]:
    """Send ``rate × seconds`` webhooks (one text event each) to 127.0.0.1:``port``; blocks until done."""
    context = get_context("spawn")
    mine, theirs = context.Pipe(duplex=False)
    process = context.Process(target=_main, args=(theirs, port, rate, seconds, secret, users), name="loadgen")
    process.start()
    theirs.close()
    rows = mine.recv()
    process.join(timeout=30)
    return [Sent(*row) for row in rows]


def _main(conn: Any, port: int, rate: float, seconds: float, secret: str, users: int) -> None:
    import uvloop

    from bot.dev import line_events

    requests = []
    for n in range(int(rate * seconds)):
        event = line_events.text_event(QUESTIONS[n % len(QUESTIONS)], user_id=f"U{n % users:032d}")
        body = line_events.payload(event)
        head = (f"POST /callback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"X-Line-Signature: {line_events.sign(body, secret)}\r\nContent-Length: {len(body)}\r\n\r\n")
        requests.append((event["replyToken"], head.encode() + body, event["webhookEventId"]))
    rows = uvloop.run(_send(port, rate, requests))
    conn.send(rows)
    conn.close()


async def _send(port: int, rate: float,
                requests: list[tuple[str, bytes, str]]) -> list[tuple[str, float, float | None, int, str]]:
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    opened = 0
    slots = asyncio.Semaphore(MAX_CONNECTIONS)
    rows: list[tuple[str, float, float | None, int, str]] = []

    async def one(token: str, data: bytes, event_id: str) -> None:
        nonlocal opened
        began = time.perf_counter()  # from when it was due: waiting for a free connection counts
        wall = time.time()
        async with slots:
            status = None
            for attempt in range(2):  # a kept-alive connection the server has closed meanwhile: once more on a new one
                reused = bool(idle) and attempt == 0
                try:
                    if reused:
                        reader, writer = idle.pop()
                    else:
                        reader, writer = await asyncio.open_connection("127.0.0.1", port)
                        opened += 1
                    writer.write(data)
                    head = await reader.readuntil(b"\r\n\r\n")
                    status = int(head.split(b" ", 2)[1])
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line[:15].lower() == b"content-length:":
                            length = int(line[15:])
                    if length:
                        await reader.readexactly(length)
                    idle.append((reader, writer))
                    break
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    status = None
                    if not reused:
                        break
            took = (time.perf_counter() - began) * 1000
            rows.append((token, wall, took if status == 200 else None, status or 0, event_id))

    start = time.perf_counter()
    tasks = []
    for n, (token, data, event_id) in enumerate(requests):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(token, data, event_id)))
    await asyncio.gather(*tasks)
    for _, writer in idle:
        writer.close()
    return rows
