/* cmd_probe.h -- `backscatter probe`: am I a backscatterer? */
#ifndef BACKSCATTER_CMD_PROBE_H
#define BACKSCATTER_CMD_PROBE_H

struct cli;

/* Exits with the verdict's code (probe.h: 0 good .. 6 inconclusive). */
int	cmd_probe(struct cli *, int argc, char **argv);

#endif
