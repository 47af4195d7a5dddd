/* store_config.c -- the store's settings as the configuration gives them. */
#include <string.h>

#include "core/config.h"
#include "store/store.h"

void
store_config_from(struct store_config *sc, const struct config *cfg,
    const char *path)
{
	memset(sc, 0, sizeof(*sc));
	sc->path = path;
	sc->busy_timeout_ms = cfg->store.busy_timeout;
	sc->sync_full = cfg->store.sync_full;
	sc->ttl = cfg->listing.ttl;
	sc->min_hits = cfg->listing.min_hits;
	sc->window = cfg->listing.window;
	sc->allow_special = cfg->listing.allow_special;
}
