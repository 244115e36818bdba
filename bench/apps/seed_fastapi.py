# The seed lesson in FastAPI, for bench/seed.ts: the same routes as bench/apps/seed-app.mjs, so the
# two frameworks are measured on the same waits. Run with Debian's python3 (python3-fastapi,
# python3-uvicorn):
#
#   /usr/bin/python3 -m uvicorn seed_fastapi:app --app-dir bench/apps --workers 1 --no-access-log
import asyncio
import os
import time

from fastapi import FastAPI

# 200 ms as in the table; SEED_DELAY_MS is the name the loopwise app reads too.
DELAY_SECONDS = float(os.environ.get("SEED_DELAY_MS", "200")) / 1000

app = FastAPI(title="Seed: async vs sync", version="1.0.0")


@app.get("/async")
async def wait_async():
    await asyncio.sleep(DELAY_SECONDS)  # gives the event loop back while it waits
    return {"message": "done"}


@app.get("/sync")
def wait_sync():
    time.sleep(DELAY_SECONDS)  # a def route: FastAPI runs it on anyio's thread pool (40 threads)
    return {"message": "done"}


@app.get("/blocking")
async def wait_blocking():
    time.sleep(DELAY_SECONDS)  # the anti-pattern: blocks the event loop itself
    return {"message": "done"}


@app.get("/json")
async def light():
    return {"message": "hello"}


@app.get("/json-def")
def light_def():
    # Light, but a def route: it waits for the same thread pool as /sync.
    return {"message": "hello"}
