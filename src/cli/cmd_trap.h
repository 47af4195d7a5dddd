/* cmd_trap.h -- `backscatter trap`: the SMTP spamtrap server. */
#ifndef BACKSCATTER_CMD_TRAP_H
#define BACKSCATTER_CMD_TRAP_H

struct cli;

/*
 * Runs the trap until SIGTERM or SIGINT; CLI_OK after a clean stop,
 * CLI_ERROR when it cannot start, CLI_USAGE for bad arguments.
 */
int	cmd_trap(struct cli *, int argc, char **argv);

#endif
