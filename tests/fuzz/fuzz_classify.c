/* fuzz_classify.c -- libFuzzer harness for the trap's message classifier. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hitclass.h"
#include "trap/classify.h"
#include "trap/mime_parse.h"

/* An envelope sender is at most 256 octets (RFC 5321 4.5.3.1.3). */
#define FUZZ_SENDER_MAX		256
/* What mime_decode_words gets here: a header value's worth. */
#define FUZZ_WORDS_MAX		1024

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_is_delim(char c)
{
	return c == '\0' || strchr(" \t\r\n<>()[],;:\"@", c) != NULL;
}

/*
 * What any result must be, abort() otherwise so the fuzzer keeps the
 * input: a known class whose name starts the subclass, strings that end
 * inside their arrays, and an excerpt of "Key: value\n" lines with the
 * documented keys, no control byte, only well-formed UTF-8, and no "@"
 * that could still be part of an address (the trap addresses).
 */
static void
fuzz_check(const struct classify_result *r)
{
	static const char *const keys[] = {
		"Subject: ", "Status: ", "Action: ", "Reporting-MTA: ",
		"Diagnostic-Code: ", "Auto-Submitted: ", "X-Mailer: ", "MTA: ",
	};
	const char *name, *line, *nl;
	size_t i, j, k, n;

	if (memchr(r->subclass, '\0', sizeof(r->subclass)) == NULL ||
	    memchr(r->excerpt, '\0', sizeof(r->excerpt)) == NULL ||
	    memchr(r->mta, '\0', sizeof(r->mta)) == NULL)
		abort();
	if (r->class != HIT_OTHER && r->class != HIT_BOUNCE &&
	    r->class != HIT_AUTOREPLY && r->class != HIT_CALLOUT)
		abort();
	name = hitclass_name(r->class);
	n = strlen(name);
	if (strncmp(r->subclass, name, n) != 0 || r->subclass[n] != '/' ||
	    r->subclass[n + 1] == '\0')
		abort();

	n = strlen(r->excerpt);
	if (n > 0 && r->excerpt[n - 1] != '\n')
		abort();
	for (line = r->excerpt; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strncmp(line, keys[k], strlen(keys[k])) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			abort();
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)r->excerpt[i];

		if (c == '\n' || (c >= 0x20 && c < 0x7f))
			continue;
		if (c < 0xc2 || c > 0xf4)
			abort();
		k = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
		if (i + k >= n)
			abort();
		for (j = 1; j <= k; j++)
			if (((unsigned char)r->excerpt[i + j] & 0xc0) != 0x80)
				abort();
		i += k;
	}
	for (i = 0; i < n; i++) {
		if (r->excerpt[i] != '@')
			continue;
		if (i > 0 && !fuzz_is_delim(r->excerpt[i - 1]))
			abort();
		if (!fuzz_is_delim(r->excerpt[i + 1]) &&
		    strncmp(r->excerpt + i + 1, "...\n", 4) != 0)
			abort();
	}
}

/*
 * One classification, checked, and repeated to check that the answer
 * depends on the input alone. The result starts as junk so a field the
 * classifier forgets to set shows.
 */
static void
fuzz_message(const struct classify_config *cfg, const char *from,
    const uint8_t *data, size_t size)
{
	struct classify_result a, b;

	memset(&a, 0x5a, sizeof(a));
	memset(&b, 0xa5, sizeof(b));
	classify_message(cfg, from, (const char *)data, size, &a);
	fuzz_check(&a);
	classify_message(cfg, from, (const char *)data, size, &b);
	if (a.class != b.class || strcmp(a.subclass, b.subclass) != 0 ||
	    strcmp(a.excerpt, b.excerpt) != 0 || strcmp(a.mta, b.mta) != 0)
		abort();
}

/*
 * The first line of the input, as a C string, serves as an envelope
 * sender and as a probe-sender list: both come from the peer or the
 * operator as text.
 */
static void
fuzz_first_line(const uint8_t *data, size_t size)
{
	struct classify_config cfg;
	struct classify_result r;
	char line[FUZZ_SENDER_MAX + 1];
	size_t n = 0, i;

	while (n < size && n < FUZZ_SENDER_MAX && data[n] != '\n')
		n++;
	memcpy(line, data, n);
	line[n] = '\0';

	memset(&r, 0x5a, sizeof(r));
	classify_no_data(NULL, line, &r);
	fuzz_check(&r);
	if (r.class != HIT_CALLOUT && r.class != HIT_OTHER)
		abort();
	if (r.excerpt[0] != '\0')
		abort();

	if (classify_config_parse(&cfg, line) == 0) {
		if (cfg.nsenders == 0 || cfg.nsenders > CLASSIFY_SENDERS_MAX)
			abort();
		for (i = 0; i < cfg.nsenders; i++) {
			if (cfg.senders[i] != cfg.names[i] ||
			    cfg.names[i][0] == '\0' ||
			    strlen(cfg.names[i]) > CLASSIFY_SENDER_MAX ||
			    strpbrk(cfg.names[i],
			    "@ ,\tABCDEFGHIJKLMNOPQRSTUVWXYZ") != NULL)
				abort();
		}
		/* Each configured name is a probe sender. */
		memset(&r, 0x5a, sizeof(r));
		classify_no_data(&cfg, cfg.names[0], &r);
		fuzz_check(&r);
		if (r.class != HIT_CALLOUT)
			abort();
	} else if (cfg.nsenders != 0)
		abort();
	fuzz_message(&cfg, line, data, size);
}

/* The decoder on its own, into a buffer sized to make it cut short. */
static void
fuzz_words(const uint8_t *data, size_t size)
{
	char out[FUZZ_WORDS_MAX / 4];
	size_t n;

	if (size > FUZZ_WORDS_MAX)
		size = FUZZ_WORDS_MAX;
	n = mime_decode_words((const char *)data, size, out, sizeof(out));
	if (n > sizeof(out))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* As a bounce (<>) and as mail from an ordinary sender. */
	fuzz_message(NULL, "", data, size);
	fuzz_message(NULL, "someone@example.net", data, size);
	fuzz_first_line(data, size);
	fuzz_words(data, size);
	return 0;
}
