/* dns_server.h -- `backscatter dns`: sockets, worker threads and the zone updater. */
#ifndef BACKSCATTER_DNS_SERVER_H
#define BACKSCATTER_DNS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/dns_answer.h"
#include "dns/dns_rrl.h"
#include "dns/dns_xfr.h"
#include "store/store.h"

#define DNS_LISTEN_MAX		16
#define DNS_THREADS_MAX		64
/* Refused client prefixes: a short list, tried one by one per query. */
#define DNS_REFUSE_MAX		64

struct dns_server_config {
	struct sockaddr_storage	 listen[DNS_LISTEN_MAX];
	socklen_t		 listen_len[DNS_LISTEN_MAX];
	size_t			 nlisten;
	int			 threads;	/* UDP workers; 0: one per CPU */
	int64_t			 poll_ms;	/* journal poll interval */
	int64_t			 tcp_idle_ms;	/* RFC 7766 6.2.3 */
	int			 tcp_max;	/* concurrent TCP connections */
	int			 tcp_max_per_ip; /* of them from one address */
	struct dns_rrl_config	 rrl;		/* UDP; rate 0: off */
	/* Clients answered DNS_REFUSED_ANSWER (dns.refuse). */
	struct prefix		 refuse[DNS_REFUSE_MAX];
	size_t			 nrefuse;
	struct dns_zone		 zone;
	struct store_config	 store;
	/* Zone transfers and NOTIFY (dns_xfr.h): off with no acl, no notify. */
	struct dns_xfr_config	 xfr;
	/*
	 * Called once the listeners are bound and the zone is loaded,
	 * before the first thread starts (to drop privileges); -1 stops
	 * the start with err filled in. NULL: none.
	 */
	int			(*ready)(void *arg, char *err, size_t errlen);
	void			*ready_arg;
};

struct dns_server;

/*
 * Binds every listener (UDP and TCP on each address), loads the zone from
 * the store and starts the threads that answer (UDP workers, TCP) and
 * follow the store's journal every poll_ms. Returns the running server,
 * or NULL with the reason in err (nothing is left running). cfg must
 * outlive the server.
 */
struct dns_server *dns_server_start(const struct dns_server_config *,
	    char *err, size_t errlen);

/*
 * Tells the server to stop; returns at once. Safe from any thread and
 * from a signal handler. NULL is a no-op.
 */
void	 dns_server_stop(struct dns_server *);

/* Waits until a stopped server's threads end, then frees it. */
void	 dns_server_wait(struct dns_server *);

/*
 * `backscatter dns`: starts the server and answers until SIGTERM or
 * SIGINT. Returns 0 after a clean shutdown, -1 with the reason in err
 * when start-up fails.
 */
int	 dns_server_run(const struct dns_server_config *, char *err,
	    size_t errlen);

#endif
