/* cmd_web.h -- `backscatter web` and `backscatter delist ...`. */
#ifndef BACKSCATTER_CMD_WEB_H
#define BACKSCATTER_CMD_WEB_H

struct cli;

int	cmd_web(struct cli *, int, char **);
int	cmd_delist_list(struct cli *, int, char **);
int	cmd_delist_approve(struct cli *, int, char **);
int	cmd_delist_deny(struct cli *, int, char **);

#endif
