#!/usr/bin/env python3
"""malformed.py -- hostile DNS messages to a server on loopback.

Each case must get FORMERR (or the rcode named) or no answer at all, and a
well-formed query afterwards must still be answered. Bounded: one datagram
per case, a short timeout each.
usage: malformed.py ADDR PORT ZONE
"""
import random
import socket
import struct
import sys

addr, port, zone = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if not (addr.startswith("127.") or addr == "::1"):
    sys.exit("loopback only")


def name(text):
    out = b""
    for label in text.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


q = name("1.2.0.192." + zone) + struct.pack("!HH", 1, 1)
long_label = bytes([64]) + b"a" * 64 + name(zone)
long_name = b"".join(bytes([63]) + b"b" * 63 for _ in range(4)) + name(zone)
loop = b"\xc0\x0c" + struct.pack("!HH", 1, 1)           # points at itself
forward = b"\xc0\x20" + struct.pack("!HH", 1, 1) + b"\0" * 20
rng = random.Random(5782)

# (label, packet, allowed rcodes; None in the set means "may be dropped")
cases = [
    ("short header", b"\x12\x34\x01", {None}),
    ("header only, qd=1", header(), {1, None}),
    ("qdcount 0", header(qd=0), {1}),
    ("qdcount 2", header(qd=2) + q + q, {1}),
    ("truncated question", header() + q[:-3], {1}),
    ("label over 63", header() + long_label + struct.pack("!HH", 1, 1), {1}),
    ("name over 255", header() + long_name + struct.pack("!HH", 1, 1), {1}),
    ("compression loop", header() + loop, {1}),
    ("forward pointer", header() + forward, {1}),
    ("a response (QR set)", header(flags=0x8100) + q, {None}),
    ("opcode NOTIFY", header(flags=0x2000 | 0x0100) + q, {4}),
    ("opcode 5", header(flags=0x2800) + q, {4}),
    ("trailing garbage", header() + q + b"\xff" * 7, {1}),
    ("bad OPT owner", header(ar=1) + q + name("x") + struct.pack("!HHIH", 41, 1232, 0, 0), {1}),
    ("two OPTs", header(ar=2) + q + (b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)) * 2, {1}),
    ("an count lies", header(an=3) + q, {1, None}),
]
for i in range(40):
    n = rng.randrange(0, 300)
    cases.append(("garbage %d" % i, bytes(rng.randrange(256) for _ in range(n)), None))

fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
failed = 0
for label, pkt, allowed in cases:
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(0.3)
    s.sendto(pkt, (addr, port))
    try:
        resp = s.recv(4096)
    except socket.timeout:
        resp = None
    s.close()
    if allowed is None:          # random bytes: anything but a crash
        continue
    if resp is None:
        if None not in allowed:
            print("FAIL %s: no answer, want rcode %s" % (label, allowed))
            failed += 1
        continue
    if len(resp) < 12 or resp[:2] != pkt[:2] or not resp[2] & 0x80:
        print("FAIL %s: not a response to it: %r" % (label, resp[:12]))
        failed += 1
        continue
    rcode = resp[3] & 0x0F
    if rcode not in allowed:
        print("FAIL %s: rcode %d, want %s" % (label, rcode, allowed))
        failed += 1

s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(header() + q, (addr, port))
resp = s.recv(4096)
if resp[3] & 0x0F != 0 or struct.unpack("!H", resp[6:8])[0] < 1:
    print("FAIL: a good query after the hostile ones was not answered")
    failed += 1
print("%d cases, %d failed" % (len(cases), failed))
sys.exit(1 if failed else 0)
