/* fuzz_web.c -- libFuzzer harness for the web's request parsers and escaping. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "web/web_html.h"
#include "web/web_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Nothing an escape writes may open a tag, an entity or an attribute. */
static void
fuzz_check_escaped(const char *s)
{
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '<' || *p == '>' || *p == '"' || *p == '\'')
			abort();
		if (*p == '&' && strncmp(p, "&amp;", 5) != 0 &&
		    strncmp(p, "&lt;", 4) != 0 && strncmp(p, "&gt;", 4) != 0 &&
		    strncmp(p, "&quot;", 6) != 0 && strncmp(p, "&#39;", 5) != 0)
			abort();
	}
}

/*
 * The input as a request target, as a form body, as an Authorization
 * value and as a cursor; then every accepted field is escaped. A parsed
 * path holds only path bytes and no dot segment; every parsed value is
 * valid UTF-8 without controls; a cursor round-trips. abort() so the
 * fuzzer keeps the input.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *q, *err = NULL;
	char path[WEB_PATH_MAX + 1], tok[WEB_TOKEN_MAX], again[40];
	char esc[WEB_PARAM_VALUE_MAX * 6 + 1];
	struct web_params p;
	struct prefix cur;
	size_t qlen;

	if (web_parse_target(s, size, path, sizeof(path), &q, &qlen,
	    &err) == 0) {
		if (path[0] != '/' || strstr(path, "/../") != NULL ||
		    strchr(path, '%') != NULL || strchr(path, '?') != NULL)
			abort();
		if (qlen > 0 && (q < s || q + qlen > s + size))
			abort();
		if (web_parse_form(q, qlen, &p, &err) == -1 && err == NULL)
			abort();
	} else if (err == NULL)
		abort();
	err = NULL;
	if (web_parse_form(s, size, &p, &err) == 0) {
		if (p.n > WEB_PARAMS_MAX)
			abort();
		for (size_t i = 0; i < p.n; i++) {
			if (!web_text_ok(p.p[i].value, strlen(p.p[i].value)))
				abort();
			if (web_html_escape(p.p[i].value, strlen(p.p[i].value),
			    esc, sizeof(esc)) != 0)
				abort();
			fuzz_check_escaped(esc);
		}
	} else if (err == NULL)
		abort();
	if (web_parse_bearer(s, size, tok, sizeof(tok)) == 0 &&
	    (tok[0] == '\0' || strchr(tok, ' ') != NULL))
		abort();
	if (web_cursor_parse(s, size, &cur) == 0) {
		if (web_cursor_format(&cur, again, sizeof(again)) != 0 ||
		    web_cursor_parse(again, strlen(again), &cur) != 0)
			abort();
	}
	/* Raw bytes escaped in one piece: cut short or clean. */
	if (size < 1024 && web_html_escape(s, size, esc, sizeof(esc)) == 0)
		fuzz_check_escaped(esc);
	return 0;
}
