/* probe.h -- "am I a backscatterer?": probe a mail server, judge the answer. */
#ifndef BACKSCATTER_PROBE_H
#define BACKSCATTER_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "client/probe_reply.h"
#include "core/addr.h"
#include "store/store.h"

/* RFC 1035 2.3.4: a name is at most 253 characters as text. */
#define PROBE_NAME_MAX		254	/* incl. NUL */
#define PROBE_HOSTPORT_MAX	(PROBE_NAME_MAX + 8)
#define PROBE_RESOLVER_MAX	256
/* Hits kept as evidence; more are counted, not kept. */
#define PROBE_EVIDENCE_MAX	8
#define PROBE_EXCERPT_MAX	512
/* The store is asked this often for the trap's hits. */
#define PROBE_POLL_MS		200
/*
 * After a rejection no bounce can come, but a callout made during the
 * dialogue may still be on its way into the store: wait this long.
 */
#define PROBE_CALLOUT_GRACE_MS	3000

/* The verdict; its value is the exit code of `backscatter probe`. */
enum probe_verdict {
	PROBE_GOOD = 0,		/* rejected during SMTP, no callout */
	PROBE_ERROR = 1,	/* could not talk to it */
	PROBE_BACKSCATTER = 3,	/* accepted, then bounced or replied */
	PROBE_CALLOUT = 4,	/* called our sender back */
	PROBE_BOTH = 5,
	PROBE_INCONCLUSIVE = 6,	/* accepted, nothing came back in time */
};

/* "good", "error", "backscatter", "callout", "both", "inconclusive". */
const char	*probe_verdict_name(enum probe_verdict);

struct probe_config {
	/* A domain (its MX is probed), or HOST[:PORT] / [V6][:PORT]. */
	char		 target[PROBE_HOSTPORT_MAX];
	/* "" or HOST:PORT: connect here whatever the target's MX. */
	char		 mx[PROBE_HOSTPORT_MAX];
	/* The recipient's domain; "" derives it from the target. */
	char		 rcpt_domain[PROBE_NAME_MAX];
	char		 trap_domain[PROBE_NAME_MAX];	/* our sender's */
	char		 helo[PROBE_NAME_MAX];
	char		 resolver[PROBE_RESOLVER_MAX];	/* "" system */
	int64_t		 wait_ms;	/* for a bounce after acceptance */
	int64_t		 timeout_ms;	/* per SMTP step */
	int64_t		 expires_extra;	/* s the token stays active after */
};

struct probe_evidence {
	int64_t		 t;
	char		 addr[ADDR_STRLEN];
	char		 class[16];
	char		 subclass[32];
	char		 helo[PROBE_NAME_MAX];
	char		 mail_from[PROBE_NAME_MAX];
	char		 excerpt[PROBE_EXCERPT_MAX];
};

/* One SMTP step as the report shows it: "RCPT" 550 "5.1.1 ...". */
struct probe_step {
	char		 cmd[8];
	int		 code;		/* 0: no reply */
	char		 text[PROBE_REPLY_TEXT_MAX];
};
#define PROBE_STEPS_MAX		8

struct probe_result {
	enum probe_verdict	 verdict;
	char			 token[STORE_PROBE_TOKEN_MAX];
	char			 sender[PROBE_HOSTPORT_MAX * 2];
	char			 rcpt[PROBE_HOSTPORT_MAX * 2];
	char			 host[PROBE_NAME_MAX];	/* the MX we used */
	char			 peer[ADDR_STRLEN + 8];	/* its address */
	struct probe_step	 steps[PROBE_STEPS_MAX];
	size_t			 nsteps;
	int			 rcpt_code;	/* 0 not reached */
	int			 data_code;	/* end of data; 0 not reached */
	int			 backscatter;	/* hits that were messages */
	int			 callouts;	/* hits without a message */
	struct probe_evidence	 ev[PROBE_EVIDENCE_MAX];
	size_t			 nev;
	char			 summary[384];	/* one sentence */
	char			 error[256];	/* why, for PROBE_ERROR */
	char			 guide[32];	/* web_guide name, or "" */
	int64_t			 started, finished;
};

/*
 * Called at each stage ("connecting to mx.example.net", "waiting for a
 * bounce") from the probing thread; may be NULL.
 */
typedef void	(*probe_progress_cb)(void *arg, const char *stage);

/*
 * A fresh token: STORE_PROBE_PREFIX and 20 random lower-case hex
 * digits from getrandom(2). 0 / -1.
 */
int	 probe_token(char *buf, size_t size);

/*
 * Runs one probe: registers res->token (probe_token() first, or set by
 * the caller) in the store beside the trap, finds the MX, speaks SMTP,
 * then watches the store for the trap's hits to the probe address.
 * Blocks for at most some timeout_ms per step plus wait_ms. Always
 * fills res (verdict, summary, evidence); 0, or -1 when the store
 * failed (res->error).
 */
int	 probe_run(const struct probe_config *, struct store *, int64_t now,
	    struct probe_result *res, probe_progress_cb cb, void *arg);

struct config;
/*
 * Fills pc from the [probe] keys of cfg (and [trap] for "auto") for
 * target. 0, or -1 with the reason in err.
 */
int	 probe_config_init(struct probe_config *pc, const struct config *cfg,
	    const char *target, char *err, size_t errlen);

/*
 * Splits "host", "host:port", "[v6]" or "[v6]:port" (len bytes,
 * untrusted) into host and port (def when none). 0 / -1.
 */
int	 probe_split_hostport(const char *s, size_t len, char *host,
	    size_t hostsize, int *port, int def);

#endif
