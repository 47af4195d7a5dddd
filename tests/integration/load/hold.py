#!/usr/bin/env python3
# hold.py -- fills the trap with idle SMTP sessions and a few slow-drip
# ones (one byte a second), from many source addresses (127.1.x.y, 50
# sessions each), then checks what a trap at its session limit does.
# Standard library only (asyncio).
#
# Usage: hold.py PORT PID MAX IDLE_S [HOLD_S]
#   PORT the trap, PID its process (for /proc/PID/status), MAX its
#   trap.max_sessions, IDLE_S its trap.idle_timeout. With HOLD_S, only
#   hold MAX - 10 sessions (drip ones among them) for HOLD_S seconds and
#   exit (bench/load.sh).
# Prints key=value lines:
#   held        sessions that got a 220 (want MAX - 10, then MAX)
#   served      a whole callout session at MAX - 10 (1 if it got 250/221)
#   refused     of 5 connections beyond MAX, those that got 421 and EOF
#   rss_kb, hwm_kb  the trap's VmRSS and VmHWM with MAX sessions open
#   idle_closed idle sessions the trap closed after IDLE_S (421 or EOF)
#   drip_alive  drip sessions still answered after IDLE_S
import asyncio
import sys
import time

DRIP = 20
PER_ADDR = 50


def source(i):
    a = i // PER_ADDR
    return "127.1.%d.%d" % (a // 250, a % 250 + 1)


def status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


async def connect(port, i):
    for attempt in range(5):
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(
                "127.0.0.1", port, local_addr=(source(i), 0)), 30)
            line = await asyncio.wait_for(r.readline(), 30)
            return r, w, line.decode("latin-1")
        except (OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.5 * (attempt + 1))
    return None, None, ""


async def open_many(port, first, n):
    conns = []
    for start in range(first, first + n, 500):
        batch = range(start, min(start + 500, first + n))
        conns += await asyncio.gather(*(connect(port, i) for i in batch))
    return conns


async def drip(r, w, stop, counter):
    """Sends NOOP a byte a second; counts the replies."""
    try:
        while not stop.is_set():
            for ch in b"NOOP\r\n":
                w.write(bytes([ch]))
                await w.drain()
                await asyncio.sleep(1)
            line = await asyncio.wait_for(r.readline(), 10)
            if line.startswith(b"250"):
                counter[0] += 1
            else:
                return
    except (OSError, asyncio.TimeoutError):
        return


async def callout(port):
    r, w, greet = await connect(port, 999999)
    if not greet.startswith("220"):
        return 0
    ok = 1
    for cmd, want in ((b"EHLO load.example\r\n", b"250"),
                      (b"MAIL FROM:<>\r\n", b"250"),
                      (b"RCPT TO:<x@trap.test>\r\n", b"250"),
                      (b"QUIT\r\n", b"221")):
        w.write(cmd)
        while True:
            line = await asyncio.wait_for(r.readline(), 30)
            if line[3:4] != b"-":
                break
        ok &= line.startswith(want)
    w.close()
    return ok


async def refused(port):
    r, w, greet = await connect(port, 999999)
    if r is None:
        return 0
    try:
        rest = await asyncio.wait_for(r.read(), 10)
    except (OSError, asyncio.TimeoutError):
        return 0
    w.close()
    return int(greet.startswith("421 4.7.0") and rest == b"")


async def closed_by_server(r):
    try:
        line = await r.readline()
        if line == b"" or line.startswith(b"421"):
            return 1
    except OSError:
        return 1
    return 0


async def main():
    port, pid, maxs, idle = (int(a) for a in sys.argv[1:5])
    hold = float(sys.argv[5]) if len(sys.argv) > 5 else 0
    t0 = time.monotonic()
    conns = await open_many(port, 0, maxs - 10)
    held = sum(1 for c in conns if c[2].startswith("220"))
    print("held=%d" % held, flush=True)
    print("connect_s=%.1f" % (time.monotonic() - t0), flush=True)
    stop = asyncio.Event()
    dripped = [0]
    drips = [asyncio.ensure_future(drip(c[0], c[1], stop, dripped))
             for c in conns[:DRIP] if c[0] is not None]
    if hold:
        await asyncio.sleep(hold)
        print("rss_kb=%d" % status(pid, "VmRSS"), flush=True)
        stop.set()
        for c in conns:
            if c[1] is not None:
                c[1].close()
        return 0
    print("served=%d" % await callout(port), flush=True)
    conns += await open_many(port, maxs - 10, 10)
    held = sum(1 for c in conns if c[2].startswith("220"))
    print("held=%d" % held, flush=True)
    res = await asyncio.gather(*(refused(port) for _ in range(5)))
    print("refused=%d" % sum(res), flush=True)
    print("rss_kb=%d" % status(pid, "VmRSS"), flush=True)
    print("hwm_kb=%d" % status(pid, "VmHWM"), flush=True)
    # The idle ones: closed by the trap once IDLE_S passed without input.
    idle_conns = [c for c in conns[DRIP:] if c[0] is not None]
    left = idle + 20 - (time.monotonic() - t0)
    done, _ = await asyncio.wait(
        [asyncio.ensure_future(closed_by_server(c[0])) for c in idle_conns],
        timeout=max(left, idle))
    print("idle_closed=%d" % sum(d.result() for d in done), flush=True)
    before = dripped[0]
    await asyncio.sleep(8)
    print("drip_alive=%d" % sum(1 for d in drips if not d.done()),
          flush=True)
    print("drip_replies=%d" % (dripped[0] - before), flush=True)
    stop.set()
    for c in conns:
        if c[1] is not None:
            c[1].close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
