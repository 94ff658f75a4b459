"""Alerts reach listeners in-process and through Redis, and survive a Redis restart."""
import asyncio
import subprocess
import socket
import time

import redis.asyncio as aioredis

from bot.dialogue.alerts import Alerts


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for(items, n, timeout=15.0):
    deadline = time.monotonic() + timeout
    while len(items) < n and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return items


async def test_local_fan_out():
    alerts, got = Alerts(), []

    async def listener(a):
        got.append(a)
    unsubscribe = alerts.subscribe(listener)
    await alerts.publish({"kind": "crisis"})
    unsubscribe()
    await alerts.publish({"kind": "handoff"})
    assert got == [{"kind": "crisis"}]


async def test_redis_subscription_comes_back_after_a_restart(tmp_path):
    port = free_port()
    cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--dir", str(tmp_path)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    client = aioredis.from_url(f"redis://127.0.0.1:{port}/0", decode_responses=True)
    for _ in range(50):
        try:
            await client.ping()
            break
        except Exception:
            await asyncio.sleep(0.1)
    receiver, sender, got = Alerts(client), Alerts(client), []

    async def listener(a):
        got.append(a)
    receiver.subscribe(listener)
    await receiver.start()
    try:
        await asyncio.sleep(0.2)
        await sender.publish({"kind": "crisis", "n": 1})
        assert await wait_for(got, 1) == [{"kind": "crisis", "n": 1}]
        server.terminate()
        server.wait(10)
        await asyncio.sleep(1.0)
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        for _ in range(100):   # the subscriber reconnects by itself
            await asyncio.sleep(0.2)
            try:
                if (await client.pubsub_numsub("insysteme:alerts"))[0][1] >= 1:
                    break
            except Exception:
                pass
        await sender.publish({"kind": "handoff", "n": 2})
        assert (await wait_for(got, 2))[-1] == {"kind": "handoff", "n": 2}
    finally:
        await receiver.stop()
        await client.aclose()
        server.terminate()
        server.wait(10)
