#!/usr/bin/env python3
# dnscheck.py -- asks a DNS server about many IPv4 addresses, with a
# window of queries in flight on one socket, and prints every address
# whose A answer is not 127.0.0.2 (after 3 tries), then "checked N".
#
# Usage: dnscheck.py PORT ZONE < addresses
import socket
import struct
import sys
import time


def query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack("!HH", 1, 1)


def listed(r):
    # One question echoed: skip it, then look for A 127.0.0.2.
    an = struct.unpack("!H", r[6:8])[0]
    return an > 0 and r.endswith(bytes([127, 0, 0, 2]))


def main():
    port, zone = int(sys.argv[1]), sys.argv[2]
    addrs = [a.strip() for a in sys.stdin if a.strip()]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    todo = list(range(len(addrs)))
    for _ in range(3):
        bad = []
        for start in range(0, len(todo), 100):
            chunk = todo[start:start + 100]
            want = {}
            for k in chunk:
                qid = k & 0xffff
                want[qid] = k
                name = ".".join(reversed(addrs[k].split("."))) + "." + zone
                s.sendto(query(qid, name), ("127.0.0.1", port))
            got = set()
            deadline = time.monotonic() + 2
            while len(got) < len(chunk) and time.monotonic() < deadline:
                try:
                    r = s.recv(4096)
                except socket.timeout:
                    break
                qid = struct.unpack("!H", r[:2])[0]
                if qid in want and listed(r):
                    got.add(want[qid])
            bad += [k for k in chunk if k not in got]
        todo = bad
        if not todo:
            break
    for k in todo:
        print(addrs[k])
    print("checked %d" % len(addrs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
