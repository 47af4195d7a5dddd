/* json.h -- write JSON text to a stdio stream (we only ever emit JSON here). */
#ifndef BACKSCATTER_JSON_H
#define BACKSCATTER_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A writer tracks nesting so callers never place commas by hand:
 *	json_obj_begin(&w); json_key_str(&w, "ip", "192.0.2.1");
 *	json_key_int(&w, "hits", 3); json_obj_end(&w);
 * Output is compact: {"ip":"192.0.2.1","hits":3}. Errors are sticky in
 * w->err and checked once at the end with json_finish().
 */
#define JSON_DEPTH_MAX	16

struct json {
	FILE		*out;
	int		 depth;
	int		 need_comma[JSON_DEPTH_MAX];
	int		 err;
};

void	 json_init(struct json *, FILE *out);
void	 json_obj_begin(struct json *);
void	 json_obj_end(struct json *);
void	 json_arr_begin(struct json *);
void	 json_arr_end(struct json *);
/* A key inside an object; the next value call writes its value. */
void	 json_key(struct json *, const char *key);
void	 json_str(struct json *, const char *s);	/* NULL writes null */
void	 json_int(struct json *, int64_t);
void	 json_bool(struct json *, int);
/* Not json_null: libjansson (the sensor API's parser) has that name. */
void	 json_null_value(struct json *);
void	 json_key_str(struct json *, const char *key, const char *s);
void	 json_key_int(struct json *, const char *key, int64_t);
void	 json_key_bool(struct json *, const char *key, int);
/* A time as "YYYY-MM-DDTHH:MM:SSZ", or null for 0 and STORE_NEVER-like max. */
void	 json_key_time(struct json *, const char *key, int64_t t);
/* Writes a newline at depth 0 and returns 0, or -1 after any error. */
int	 json_finish(struct json *);

/* Escapes s into buf as a JSON string body (no quotes). 0 ok, -1 too small. */
int	 json_escape(const char *s, char *buf, size_t size);

#endif
