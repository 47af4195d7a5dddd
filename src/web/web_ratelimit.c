/* web_ratelimit.c -- per-client token buckets in a fixed-size table. */
#include <stdlib.h>
#include <string.h>

#include "web/web_ratelimit.h"

/* Slots probed for a client; keeps a lookup O(1) when the table fills. */
#define WEB_RL_PROBES	8

struct web_rl_slot {
	uint8_t		 key[16];
	int		 used;
	int64_t		 seen_ms;	/* last refill */
	int64_t		 milli;		/* tokens, in thousandths */
};

struct web_ratelimit {
	struct web_rl_slot	*slots;
	size_t			 nslots;
	int64_t			 burst_milli;
	int64_t			 period_ms;
};

struct web_ratelimit *
web_ratelimit_new(size_t slots, unsigned int burst, int64_t period_ms)
{
	struct web_ratelimit *rl;

	if (slots == 0 || burst == 0 || period_ms <= 0)
		return NULL;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	if ((rl->slots = calloc(slots, sizeof(*rl->slots))) == NULL) {
		free(rl);
		return NULL;
	}
	rl->nslots = slots;
	rl->burst_milli = (int64_t)burst * 1000;
	rl->period_ms = period_ms;
	return rl;
}

void
web_ratelimit_free(struct web_ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->slots);
	free(rl);
}

/* FNV-1a over the key: spread, not secrecy (the table is bounded). */
static size_t
web_rl_hash(const uint8_t key[16])
{
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < 16; i++) {
		h ^= key[i];
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

int
web_ratelimit_take(struct web_ratelimit *rl, const struct addr *client,
    int64_t now_ms, int64_t *retry_ms)
{
	struct web_rl_slot *slot = NULL, *oldest = NULL, *s;
	struct addr key = *client;
	size_t h;
	int64_t earned;

	/* IPv4: the address; IPv6: its /64. */
	if (!addr_is_v4(&key))
		addr_mask(&key, 64);
	h = web_rl_hash(key.b);
	for (size_t i = 0; i < WEB_RL_PROBES && i < rl->nslots; i++) {
		s = &rl->slots[(h + i) % rl->nslots];
		if (s->used && memcmp(s->key, key.b, 16) == 0) {
			slot = s;
			break;
		}
		if (!s->used) {
			if (oldest == NULL || oldest->used)
				oldest = s;
		} else if (oldest == NULL ||
		    (oldest->used && s->seen_ms < oldest->seen_ms))
			oldest = s;
	}
	if (slot == NULL) {
		slot = oldest;
		// NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): nslots >= 1 (web_ratelimit_new), so the loop set oldest
		memcpy(slot->key, key.b, 16);
		slot->used = 1;
		slot->seen_ms = now_ms;
		slot->milli = rl->burst_milli;
	}
	if (now_ms > slot->seen_ms) {
		/* burst tokens per period; no overflow for sane periods. */
		int64_t dt = now_ms - slot->seen_ms;

		if (dt > rl->period_ms)
			dt = rl->period_ms;
		earned = dt * rl->burst_milli / rl->period_ms;
		slot->milli += earned;
		/*
		 * Advance the clock only by the time the tokens paid for,
		 * or a client polling faster than one milli-token per call
		 * would never earn anything back.
		 */
		if (slot->milli >= rl->burst_milli) {
			slot->milli = rl->burst_milli;
			slot->seen_ms = now_ms;
		} else
			slot->seen_ms += earned * rl->period_ms /
			    rl->burst_milli;
	}
	if (slot->milli >= 1000) {
		slot->milli -= 1000;
		if (retry_ms != NULL)
			*retry_ms = 0;
		return 1;
	}
	if (retry_ms != NULL)
		*retry_ms = (1000 - slot->milli) * rl->period_ms /
		    rl->burst_milli + 1;
	return 0;
}
