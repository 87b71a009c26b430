/* ctl-dispatch.c - a verb run for a caller inside the daemon (MQTT) through the socket's handlers. */
#include "supervisor/runtime/ctl.h"

#include "supervisor/runtime/ctl-private.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

const char *ctl_request_who(const struct ctl_request *req, char *buf, size_t len)
{
	if (req->origin)
		snprintf(buf, len, "%s", req->origin);
	else
		snprintf(buf, len, "uid %u", (unsigned)req->uid);
	return buf;
}

int ctl_dispatch(struct ctl *ctl, const char *origin, int argc, char **argv, char *msg,
		 size_t msglen)
{
	struct ctl_reply rep = { 0 };
	struct ctl_request req = { .argc = argc, .argv = argv, .privileged = true };
	const struct ctl_command *cmd = NULL;
	char line[160], f_origin[48], f_cmd[200], f_status[32];
	size_t n = 0;
	int r;

	assert(argc >= 1 && argv && argv[argc] == NULL);
	req.uid = geteuid();
	req.gid = getegid();
	req.pid = getpid();
	req.origin = origin; /* the verbs log "by mqtt", not the daemon's own uid */
	line[0] = '\0';
	for (int i = 0; i < argc && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", argv[i]);
	rep.tf = open_memstream(&rep.text, &rep.textlen);
	for (int i = 0; i < ctl->ncmds; i++)
		if (strcmp(ctl->cmds[i].verb, argv[0]) == 0)
			cmd = &ctl->cmds[i];
	if (!cmd) {
		ctl_reply_error(&rep, 2, "unknown command '%.64s'", argv[0]);
	} else {
		r = cmd->fn(&req, &rep, cmd->userdata);
		if (r < 0 && !rep.status)
			ctl_reply_error(&rep, 1, "%s failed: %s", cmd->verb, strerror(-r));
	}
	assert(!rep.stream); /* no connection to stream to: callers run only plain verbs */
	if (rep.tf)
		fclose(rep.tf);
	if (rep.status)
		snprintf(msg, msglen, "%s", rep.err);
	else
		snprintf(msg, msglen, "%.*s", (int)(rep.textlen && rep.text[rep.textlen - 1] == '\n'
						       ? rep.textlen - 1 : rep.textlen),
			 rep.text ? rep.text : "");
	snprintf(f_origin, sizeof(f_origin), "H2BOX_ORIGIN=%s", origin);
	snprintf(f_cmd, sizeof(f_cmd), "H2BOX_COMMAND=%s", line);
	snprintf(f_status, sizeof(f_status), "H2BOX_STATUS=%d", rep.status);
	log_event(rep.status ? LOG_WARNING : LOG_NOTICE,
		  (const char *[]){ "H2BOX_EVENT=command", f_origin, f_cmd, f_status, NULL },
		  "%s: %s: %s%s", origin, line, rep.status ? "failed: " : "", msg);
	json_free(rep.j);
	free(rep.text);
	return rep.status;
}
