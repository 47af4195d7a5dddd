/* clock.h -- the monotonic clock, for timeouts and intervals. */
#ifndef BACKSCATTER_CLOCK_H
#define BACKSCATTER_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC: never jumps with the wall clock. */
int64_t	 clock_mono_ms(void);

#endif
