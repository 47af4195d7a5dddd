/* hitclass.h -- the kinds of abuse a trap sees, and their names. */
#ifndef BACKSCATTER_HITCLASS_H
#define BACKSCATTER_HITCLASS_H

#include <stddef.h>

/*
 * The values are stored in the database: append, never renumber.
 * OTHER (plain spam to a trap) is recorded as evidence but never listed;
 * MANUAL marks listings an operator made.
 */
enum hit_class {
	HIT_OTHER = 0,
	HIT_BOUNCE = 1,
	HIT_AUTOREPLY = 2,
	HIT_CALLOUT = 3,
	HIT_MANUAL = 4,
};
#define HIT_NCLASSES	5

/* One bit per class in a listing's "classes seen" mask. */
#define HIT_CLASS_BIT(c)	(1u << (unsigned int)(c))

/* "other", "bounce", "autoreply", "callout", "manual"; NULL if out of range. */
const char	*hitclass_name(enum hit_class);

/* 0 and *out set, or -1 for an unknown name. Case-insensitive. */
int		 hitclass_parse(const char *name, enum hit_class *out);

/*
 * Writes the names of the bits in mask, joined by ", " ("bounce, callout");
 * "none" for 0. 0 ok, -1 if size is too small.
 */
int		 hitclass_mask_format(unsigned int mask, char *buf, size_t size);

#endif
