"""The ceiling: the least a LINE webhook can do — read the body, verify the signature, answer 200.

Served by the same uvicorn settings as ours (``bench/procs.start_web``) and driven by the same
generator, it is what this machine allows in the same run; our figures are reported beside it
and as ratios to it.
"""
from __future__ import annotations

import os

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from linebot.v3.webhook import SignatureValidator

app = FastAPI()
_validator = SignatureValidator(os.environ.get("LINE_CHANNEL_SECRET", ""))


@app.post("/callback")
async def callback(request: Request) -> JSONResponse:
    body = await request.body()
    if not _validator.validate(body.decode("utf-8"), request.headers.get("x-line-signature", "")):
        return JSONResponse({"detail": "invalid signature"}, status_code=400)
    return JSONResponse({"status": "ok"})


@app.get("/readyz")
async def ready() -> JSONResponse:
    return JSONResponse({"status": "ready"})
