/* ctl-private.h - the control server's objects, shared by ctl.c and ctl-dispatch.c only. */
#ifndef H2BOX_CTL_PRIVATE_H
#define H2BOX_CTL_PRIVATE_H

#include "supervisor/runtime/ctl.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#define CTL_COMMANDS_MAX 32

struct loop;
struct json;
struct ctl_conn;

struct ctl_command {
	char verb[32];
	char help[160];
	ctl_handler_fn fn;
	void *userdata;
};

struct ctl {
	struct loop *loop;
	char path[108];
	int fd;
	sd_event_source *src;
	struct ctl_command cmds[CTL_COMMANDS_MAX];
	int ncmds;
	struct ctl_conn *conns;
	int nconns;
	gid_t group;
	bool have_group;
	char group_name[64]; /* for the refusal's message */
	/* an accept back-off episode (CTL_BACKOFF_*): accepts refused by the kernel, next wait */
	sd_event_source *backoff;
	bool backing_off;
	unsigned backoff_refused;
	uint64_t backoff_usec;
	/* held for the moment descriptors run out: closed to accept a waiting client and tell it
	 * why it is refused (ctl_refuse_spare), then taken again; -1 while it cannot be had */
	int spare_fd;
};

struct ctl_reply {
	bool json;
	struct json *j;
	char *text;
	size_t textlen;
	FILE *tf;
	int status;
	char err[512];
	struct ctl_conn *conn;
	bool stream;
};

#endif
