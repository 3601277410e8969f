"""The issue's baseline upstream: a trivial JSON endpoint, FastAPI on uvicorn with uvloop + httptools."""

from __future__ import annotations

import sys

from fastapi import FastAPI

app = FastAPI()


@app.get("/api/v1/inspection/bench/trivial")
async def trivial() -> dict[str, object]:
    return {"ok": True, "service": "trivial"}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
