/* web_hits_parse.c -- parse and check a sensor's POST /api/v1/hits body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/addr.h"
#include "core/hitclass.h"
#include "web/web_hits_parse.h"

/* One optional text field: absent or null gives NULL. 0 / -1. */
static int
web_hits_text(json_t *o, const char *key, size_t max, const char **out,
    size_t i, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	size_t len;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "hits[%zu].%s: not a string", i, key);
		return -1;
	}
	len = json_string_length(v);
	/* "\u0000" decodes to a NUL, which C strings would cut at. */
	if (len > max || strlen(json_string_value(v)) != len) {
		snprintf(err, errlen, "hits[%zu].%s: longer than %zu bytes "
		    "or holds a NUL", i, key, max);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static int
web_hits_one(json_t *o, size_t i, int64_t now, struct store_hit *h,
    char *err, size_t errlen)
{
	json_t *v;
	const char *s;
	json_int_t t;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "hits[%zu]: not an object", i);
		return -1;
	}
	v = json_object_get(o, "uid");
	if (!json_is_string(v) || !store_uid_valid(json_string_value(v))) {
		snprintf(err, errlen, "hits[%zu].uid: not %d lower-case hex "
		    "digits", i, STORE_UID_LEN);
		return -1;
	}
	h->uid = json_string_value(v);
	v = json_object_get(o, "t");
	if (!json_is_integer(v) || (t = json_integer_value(v)) <= 0 ||
	    t > now + WEB_HITS_SKEW_MAX) {
		snprintf(err, errlen, "hits[%zu].t: not a time in seconds "
		    "since the epoch, at most %d s ahead", i,
		    WEB_HITS_SKEW_MAX);
		return -1;
	}
	h->t = (int64_t)t;
	v = json_object_get(o, "addr");
	if (!json_is_string(v) || (s = json_string_value(v),
	    addr_parse(s, json_string_length(v), &h->addr) == -1)) {
		snprintf(err, errlen, "hits[%zu].addr: not an address", i);
		return -1;
	}
	v = json_object_get(o, "class");
	if (!json_is_string(v) || hitclass_parse(json_string_value(v),
	    &h->class) == -1 || h->class == HIT_MANUAL) {
		snprintf(err, errlen, "hits[%zu].class: not bounce, autoreply, "
		    "callout or other", i);
		return -1;
	}
	if (web_hits_text(o, "subclass", WEB_HITS_SUBCLASS_MAX, &h->subclass,
	    i, err, errlen) == -1 ||
	    web_hits_text(o, "helo", WEB_HITS_TEXT_MAX, &h->helo, i, err,
	    errlen) == -1 ||
	    web_hits_text(o, "mail_from", WEB_HITS_TEXT_MAX, &h->mail_from, i,
	    err, errlen) == -1 ||
	    web_hits_text(o, "rcpt", WEB_HITS_TEXT_MAX, &h->rcpt, i, err,
	    errlen) == -1 ||
	    web_hits_text(o, "excerpt", WEB_HITS_EXCERPT_MAX, &h->excerpt, i,
	    err, errlen) == -1)
		return -1;
	return 0;
}

int
web_hits_parse(const char *body, size_t len, int64_t now,
    struct web_hits *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc, *arr;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (len > WEB_HITS_BODY_MAX) {
		snprintf(err, errlen, "body larger than %d bytes",
		    WEB_HITS_BODY_MAX);
		return -1;
	}
	/* Strict RFC 8259 text: a duplicate key is an error, not a choice. */
	if ((doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		snprintf(err, errlen, "not JSON: %s at offset %d", jerr.text,
		    jerr.position);
		return -1;
	}
	out->doc = doc;
	arr = json_object_get(doc, "hits");
	if (!json_is_object(doc) || !json_is_array(arr)) {
		snprintf(err, errlen, "expected an object with a \"hits\" "
		    "array");
		goto fail;
	}
	n = json_array_size(arr);
	if (n == 0 || n > WEB_HITS_MAX) {
		snprintf(err, errlen, "\"hits\" must hold 1 to %d hits",
		    WEB_HITS_MAX);
		goto fail;
	}
	if ((out->hits = calloc(n, sizeof(*out->hits))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		if (web_hits_one(json_array_get(arr, i), i, now,
		    &out->hits[i], err, errlen) == -1)
			goto fail;
	out->n = n;
	return 0;
fail:
	web_hits_free(out);
	return -1;
}

void
web_hits_free(struct web_hits *h)
{
	if (h == NULL)
		return;
	free(h->hits);
	if (h->doc != NULL)
		json_decref(h->doc);
	memset(h, 0, sizeof(*h));
}
