/* fuzz_hits.c -- libFuzzer harness for a sensor's POST /api/v1/hits body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "trap/sensor_forward.h"
#include "web/web_hits_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_NOW	1800000000

static void
fuzz_text(const char *s, size_t max)
{
	if (s != NULL && strlen(s) > max)
		abort();
}

/*
 * The input as a body: what the parser accepts must keep every promise
 * of web_hits_parse.h (counts, uids, classes, times, text caps); what
 * it refuses must say why. Then the input as sensor text: the UTF-8
 * cleaner's output must be UTF-8 that jansson takes. abort() so the
 * fuzzer keeps the input.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_hits h;
	char err[256], *in, *out;
	json_t *v;
	int n;

	err[0] = '\0';
	if (web_hits_parse((const char *)data, size, FUZZ_NOW, &h, err,
	    sizeof(err)) == 0) {
		if (h.n == 0 || h.n > WEB_HITS_MAX)
			abort();
		for (size_t i = 0; i < h.n; i++) {
			const struct store_hit *x = &h.hits[i];

			if (!store_uid_valid(x->uid) || x->t <= 0 ||
			    x->t > FUZZ_NOW + WEB_HITS_SKEW_MAX ||
			    x->class == HIT_MANUAL || x->sensor != NULL)
				abort();
			fuzz_text(x->subclass, WEB_HITS_SUBCLASS_MAX);
			fuzz_text(x->helo, WEB_HITS_TEXT_MAX);
			fuzz_text(x->mail_from, WEB_HITS_TEXT_MAX);
			fuzz_text(x->rcpt, WEB_HITS_TEXT_MAX);
			fuzz_text(x->excerpt, WEB_HITS_EXCERPT_MAX);
		}
		web_hits_free(&h);
	} else if (err[0] == '\0')
		abort();

	if ((in = malloc(size + 1)) == NULL ||
	    (out = malloc(size * 3 + 1)) == NULL) {
		free(in);
		return 0;
	}
	memcpy(in, data, size);
	in[size] = '\0';
	if ((n = sensor_forward_utf8(in, out, size * 3 + 1)) < 0 ||
	    (size_t)n != strlen(out))
		abort();
	if ((v = json_stringn(out, (size_t)n)) == NULL)
		abort();
	json_decref(v);
	free(out);
	free(in);
	return 0;
}
