/* power-verbs.c - `h2box power on|off|cycle|force-off|clear|status`: the ctl verb's handler. */
#include "supervisor/services/power-svc-private.h"

#include <string.h>

#include "supervisor/runtime/ctl.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"

static const char power_verbs_usage[] = "usage: power [on|off|cycle|force-off|clear|status]";

int power_verbs_cmd(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	static const struct {
		const char *name;
		enum powerseq_command cmd;
	} cmds[] = {
		{ "on", POWERSEQ_CMD_ON },
		{ "off", POWERSEQ_CMD_OFF },
		{ "cycle", POWERSEQ_CMD_CYCLE },
		{ "force-off", POWERSEQ_CMD_FORCE_OFF },
		{ "clear", POWERSEQ_CMD_CLEAR },
	};
	struct power_svc *s = userdata;
	struct powerseq_input in = { .event = POWERSEQ_EV_COMMAND };
	struct powerseq_output out;
	const char *sub = req->argc >= 2 ? req->argv[1] : "status";
	char who[48];
	size_t i;

	if (req->argc > 2) {
		ctl_reply_error(rep, 2, "%s", power_verbs_usage);
		return 0;
	}
	if (strcmp(sub, "status") == 0) {
		if (req->json)
			power_status_members(s, ctl_reply_json(rep), true);
		else
			power_status_text_full(s, rep);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(sub, cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		ctl_reply_error(rep, 2, "%s", power_verbs_usage);
		return 0;
	}
	if (!ctl_require_privilege(req, rep))
		return 0;
	in.command = cmds[i].cmd;
	/* Commands come from the loop, never from inside an apply; refuse rather than queue. */
	if (s->feeding || power_drive_feed(s, &in, &out) < 0) {
		ctl_reply_error(rep, 1, "power %s: sequencer not ready", sub);
		return 0;
	}
	log_info("power %s by %s: %s", sub, ctl_request_who(req, who, sizeof(who)), out.reply);
	if (out.reply_status) {
		ctl_reply_error(rep, out.reply_status, "%s", out.reply);
		return 0;
	}
	if (req->json) {
		struct json *j = ctl_reply_json(rep);

		json_string(j, "command", sub);
		json_string(j, "message", out.reply);
		json_string(j, "state", powerseq_state_name(powerseq_state_get(&s->seq)));
	} else {
		ctl_reply_printf(rep, "%s\n", out.reply);
	}
	return 0;
}
