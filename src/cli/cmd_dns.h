/* cmd_dns.h -- `backscatter dns`, and its settings for `serve`. */
#ifndef BACKSCATTER_CMD_DNS_H
#define BACKSCATTER_CMD_DNS_H

#include "dns/dns_server.h"

struct cli;

/*
 * Fills the DNS server's settings from [dns], [web] and [store]: listen
 * addresses unless sc already has some (from --listen), the zone (named
 * by zone), threads, timers and the store. 0, or -1 after a message.
 */
int	cli_dns_server_config(struct cli *, struct dns_server_config *sc,
	    const char *zone);

#endif
