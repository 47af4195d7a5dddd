/* cmd_policy.h -- what `backscatter policy` shares with `milter` (and `serve`). */
#ifndef BACKSCATTER_CMD_POLICY_H
#define BACKSCATTER_CMD_POLICY_H

#include "cli/cli.h"
#include "client/policy_server.h"

/*
 * Fills the policy service's config from [policy] (and [dns], [web],
 * [store] for the zone, templates and store). The listen addresses are
 * policy.listen unless sc already has some (--listen). 0, or -1 after a
 * message.
 */
int	 cli_policy_server_config(struct cli *, struct policy_server_config *);

/* The commands. */
int	 cmd_policy(struct cli *, int, char **);
int	 cmd_milter(struct cli *, int, char **);

#endif
