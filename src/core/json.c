/* json.c -- write JSON text to a stdio stream. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/timefmt.h"

void
json_init(struct json *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

/*
 * Per nesting level: 0 nothing written yet, 1 a value written (the next
 * one needs a comma), 2 a key written (its value follows without one).
 */
static void
json_sep(struct json *w)
{
	int *state;

	if (w->depth == 0)
		return;
	state = &w->need_comma[w->depth - 1];
	if (*state == 1)
		fputc(',', w->out);
	*state = 1;
}

static void
json_open(struct json *w, int c)
{
	json_sep(w);
	if (w->depth >= JSON_DEPTH_MAX) {
		w->err = 1;
		return;
	}
	fputc(c, w->out);
	w->need_comma[w->depth++] = 0;
}

static void
json_close(struct json *w, int c)
{
	if (w->depth == 0) {
		w->err = 1;
		return;
	}
	w->depth--;
	fputc(c, w->out);
}

void json_obj_begin(struct json *w) { json_open(w, '{'); }
void json_obj_end(struct json *w) { json_close(w, '}'); }
void json_arr_begin(struct json *w) { json_open(w, '['); }
void json_arr_end(struct json *w) { json_close(w, ']'); }

static void
json_raw_string(struct json *w, const char *s)
{
	const unsigned char *p;

	fputc('"', w->out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", w->out); break;
		case '\\': fputs("\\\\", w->out); break;
		case '\n': fputs("\\n", w->out); break;
		case '\r': fputs("\\r", w->out); break;
		case '\t': fputs("\\t", w->out); break;
		default:
			/* RFC 8259 7: control characters must be escaped. */
			if (*p < 0x20 || *p == 0x7f)
				fprintf(w->out, "\\u%04x", *p);
			else
				fputc(*p, w->out);
		}
	}
	fputc('"', w->out);
}

void
json_key(struct json *w, const char *key)
{
	json_sep(w);
	json_raw_string(w, key);
	fputc(':', w->out);
	/* The value that follows must not write a comma of its own. */
	if (w->depth > 0)
		w->need_comma[w->depth - 1] = 2;
}

void
json_str(struct json *w, const char *s)
{
	json_sep(w);
	if (s == NULL)
		fputs("null", w->out);
	else
		json_raw_string(w, s);
}

void
json_int(struct json *w, int64_t v)
{
	json_sep(w);
	fprintf(w->out, "%" PRId64, v);
}

void
json_bool(struct json *w, int v)
{
	json_sep(w);
	fputs(v ? "true" : "false", w->out);
}

void
json_null_value(struct json *w)
{
	json_sep(w);
	fputs("null", w->out);
}

void json_key_str(struct json *w, const char *k, const char *s) { json_key(w, k); json_str(w, s); }
void json_key_int(struct json *w, const char *k, int64_t v) { json_key(w, k); json_int(w, v); }
void json_key_bool(struct json *w, const char *k, int v) { json_key(w, k); json_bool(w, v); }

void
json_key_time(struct json *w, const char *k, int64_t t)
{
	char buf[TIMESTAMP_STRLEN];

	json_key(w, k);
	if (t <= 0 || t == INT64_MAX || timestamp_format(t, buf, sizeof(buf)) == -1)
		json_null_value(w);
	else
		json_str(w, buf);
}

int
json_finish(struct json *w)
{
	if (w->depth == 0)
		fputc('\n', w->out);
	if (w->err || w->depth != 0 || ferror(w->out))
		return -1;
	return 0;
}

int
json_escape(const char *s, char *buf, size_t size)
{
	size_t off = 0;
	const unsigned char *p;
	char tmp[8];
	const char *rep;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':  rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", *p);
				rep = tmp;
			} else {
				tmp[0] = (char)*p;
				tmp[1] = '\0';
				rep = tmp;
			}
		}
		size_t n = strlen(rep);
		if (size - off <= n)
			return -1;
		memcpy(buf + off, rep, n);
		off += n;
	}
	if (off >= size)
		return -1;
	buf[off] = '\0';
	return 0;
}
