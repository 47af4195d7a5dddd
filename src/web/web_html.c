/* web_html.c -- HTML escaping and the page layout every page shares. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "web/web_html.h"
#include "web/web_parse.h"

/*
 * Colours meet WCAG 2.1 AA contrast (4.5:1 for text) on their
 * backgrounds; focus is always visible (2.4.7); the layout is one
 * column that widens, with no fixed widths, so it reflows on a phone.
 */
const char web_css[] =
    ":root{--fg:#1b1b1b;--bg:#fff;--muted:#4a4a4a;--link:#0b57d0;"
    "--bad:#a4000f;--good:#0b6b2f;--box:#f3f4f6;--line:#c9ccd1}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',"
    "Roboto,sans-serif;color:var(--fg);background:var(--bg)}\n"
    "a{color:var(--link)}\n"
    "a:focus,button:focus,input:focus,textarea:focus,summary:focus"
    "{outline:3px solid #f5a300;outline-offset:2px}\n"
    ".skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;"
    "background:var(--bg);padding:.5rem}\n"
    "header{border-bottom:1px solid var(--line);padding:.75rem 1rem}\n"
    "header nav a{margin-right:1rem}\n"
    "header nav a[aria-current]{font-weight:700;text-decoration:none;"
    "color:var(--fg)}\n"
    ".site{font-weight:700;margin-right:1.5rem;color:var(--fg);"
    "text-decoration:none}\n"
    "main{max-width:60rem;margin:0 auto;padding:1rem}\n"
    "footer{max-width:60rem;margin:2rem auto;padding:1rem;color:var(--muted);"
    "border-top:1px solid var(--line);font-size:.9rem}\n"
    "h1{font-size:1.7rem;line-height:1.2}\n"
    ".listed{color:var(--bad)}.clean{color:var(--good)}\n"
    ".box{background:var(--box);border-radius:.4rem;padding:1rem;"
    "margin:1rem 0}\n"
    "form.lookup{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}\n"
    "label{display:block;font-weight:600}\n"
    "input[type=text],input[type=email]{font:inherit;padding:.45rem;"
    "border:1px solid #6b6f76;border-radius:.3rem;min-width:16rem;"
    "max-width:100%}\n"
    "button{font:inherit;padding:.45rem 1rem;border:0;border-radius:.3rem;"
    "background:#0b57d0;color:#fff;cursor:pointer}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;"
    "gap:.25rem 1rem}dl.facts dt{font-weight:600}dl.facts dd{margin:0}\n"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0}\n"
    "th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;"
    "text-align:left;vertical-align:top}\n"
    ".scroll{overflow-x:auto}\n"
    "code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;"
    "font-size:.92em}\n"
    "pre{background:var(--box);padding:.75rem;overflow-x:auto}\n"
    ".err{border-left:4px solid var(--bad);padding-left:.75rem}\n"
    "svg{max-width:100%;height:auto}\n"
    "svg .axis{stroke:#6b6f76}svg .grid{stroke:#e1e3e6}\n"
    "svg text{font:12px system-ui,sans-serif;fill:#1b1b1b}\n"
    "svg .c0{fill:#6b6f76;stroke:#6b6f76}svg .c1{fill:#b3261e;"
    "stroke:#b3261e}svg .c2{fill:#0b57d0;stroke:#0b57d0}"
    "svg .c3{fill:#7a4b00;stroke:#7a4b00}svg .c4{fill:#4a4a4a;"
    "stroke:#4a4a4a}\n"
    "svg polyline[class]{fill:none;stroke-width:2}\n"
    ".legend span{display:inline-block;margin-right:1rem}\n"
    ".sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem}\n"
    "@media (max-width:40rem){dl.facts{grid-template-columns:1fr}"
    "dl.facts dd{margin-bottom:.5rem}}\n";

/* The length of a valid UTF-8 sequence at p, or 0 (see web_text_ok). */
static size_t
web_utf8_len(const unsigned char *p, size_t avail)
{
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	/* web_text_ok checks the code point; control bytes are ASCII. */
	return web_text_ok((const char *)p, n) ? n : 0;
}

int
web_html_escape(const char *s, size_t len, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, n;
	const char *rep;
	char one[5];

	if (size == 0)
		return -1;
	while (i < len) {
		rep = NULL;
		n = 1;
		switch (p[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '\t': rep = "\t"; break;
		case '\n': rep = "\n"; break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f ||
			    (n = web_utf8_len(p + i, len - i)) == 0) {
				rep = "\xef\xbf\xbd";	/* U+FFFD */
				n = 1;
			} else {
				memcpy(one, p + i, n);
				one[n] = '\0';
				rep = one;
			}
		}
		if (strlen(rep) >= size - o) {
			buf[o] = '\0';
			return -1;
		}
		memcpy(buf + o, rep, strlen(rep));
		o += strlen(rep);
		i += n;
	}
	buf[o] = '\0';
	return 0;
}

void
web_html_put(FILE *f, const char *s)
{
	char buf[256];
	size_t len, chunk;

	if (s == NULL)
		return;
	len = strlen(s);
	/*
	 * In chunks that end on a character boundary: an escape is at most
	 * 6 times its input, and a UTF-8 sequence is never split.
	 */
	while (len > 0) {
		chunk = len < 40 ? len : 40;
		while (chunk < len && chunk > 0 &&
		    ((unsigned char)s[chunk] & 0xc0) == 0x80)
			chunk--;
		if (chunk == 0)
			chunk = len < 40 ? len : 40;
		(void)web_html_escape(s, chunk, buf, sizeof(buf));
		fputs(buf, f);
		s += chunk;
		len -= chunk;
	}
}

void
web_html_putf(FILE *f, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	web_html_put(f, buf);
}

void
web_url_put(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			fputc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
}

static const struct {
	const char	*id;
	const char	*href;
	const char	*label;
} web_nav[] = {
	{ "lookup", "/", "Lookup" },
	{ "help", "/help", "Fix guides" },
	{ "stats", "/stats", "Statistics" },
	{ "api", "/api/v1/openapi.json", "API" },
};

void
web_html_begin(FILE *f, const char *title, const char *nav)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width,"
	    "initial-scale=1\"><title>", f);
	web_html_put(f, title);
	fputs(" - backscatter</title><link rel=\"stylesheet\" "
	    "href=\"/style.css\"></head>\n<body><a class=\"skip\" "
	    "href=\"#main\">Skip to content</a>\n<header><a class=\"site\" "
	    "href=\"/\">backscatter</a><nav aria-label=\"Main\">", f);
	for (size_t i = 0; i < sizeof(web_nav) / sizeof(web_nav[0]); i++)
		fprintf(f, "<a href=\"%s\"%s>%s</a>", web_nav[i].href,
		    nav != NULL && strcmp(nav, web_nav[i].id) == 0 ?
		    " aria-current=\"page\"" : "", web_nav[i].label);
	fputs("</nav></header>\n<main id=\"main\">\n", f);
}

void
web_html_end(FILE *f)
{
	fputs("</main>\n<footer>This list names mail servers that send "
	    "bounces, auto-replies or sender callouts to forged senders "
	    "(backscatter). Listings expire on their own 28 days after the "
	    "last one. <a href=\"/help\">How to fix your server</a>."
	    "</footer>\n</body></html>\n", f);
}

const char *
web_time_minute(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == INT64_MAX)
		snprintf(buf, size, "never");
	else if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, size, "-");
	return buf;
}

const char *
web_duration_words(int64_t secs, char *buf, size_t size)
{
	int64_t d = secs / 86400, h = secs % 86400 / 3600,
	    m = secs % 3600 / 60;

	if (secs < 60)
		snprintf(buf, size, "less than a minute");
	else if (d > 0)
		snprintf(buf, size, "%lld day%s %lld hour%s", (long long)d,
		    d == 1 ? "" : "s", (long long)h, h == 1 ? "" : "s");
	else if (h > 0)
		snprintf(buf, size, "%lld hour%s %lld minute%s", (long long)h,
		    h == 1 ? "" : "s", (long long)m, m == 1 ? "" : "s");
	else
		snprintf(buf, size, "%lld minute%s", (long long)m,
		    m == 1 ? "" : "s");
	return buf;
}
