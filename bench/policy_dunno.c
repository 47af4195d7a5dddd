/* policy_dunno.c -- the ceiling: a policy server that answers DUNNO to everything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>

/*
 * Usage: policy_dunno PORT. The same event library and framing as
 * `backscatter policy` (read until an empty line), with no parsing, no
 * decision and no lookup: what the I/O alone costs. Runs until killed.
 */
static void
dunno_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;

	(void)arg;
	for (;;) {
		p = evbuffer_search(in, "\n\n", 2, NULL);
		if (p.pos < 0)
			return;
		evbuffer_drain(in, (size_t)p.pos + 2);
		evbuffer_add(bufferevent_get_output(bev), "action=DUNNO\n\n",
		    14);
	}
}

static void
dunno_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	(void)arg;
	bufferevent_free(bev);
}

static void
dunno_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct bufferevent *bev;

	(void)l;
	(void)sa;
	(void)salen;
	bev = bufferevent_socket_new(arg, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, dunno_read, NULL, dunno_event, NULL);
	bufferevent_enable(bev, EV_READ);
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct sockaddr_in sin;
	char *end;
	long port;

	if (argc != 2)
		return 2;
	port = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
		return 2;
	base = event_base_new();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (evconnlistener_new_bind(base, dunno_accept, base,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 511,
	    (struct sockaddr *)&sin, sizeof(sin)) == NULL) {
		perror("listen");
		return 1;
	}
	return event_base_dispatch(base) == 0 ? 0 : 1;
}
