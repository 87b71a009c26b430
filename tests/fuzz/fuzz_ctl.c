/* fuzz_ctl.c - libFuzzer harness: any bytes as a client's request through the control socket's server (runtime/ctl.c). */
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "hw/hw.h"
#include "hw/sim/plant.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/util/wire.h"

/*
 * One server for the whole run: a paused simulated box's loop and a ctl on a socket in a
 * private directory, with the built-in verbs (help, ping) and verbs that take every reply path
 * a service takes: text and JSON bodies from the words, a usage error, a handler failure, a
 * privilege check, a stream its owner writes to and closes.  Each input is one connection:
 * the bytes are sent, the write side shut, and the server dispatched until it closes.
 * The services' own verbs are not here: they change the box, spawn commands and move time.
 */
static struct {
	struct sim_plant *plant;
	struct hw *hw;
	struct loop *loop;
	struct ctl *ctl;
	char dir[32], sock[64];
	struct ctl_stream *stream; /* opened by `stream`, written to after the reply */
} fz;

static int fuzz_ctl_echo(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	(void)userdata;
	if (req->json) {
		struct json *j = ctl_reply_json(rep);

		json_array_begin(j, "words");
		for (int i = 0; i < req->argc; i++)
			json_string(j, NULL, req->argv[i]);
		json_array_end(j);
		return 0;
	}
	for (int i = 0; i < req->argc; i++)
		ctl_reply_printf(rep, "%s%s", i ? " " : "", req->argv[i]);
	ctl_reply_printf(rep, "\n");
	return 0;
}

static int fuzz_ctl_usage(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	(void)userdata;
	if (req->argc != 2)
		ctl_reply_error(rep, 2, "usage: usage WORD (got %d words)", req->argc);
	else
		ctl_reply_printf(rep, "%.64s\n", req->argv[1]);
	return 0;
}

static int fuzz_ctl_fail(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	(void)req;
	(void)userdata;
	ctl_reply_printf(rep, "half a reply\n");
	return -EIO;
}

static int fuzz_ctl_admin(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	(void)userdata;
	if (!ctl_require_privilege(req, rep))
		return 0;
	ctl_reply_printf(rep, "done\n");
	return 0;
}

static int fuzz_ctl_stream(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	(void)userdata;
	if (fz.stream)
		return -EBUSY;
	if (req->argc > 2) {
		ctl_reply_error(rep, 3, "busy");
		return 0;
	}
	fz.stream = ctl_reply_stream(rep);
	return 0;
}

static void fuzz_ctl_init(void)
{
	struct sim_plant_config cfg;

	log_init(LOG_TARGET_NONE, 0);
	snprintf(fz.dir, sizeof(fz.dir), "/tmp/h2box-fuzz-XXXXXX");
	FUZZ_CHECK(mkdtemp(fz.dir) != NULL);
	snprintf(fz.sock, sizeof(fz.sock), "%s/ctl.sock", fz.dir);
	sim_plant_config_defaults(&cfg, SIM_BUILD_SFX);
	cfg.speed = 0;
	FUZZ_CHECK(sim_plant_new(&cfg, &fz.plant) == 0);
	FUZZ_CHECK(hw_sim_new(fz.plant, &fz.hw) == 0);
	FUZZ_CHECK(loop_new(fz.hw, &fz.loop) == 0);
	FUZZ_CHECK(ctl_new(fz.loop, fz.sock, &fz.ctl) == 0);
	FUZZ_CHECK(ctl_command_register(fz.ctl, "echo", "words back", fuzz_ctl_echo, NULL) == 0);
	FUZZ_CHECK(ctl_command_register(fz.ctl, "usage", "one word", fuzz_ctl_usage, NULL) == 0);
	FUZZ_CHECK(ctl_command_register(fz.ctl, "fail", "a handler error", fuzz_ctl_fail, NULL) ==
		   0);
	FUZZ_CHECK(ctl_command_register(fz.ctl, "admin", "privileged", fuzz_ctl_admin, NULL) == 0);
	FUZZ_CHECK(ctl_command_register(fz.ctl, "stream", "two lines", fuzz_ctl_stream, NULL) ==
		   0);
}

/* The stream's owner: two lines after the reply, then done (as `watts --follow` ends). */
static void fuzz_ctl_stream_feed(void)
{
	if (!fz.stream)
		return;
	(void)ctl_stream_printf(fz.stream, "line %d\n", 1);
	(void)ctl_stream_printf(fz.stream, "line %d\n", 2);
	ctl_stream_close(fz.stream);
	fz.stream = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char reply[1 << 16];
	size_t got = 0, off;
	bool eof = false, line;
	int fd, status;

	if (!fz.ctl)
		fuzz_ctl_init();
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	FUZZ_CHECK(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fz.sock);
	FUZZ_CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	/* a unix socket's buffer takes a whole request (at most WIRE_REQUEST_MAX + a little) */
	FUZZ_CHECK(size == 0 || send(fd, data, size, MSG_NOSIGNAL) == (ssize_t)size);
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 1000 && !eof; i++) {
		ssize_t n = recv(fd, reply + got, sizeof(reply) - 1 - got, MSG_DONTWAIT);

		if (n > 0) {
			got += (size_t)n;
			FUZZ_CHECK(got < sizeof(reply) - 1); /* replies here are short */
		} else if (n == 0) {
			eof = true;
		} else {
			FUZZ_CHECK(errno == EAGAIN);
			sd_event_run(loop_event(fz.loop), 0);
			fuzz_ctl_stream_feed();
		}
	}
	close(fd);
	/* the server never keeps a connection whose client is done: no stall, no leak */
	FUZZ_CHECK(eof);
	FUZZ_CHECK(fz.stream == NULL);
	/* a whole line (or a line too long) always gets a reply with a valid head */
	line = memchr(data, '\n', size < WIRE_REQUEST_MAX ? size : WIRE_REQUEST_MAX) != NULL;
	if (line || size >= WIRE_REQUEST_MAX) {
		FUZZ_CHECK(wire_reply_head_parse(reply, got, &status, &off) == 0);
		FUZZ_CHECK(status >= 0 && status <= 5);
		FUZZ_CHECK(status == 0 || off < got); /* a refusal says why */
	} else {
		FUZZ_CHECK(got == 0); /* no request, no reply */
	}
	return 0;
}
