#!/usr/bin/env python3
# flood.py -- UDP queries as fast as one socket sends them, from several
# source addresses, then count what came back: normal answers, answers
# with TC (a rate limiter's slip) and their sizes. Standard library only.
#
# Usage: flood.py PORT NAME COUNT SRC...
# With FLOOD_WINDOW=N in the environment, at most N queries are
# unanswered at a time: no answer is then lost in our own socket buffers,
# so any missing answer is the server's doing.
# Prints "sent N answered N tc N tc_bad N elapsed_ms N"; tc_bad counts TC
# answers that carry records or are longer than their query.
import os
import socket
import struct
import sys
import time


def query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.strip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack("!HH", 1, 1)


def main():
    port, name, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    socks = []
    for src in sys.argv[4:]:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.setblocking(False)
        try:  # SO_RCVBUFFORCE (33): past rmem_max when run as root
            s.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)
        except OSError:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        socks.append(s)
    window = int(os.environ.get("FLOOD_WINDOW", "0"))
    sent = answered = tc = tc_bad = 0
    qlen = len(query(0, name))
    t0 = time.monotonic()

    def drain():
        nonlocal answered, tc, tc_bad
        for s in socks:
            while True:
                try:
                    r = s.recv(4096)
                except BlockingIOError:
                    break
                if len(r) < 12:
                    continue
                flags, qd, an, ns, ar = struct.unpack("!HHHHH", r[2:12])
                if flags & 0x0200:
                    tc += 1
                    if an or ns or ar or len(r) > qlen:
                        tc_bad += 1
                else:
                    answered += 1

    for i in range(count):
        s = socks[i % len(socks)]
        try:
            s.sendto(query(i & 0xffff, name), ("127.0.0.1", port))
            sent += 1
        except BlockingIOError:
            pass
        if i % 64 == 63:
            drain()
        # Bounded: waits at most 2 s for the window to open.
        wait_until = time.monotonic() + 2
        while window and sent - answered - tc >= window and \
                time.monotonic() < wait_until:
            drain()
            time.sleep(0.001)
    elapsed = time.monotonic() - t0
    # Whatever is still on its way: up to 2 s of quiet.
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        before = answered + tc
        drain()
        if answered + tc == before:
            time.sleep(0.1)
    print("sent %d answered %d tc %d tc_bad %d elapsed_ms %d"
          % (sent, answered, tc, tc_bad, elapsed * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
