/* probe_reply.c -- SMTP reply parsing for the probe client: pure, no I/O. */
#include <string.h>

#include "client/probe_reply.h"

/* Appends one line's text to the kept text, cut at the end. */
static void
probe_reply_keep(struct probe_reply *r, const char *s, size_t n)
{
	size_t have = strlen(r->text);
	size_t room = sizeof(r->text) - 1 - have;

	if (have > 0 && n > 0) {
		if (room < 3)
			return;
		memcpy(r->text + have, " / ", 3);
		have += 3;
		room -= 3;
	}
	if (n > room)
		n = room;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		r->text[have++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	r->text[have] = '\0';
}

int
probe_reply_parse(const char *buf, size_t len, struct probe_reply *out,
    size_t *used, const char **err)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	*err = NULL;
	for (;;) {
		const char *line = buf + off;
		size_t avail = len - off, scan, n;
		const char *lf;
		int code, last;

		scan = avail < PROBE_REPLY_LINE_MAX ? avail :
		    PROBE_REPLY_LINE_MAX;
		if ((lf = memchr(line, '\n', scan)) == NULL) {
			if (avail >= PROBE_REPLY_LINE_MAX) {
				*err = "reply line too long";
				return -1;
			}
			/* Check what is there already: fail early. */
			if (memchr(line, '\0', avail) != NULL) {
				*err = "NUL in reply";
				return -1;
			}
			return 0;
		}
		n = (size_t)(lf - line);
		/* RFC 5321 2.3.8: lines end in CRLF, nothing else. */
		if (n == 0 || line[n - 1] != '\r') {
			*err = "bare LF in reply";
			return -1;
		}
		n--;
		if (memchr(line, '\r', n) != NULL) {
			*err = "bare CR in reply";
			return -1;
		}
		if (memchr(line, '\0', n) != NULL) {
			*err = "NUL in reply";
			return -1;
		}
		if (n < 3) {
			*err = "short reply line";
			return -1;
		}
		/* RFC 5321 4.2.1: 2yz..5yz; 4.2.2: x0z..x5z. */
		if (line[0] < '2' || line[0] > '5' || line[1] < '0' ||
		    line[1] > '5' || line[2] < '0' || line[2] > '9') {
			*err = "bad reply code";
			return -1;
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (out->nlines > 0 && code != out->code) {
			*err = "reply code changes between lines";
			return -1;
		}
		if (n == 3 || line[3] == ' ')
			last = 1;
		else if (line[3] == '-')
			last = 0;
		else {
			*err = "bad reply separator";
			return -1;
		}
		if (++out->nlines > PROBE_REPLY_LINES_MAX) {
			*err = "too many reply lines";
			return -1;
		}
		out->code = code;
		if (n > 4)
			probe_reply_keep(out, line + 4, n - 4);
		off += (size_t)(lf - line) + 1;
		if (last) {
			*used = off;
			return 1;
		}
	}
}
