#!/usr/bin/env python3
# smtpc.py -- a tiny scripted SMTP client for what swaks cannot do: exact
# bytes (over-long lines, PROXY headers), held connections, raw pipelining.
#
# Usage: smtpc.py [options] HOST PORT STEP...
#   STEP "TEXT"   send TEXT + CRLF, print the reply's last line
#   STEP "=TEXT"  send TEXT (Python escapes: \r\n, \x00) and print a reply
#   STEP "+TEXT"  send TEXT (escapes) without reading
#   STEP "?"      print one more reply
#   STEP "~SECS"  wait up to SECS for one more reply and print it (or EOF)
#   STEP "!SECS"  sleep SECS, reading nothing
# Options:
#   --source IP        bind the client to IP (any 127/8 address works)
#   --proxy-v1 SRC     send "PROXY TCP4|TCP6 SRC DST 5555 25" first
#   --proxy-v2 SRC     send the binary v2 header for SRC first
#   --early TEXT       send TEXT (escapes) before the greeting
#   --pipe             send all steps at once, then print every reply
#   --hold N           open N connections, print their greetings, sleep
#   --timeout SECS     per read (default 10)
# The greeting is always printed first. Exit 0, or 1 on a socket error.
import argparse
import ipaddress
import socket
import struct
import sys
import time

V2SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def unescape(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


class Conn:
    def __init__(self, host, port, source, timeout):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        if source:
            self.s.bind((source, 0))
        self.s.connect((host, port))
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def reply(self):
        """One whole reply (continuation lines joined); its last line."""
        while True:
            while b"\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    return "EOF"
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode("latin-1")
            if len(line) < 4 or line[3] != "-":
                return line


def proxy_header(args):
    if args.proxy_v1:
        src = ipaddress.ip_address(args.proxy_v1)
        if src.version == 4:
            return ("PROXY TCP4 %s 127.0.0.1 5555 25\r\n" % src).encode()
        return ("PROXY TCP6 %s ::1 5555 25\r\n" % src).encode()
    if args.proxy_v2:
        src = ipaddress.ip_address(args.proxy_v2)
        if src.version == 4:
            body = src.packed + bytes([127, 0, 0, 1]) + struct.pack("!HH", 5555, 25)
            return V2SIG + bytes([0x21, 0x11]) + struct.pack("!H", len(body)) + body
        body = src.packed + ipaddress.ip_address("::1").packed + struct.pack("!HH", 5555, 25)
        return V2SIG + bytes([0x21, 0x21]) + struct.pack("!H", len(body)) + body
    return b""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source")
    ap.add_argument("--proxy-v1")
    ap.add_argument("--proxy-v2")
    ap.add_argument("--early")
    ap.add_argument("--pipe", action="store_true")
    ap.add_argument("--hold", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("steps", nargs="*")
    args = ap.parse_args()

    if args.hold:
        conns = [Conn(args.host, args.port, args.source, args.timeout)
                 for _ in range(args.hold)]
        for c in conns:
            print(c.reply(), flush=True)
        time.sleep(float(args.steps[0]) if args.steps else 30)
        return 0

    c = Conn(args.host, args.port, args.source, args.timeout)
    hdr = proxy_header(args) + (unescape(args.early) if args.early else b"")
    if hdr:
        c.send(hdr)
    print(c.reply(), flush=True)
    if args.pipe:
        data = b""
        for step in args.steps:
            data += unescape(step[1:]) if step[:1] in "=+" else step.encode() + b"\r\n"
        c.send(data)
        while True:
            try:
                r = c.reply()
            except socket.timeout:
                break
            print(r, flush=True)
            if r == "EOF" or r.startswith("221") or r.startswith("421"):
                break
        return 0
    for step in args.steps:
        if step.startswith("+"):
            c.send(unescape(step[1:]))
            continue
        if step.startswith("!"):
            time.sleep(float(step[1:]))
            continue
        if step.startswith("~"):
            c.s.settimeout(float(step[1:]))
            try:
                print(c.reply(), flush=True)
            except socket.timeout:
                print("TIMEOUT", flush=True)
            continue
        if step.startswith("="):
            c.send(unescape(step[1:]))
        elif step != "?":
            c.send(step.encode() + b"\r\n")
        print(c.reply(), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except OSError as e:
        print("ERROR %s" % e, flush=True)
        sys.exit(1)
