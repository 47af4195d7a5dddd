#!/usr/bin/env python3
# sessions.py -- drives N trap sessions against one sensor, each from its
# own 127/8 source address, each delivering a bounce; prints one line per
# delivery attempt: "HELO CODE" where CODE is the reply to the final "."
# (250: the sensor committed the hit before answering), or "HELO ERR"
# when the connection failed (the sensor was down or killed). A failed
# session is tried again under a new HELO, so every HELO is one attempt.
#
# Usage: sessions.py HOST PORT NAME COUNT NET OUT [DELAY]
#   NAME  the HELO prefix; NET  the second octet of the sources (127.NET.x.y)
import socket
import sys
import time

host, port, name, count, net, out = sys.argv[1:7]
port, count, net = int(port), int(count), int(net)
delay = float(sys.argv[7]) if len(sys.argv) > 7 else 0.0
deadline = time.time() + 200

MSG = (
    "From: MAILER-DAEMON@mx.example.net\r\n"
    "To: trap@trap.test\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Auto-Submitted: auto-replied\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "  boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Your message could not be delivered.\r\n"
    "--b1\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.example.net\r\n"
    "\r\n"
    "Final-Recipient: rfc822; nobody@example.net\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "--b1--\r\n"
    ".\r\n"
)


def reply(f):
    while True:
        line = f.readline()
        if not line:
            raise OSError("EOF")
        if len(line) < 4 or line[3:4] != b"-":
            return line[:3].decode("latin-1")


def session(src, helo):
    s = socket.create_connection((host, port), timeout=20,
                                 source_address=(src, 0))
    try:
        f = s.makefile("rb")
        if reply(f) != "220":
            raise OSError("greeting")
        for cmd, want in (("EHLO " + helo, "250"), ("MAIL FROM:<>", "250"),
                          ("RCPT TO:<trap@trap.test>", "250"),
                          ("DATA", "354")):
            s.sendall((cmd + "\r\n").encode())
            got = reply(f)
            if got != want:
                return got
        s.sendall(MSG.encode())
        code = reply(f)
        try:
            s.sendall(b"QUIT\r\n")
            reply(f)
        except OSError:
            pass
        return code
    finally:
        s.close()


with open(out, "w", buffering=1) as o:
    for n in range(count):
        src = "127.%d.%d.%d" % (net, n // 250, n % 250 + 1)
        attempt = 0
        while True:
            helo = "%s-%d-%d.test" % (name, n, attempt)
            try:
                code = session(src, helo)
            except OSError:
                code = "ERR"
            o.write("%s %s\n" % (helo, code))
            if code == "250":
                break
            if time.time() > deadline:
                sys.exit(1)
            attempt += 1
            time.sleep(0.2)
        if delay:
            time.sleep(delay)
sys.exit(0)
