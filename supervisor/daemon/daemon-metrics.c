/* daemon-metrics.c - one renderer of the metrics for /metrics, `h2box metrics` and the textfile. */
#include "supervisor/daemon/daemon-metrics.h"

#include "h2box-version.h"
#include "supervisor/config/profile.h"
#include "supervisor/daemon/daemon-services.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/http.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/util/prom.h"
#include "supervisor/util/statefile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The content type Prometheus' text format 0.0.4 is served with. */
#define DAEMON_METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct daemon_metrics {
	struct box *b;
	struct daemon_services *services;
	daemon_metrics_status_fn status;
	void *userdata;
	struct loop_timer *textfile_timer;
	bool textfile_failing; /* a failed write is logged once until one succeeds */
	bool routed, registered;
};

char *daemon_metrics_render(struct daemon_metrics *m, size_t *len)
{
	struct prom *p = prom_new();
	char *text;

	if (!p)
		return NULL;
	/* the info-metric pattern: join on it for the version or the box's name */
	prom_family(p, "h2box_build_info", PROM_GAUGE,
		    "h2boxd's version and the box's name ([daemon] name), always 1.");
	prom_sample(p, "h2box_build_info", 1, "version", H2BOX_VERSION, "node",
		    m->b->profile->daemon.name, "backend", m->b->profile->daemon.sim ? "sim" : "linux",
		    NULL);
	daemon_services_metrics(m->services, m->b, p);
	text = prom_render(p, len);
	prom_free(p);
	return text;
}

static int daemon_metrics_on_get(void *userdata, const char *path, struct http_response *resp)
{
	struct daemon_metrics *m = userdata;

	resp->body = daemon_metrics_render(m, &resp->len);
	if (!resp->body)
		return -ENOMEM;
	resp->content_type = DAEMON_METRICS_TYPE;
	return 0;
}

static int daemon_metrics_on_status(void *userdata, const char *path, struct http_response *resp)
{
	struct daemon_metrics *m = userdata;
	struct json *j = json_new();
	const char *doc;
	size_t len;

	if (!j)
		return -ENOMEM;
	/* the same document as `h2box --json status`: the control socket's reply frame */
	json_object_begin(j, NULL);
	json_bool(j, "ok", true);
	m->status(m->userdata, j);
	json_object_end(j);
	doc = json_finish(j, &len);
	resp->body = doc ? malloc(len + 2) : NULL;
	if (resp->body) {
		memcpy(resp->body, doc, len);
		resp->body[len] = '\n';
		resp->len = len + 1;
		resp->content_type = "application/json";
	}
	json_free(j);
	return resp->body ? 0 : -ENOMEM;
}

static int daemon_metrics_cmd(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct daemon_metrics *m = userdata;
	char *text;

	if (req->argc != 1) {
		ctl_reply_error(rep, 2, "usage: metrics");
		return 0;
	}
	text = daemon_metrics_render(m, NULL);
	if (!text)
		return -ENOMEM;
	if (req->json)
		json_string(ctl_reply_json(rep), "metrics", text);
	else
		ctl_reply_printf(rep, "%s", text);
	free(text);
	return 0;
}

/* Atomically, on its own timer: a slow disk delays this write, never a control cycle's work. */
static void daemon_metrics_on_textfile(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct daemon_metrics *m = userdata;
	const char *path = m->b->profile->metrics.textfile;
	size_t len = 0;
	char *text = daemon_metrics_render(m, &len);
	int r = text ? statefile_write(path, text, len) : -ENOMEM;

	free(text);
	if (r < 0 && !m->textfile_failing)
		log_warn(r, "[metrics] textfile %s: cannot write it (retrying quietly)", path);
	else if (r == 0 && m->textfile_failing)
		log_info("[metrics] textfile %s: written again", path);
	m->textfile_failing = r < 0;
	loop_timer_arm_in(t, m->b->profile->metrics.textfile_interval_ns);
}

int daemon_metrics_new(struct box *b, struct daemon_services *services,
		       daemon_metrics_status_fn status, void *userdata,
		       struct daemon_metrics **out)
{
	struct daemon_metrics *m = calloc(1, sizeof(*m));
	int r = 0;

	if (!m)
		return -ENOMEM;
	m->b = b;
	m->services = services;
	m->status = status;
	m->userdata = userdata;
	if (b->http) {
		r = http_route_add(b->http, "/metrics", daemon_metrics_on_get, m);
		if (r == 0)
			r = http_route_add(b->http, "/api/status", daemon_metrics_on_status, m);
		m->routed = true;
	}
	if (r == 0 && b->ctl) {
		r = ctl_command_register(b->ctl, "metrics",
					 "Prometheus metrics, as GET /metrics serves them",
					 daemon_metrics_cmd, m);
		m->registered = true;
	}
	if (r == 0 && b->profile->metrics.textfile[0]) {
		r = loop_timer_new(b->loop, "metrics-textfile", daemon_metrics_on_textfile, m,
				   &m->textfile_timer);
		if (r == 0) /* the first soon after start, once the services have read something */
			loop_timer_arm_in(m->textfile_timer, b->profile->metrics.textfile_interval_ns / 4);
	}
	if (r < 0) {
		daemon_metrics_free(m);
		return r;
	}
	*out = m;
	return 0;
}

void daemon_metrics_free(struct daemon_metrics *m)
{
	if (!m)
		return;
	loop_timer_free(m->textfile_timer);
	if (m->registered)
		ctl_command_unregister(m->b->ctl, "metrics");
	if (m->routed) {
		http_route_remove(m->b->http, "/metrics");
		http_route_remove(m->b->http, "/api/status");
	}
	free(m);
}
