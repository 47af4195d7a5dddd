#!/usr/bin/env python3
"""webdriver.py -- drive headless Chromium through chromedriver's W3C
WebDriver HTTP API (stdlib only): keyboard-only lookups, a guide page and
an express delisting filed with the form.

Usage: webdriver.py CHROMEDRIVER_PORT BASE_URL LISTED UNLISTED TRAPPED
Prints one "ok ..." line per check, "FAIL ..." otherwise; exit 1 on a
failure. TRAPPED is an address listed from trap hits (express-eligible).
"""
import json
import sys
import time
import urllib.request

PORT, BASE, LISTED, UNLISTED, TRAPPED = sys.argv[1:6]
WD = "http://127.0.0.1:%s" % PORT
KEYS = {"Tab": "\ue004", "Enter": "\ue007"}
failures = 0


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(WD + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"null").get("value")
    except urllib.error.HTTPError as e:
        raise RuntimeError("%s %s: %s" % (method, path, e.read()[:300]))


def check(what, cond, detail=""):
    global failures
    if cond:
        print("ok", what)
    else:
        failures += 1
        print("FAIL", what, detail)


caps = {"capabilities": {"alwaysMatch": {
    "browserName": "chrome",
    "goog:chromeOptions": {
        "binary": "/usr/bin/chromium",
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--no-first-run",
                 "--window-size=1000,900"]}}}}
sid = call("POST", "/session", caps)["sessionId"]
S = "/session/" + sid


def go(url):
    call("POST", S + "/url", {"url": url})


def js(script, *args):
    return call("POST", S + "/execute/sync",
                {"script": script, "args": list(args)})


def keys(*seq):
    """Sends key presses as a real keyboard would, one action chain."""
    actions = []
    for k in seq:
        for ch in KEYS.get(k, k):
            actions.append({"type": "keyDown", "value": ch})
            actions.append({"type": "keyUp", "value": ch})
    call("POST", S + "/actions", {"actions": [
        {"type": "key", "id": "kbd", "actions": actions}]})


def tab_to(elem_id, limit=30):
    """Presses Tab until the element with this id has focus."""
    for _ in range(limit):
        if js("return document.activeElement && "
              "document.activeElement.id") == elem_id:
            return True
        keys("Tab")
    return False


def wait_for(script, limit=10.0):
    end = time.time() + limit
    while time.time() < end:
        v = js(script)
        if v:
            return v
        time.sleep(0.1)
    return js(script)


def h1():
    return js("var h = document.querySelector('h1');"
              "return h ? h.textContent : '';")


try:
    # 1. Lookup of a listed address with the keyboard only.
    go(BASE + "/")
    check("home page title", "Lookup" in js("return document.title"))
    check("tab reaches the address field", tab_to("ip"))
    keys(LISTED, "Enter")
    got = wait_for("return location.pathname == '/lookup' && "
                   "document.querySelector('h1') && "
                   "document.querySelector('h1').textContent")
    check("listed address via keyboard", got == LISTED + " is listed", got)
    check("the stylesheet loaded", js(
        "return getComputedStyle(document.querySelector('h1.listed'))"
        ".color") == "rgb(164, 0, 15)")

    # 2. An unlisted address, again by keyboard from the result page.
    go(BASE + "/")
    check("tab reaches the field again", tab_to("ip"))
    keys(UNLISTED, "Enter")
    got = wait_for("return location.pathname == '/lookup' && "
                   "document.querySelector('h1').textContent")
    check("unlisted address", got == UNLISTED + " is not listed", got)

    # 3. The trap-listed address: evidence, guide link, delisting form.
    go(BASE + "/lookup?ip=" + TRAPPED)
    check("trapped address listed", h1() == TRAPPED + " is listed", h1())
    page = js("return document.documentElement.outerHTML")
    check("no trap local part in the page", "secret-trap" not in page)
    check("hostile subject escaped", "<script>" not in page and
          "&lt;script&gt;" in page)
    guide = js("var a = document.querySelector('a[href^=\"/help/\"]');"
               "return a ? a.getAttribute('href') : null;")
    check("guide link points to the Postfix guide", guide == "/help/postfix",
          guide)
    csrf = js("var i = document.querySelector('input[name=csrf]');"
              "return i ? i.value : null;")
    check("CSRF token present in the form", bool(csrf) and "." in csrf, csrf)

    # 4. The guide page.
    go(BASE + guide)
    check("guide page renders", "Postfix" in h1(), h1())
    check("guide has sections", js(
        "return document.querySelectorAll('article h2').length") >= 3)

    # 5. File the express delisting with the form, keyboard only.
    go(BASE + "/lookup?ip=" + TRAPPED)
    check("tab reaches the reason field", tab_to("reason", 60))
    keys("Fixed our Postfix: reject unknown recipients", "Enter")
    got = wait_for("var p = document.querySelector('[role=status]');"
                   "return p ? p.textContent : '';")
    check("request filed and waiting", "waiting for approval" in (got or ""),
          got)
finally:
    call("DELETE", S)

sys.exit(1 if failures else 0)
