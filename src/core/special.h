/* special.h -- special-purpose address ranges (RFC 6890 and the IANA registries). */
#ifndef BACKSCATTER_SPECIAL_H
#define BACKSCATTER_SPECIAL_H

#include <stddef.h>

#include "core/addr.h"

/*
 * Every special-purpose range belongs to one named class; a class is one
 * bit in a mask. Hits from these ranges are never listed, except for the
 * classes an operator (or a test setup on loopback) allows by name.
 */
#define SPECIAL_THIS_NETWORK	0x0001u	/* 0.0.0.0/8, ::/128 */
#define SPECIAL_PRIVATE		0x0002u	/* RFC 1918 */
#define SPECIAL_SHARED		0x0004u	/* 100.64.0.0/10, RFC 6598 */
#define SPECIAL_LOOPBACK	0x0008u	/* 127.0.0.0/8, ::1/128 */
#define SPECIAL_LINK_LOCAL	0x0010u	/* 169.254.0.0/16, fe80::/10 */
#define SPECIAL_IETF		0x0020u	/* 192.0.0.0/24, 2001::/23 ... */
#define SPECIAL_DOCUMENTATION	0x0040u	/* TEST-NETs, 2001:db8::/32, 3fff::/20 */
#define SPECIAL_BENCHMARKING	0x0080u	/* 198.18.0.0/15, 2001:2::/48 */
#define SPECIAL_MULTICAST	0x0100u	/* 224.0.0.0/4, ff00::/8 */
#define SPECIAL_RESERVED	0x0200u	/* 240.0.0.0/4, 255.255.255.255 */
#define SPECIAL_UNIQUE_LOCAL	0x0400u	/* fc00::/7 */
#define SPECIAL_DISCARD		0x0800u	/* 100::/64 */
#define SPECIAL_TRANSITION	0x1000u	/* 192.88.99.0/24, 2002::/16, 64:ff9b:1::/48 */
#define SPECIAL_ALL		0x1fffu

/*
 * If a lies in a special-purpose range whose class is not in allowed,
 * returns that class's name ("loopback", "private", ...) and sets *range
 * (may be NULL) to the range's text form; else returns NULL.
 */
const char	*special_match(const struct addr *a, unsigned int allowed,
		    const char **range);

/*
 * Parses a list of class names separated by commas and/or spaces into a
 * mask; "none" or "" is 0, "all" is SPECIAL_ALL. 0 ok, -1 with a message
 * naming the unknown class in err.
 */
int		 special_mask_parse(const char *list, unsigned int *mask,
		    char *err, size_t errlen);

/* The name of one class bit, or NULL. */
const char	*special_class_name(unsigned int bit);

#endif
