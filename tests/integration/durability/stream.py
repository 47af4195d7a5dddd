#!/usr/bin/env python3
# stream.py -- a pool of SMTP clients that sends a sustained stream of
# trap sessions, each from its own source address 127.16.0.0 + index, so
# that every acknowledged hit is a distinct listing. Three of four
# sessions send a DSN bounce from <> (listed as bounce/dsn), the fourth
# is a callout (RCPT, then QUIT: the trap commits the hit before its
# 221). Standard library only.
#
# Usage: stream.py PORT FIRST COUNT THREADS LOG
#   Sessions FIRST .. FIRST+COUNT-1. Each outcome is appended to LOG as
#   one line, flushed at once: "250 ADDR" (bounce acknowledged after
#   DATA), "221 ADDR" (callout completed), "451 ADDR", "ERR ADDR why".
#   A thread stops after 20 connection failures in a row (the server
#   was killed). Prints "acked N tempfail N errors N" at the end.
import socket
import sys
import threading

DSN = ("From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
       "To: victim@trap.test\r\n"
       "Subject: Undelivered Mail Returned to Sender\r\n"
       "MIME-Version: 1.0\r\n"
       "Content-Type: multipart/report; report-type=delivery-status;"
       " boundary=\"b1\"\r\n"
       "\r\n"
       "--b1\r\n"
       "Content-Type: text/plain\r\n"
       "\r\n"
       "This is the mail system at host mx.example.net. (marker %s)\r\n"
       "--b1\r\n"
       "Content-Type: message/delivery-status\r\n"
       "\r\n"
       "Reporting-MTA: dns; mx.example.net\r\n"
       "\r\n"
       "Final-Recipient: rfc822; nobody@example.net\r\n"
       "Action: failed\r\n"
       "Status: 5.1.1\r\n"
       "--b1--\r\n"
       ".\r\n")


def addr(i):
    i += 16 << 16
    return "127.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)


class Session:
    def __init__(self, port, src):
        self.s = socket.socket()
        self.s.settimeout(30)
        self.s.bind((src, 0))
        self.s.connect(("127.0.0.1", port))
        self.buf = b""

    def reply(self):
        while True:
            while b"\n" not in self.buf:
                chunk = self.s.recv(4096)
                if not chunk:
                    raise ConnectionError("EOF")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            if len(line) < 4 or line[3:4] != b"-":
                return line.decode("latin-1").strip()

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.reply()


def one(port, i):
    src = addr(i)
    s = Session(port, src)
    try:
        r = s.reply()
        if not r.startswith("220"):
            return "ERR %s greeting %s" % (src, r)
        s.cmd("EHLO mx%d.example.net" % i)
        s.cmd("MAIL FROM:<>")
        r = s.cmd("RCPT TO:<v%d@trap.test>" % i)
        if not r.startswith("250"):
            return "ERR %s rcpt %s" % (src, r)
        if i % 4 == 3:
            r = s.cmd("QUIT")
            return ("221 %s" % src) if r.startswith("221") else \
                "ERR %s quit %s" % (src, r)
        r = s.cmd("DATA")
        if not r.startswith("354"):
            return "ERR %s data %s" % (src, r)
        s.s.sendall((DSN % src).encode())
        r = s.reply()
        try:
            s.cmd("QUIT")
        except OSError:
            pass
        if r.startswith("250"):
            return "250 %s" % src
        if r.startswith("451 4.3.0"):
            return "451 %s" % src
        return "ERR %s dot %s" % (src, r)
    finally:
        s.s.close()


def main():
    port, first, count, nthreads = (int(a) for a in sys.argv[1:5])
    log = open(sys.argv[5], "a", buffering=1)
    lock = threading.Lock()
    nxt = [first]
    stats = {"250": 0, "221": 0, "451": 0, "ERR": 0}

    def worker():
        fails = 0
        while fails < 20:
            with lock:
                i = nxt[0]
                if i >= first + count:
                    return
                nxt[0] += 1
            try:
                out = one(port, i)
                fails = 0
            except OSError as e:
                out = "ERR %s %s" % (addr(i), e.__class__.__name__)
                fails += 1
            with lock:
                log.write(out + "\n")
                stats[out.split()[0]] += 1

    ts = [threading.Thread(target=worker) for _ in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("acked %d tempfail %d errors %d" % (stats["250"] + stats["221"],
          stats["451"], stats["ERR"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
