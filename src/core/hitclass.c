/* hitclass.c -- the kinds of abuse a trap sees, and their names. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/hitclass.h"

static const char *const hitclass_names[HIT_NCLASSES] = {
	"other", "bounce", "autoreply", "callout", "manual",
};

const char *
hitclass_name(enum hit_class c)
{
	if ((unsigned int)c >= HIT_NCLASSES)
		return NULL;
	return hitclass_names[c];
}

int
hitclass_parse(const char *name, enum hit_class *out)
{
	for (unsigned int i = 0; i < HIT_NCLASSES; i++) {
		if (strcasecmp(name, hitclass_names[i]) == 0) {
			*out = (enum hit_class)i;
			return 0;
		}
	}
	return -1;
}

int
hitclass_mask_format(unsigned int mask, char *buf, size_t size)
{
	size_t off = 0, n, sep;

	if (size == 0)
		return -1;
	buf[0] = '\0';
	if (mask == 0)
		return snprintf(buf, size, "none") < (int)size ? 0 : -1;
	for (unsigned int i = 0; i < HIT_NCLASSES; i++) {
		if ((mask & HIT_CLASS_BIT(i)) == 0)
			continue;
		sep = off ? 2 : 0;
		n = strlen(hitclass_names[i]);
		if (sep + n >= size - off) {
			buf[0] = '\0';
			return -1;
		}
		memcpy(buf + off, ", ", sep);
		memcpy(buf + off + sep, hitclass_names[i], n + 1);
		off += sep + n;
	}
	return 0;
}
