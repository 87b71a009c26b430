/* history-svc.c - the history service: ring fed by a box-time timer, `history`, the status page. */
#include "supervisor/services/history-svc.h"

#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/http.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/runtime/svc.h"
#include "supervisor/services/history.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/util/parse.h"
#include "supervisor/util/timefmt.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The status page, generated at build time from status-page.html (packaging/embed.sh). */
extern const char status_page_html[];

struct history_svc {
	struct box *b;
	struct history *ring;
	struct loop_timer *timer;
	bool routed;     /* its pages are on b->http */
};

static void history_svc_on_timer(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct history_svc *s = userdata;

	history_sample(s->ring, &s->b->readings, now_ns, loop_real_now(s->b->loop));
	/* on the loop's grid: the points stay HISTORY_PERIOD_NS apart, share the fan's wake-up
	 * (its 1 s period divides 10 s), and a loop that fell behind skips instead of bursting */
	loop_timer_arm_next(t, HISTORY_PERIOD_NS);
}

const struct history *history_svc_ring(const struct history_svc *s)
{
	return s->ring;
}

void history_svc_json(const struct history_svc *s, struct json *j)
{
	history_json(s->ring, j, loop_now(s->b->loop));
}

static void history_svc_text(const struct history_svc *s, struct ctl_reply *rep)
{
	const struct history *h = s->ring;
	int n = history_count(h), nt = history_ntemps(h);
	char a[24], b2[24], c[24], d[24], e[24];

	ctl_reply_printf(rep, "history: %d of %d samples, one every %d s\n", n, HISTORY_POINTS,
			 (int)(HISTORY_PERIOD_NS / HW_NSEC_PER_SEC));
	if (n == 0)
		return;
	ctl_reply_printf(rep, "%-8s %8s %6s %6s %8s %8s", "time", "W", "duty%", "held%", "rx Gb/s",
			 "tx Gb/s");
	for (int k = 0; k < nt; k++)
		ctl_reply_printf(rep, " %7.7s_C", history_temp_name(h, k));
	ctl_reply_printf(rep, "\n");
	for (int i = 0; i < n; i++) {
		const struct history_point *p = history_point_at(h, i);
		char clock[16];

		timefmt_local(p->real_ns, "%H:%M:%S", clock, sizeof(clock));
		ctl_reply_printf(rep, "%-8s %8s %6s %6s %8s %8s", clock,
				 parse_format_number(a, sizeof(a), 2, p->watts, "-"),
				 parse_format_number(b2, sizeof(b2), 1, p->fan_duty_pct, "-"),
				 parse_format_number(c, sizeof(c), 1, p->fan_duty_actual_pct, "-"),
				 parse_format_number(d, sizeof(d), 3, p->ib_rx_gbps, "-"),
				 parse_format_number(e, sizeof(e), 3, p->ib_tx_gbps, "-"));
		for (int k = 0; k < nt; k++)
			ctl_reply_printf(rep, " %9s",
					 parse_format_number(a, sizeof(a), 1, p->temps_c[k], "-"));
		ctl_reply_printf(rep, "\n");
	}
}

static int history_svc_cmd(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct history_svc *s = userdata;

	if (req->argc != 1) {
		ctl_reply_error(rep, 2, "usage: history");
		return 0;
	}
	if (req->json)
		history_svc_json(s, ctl_reply_json(rep));
	else
		history_svc_text(s, rep);
	return 0;
}

/* ---- the status page on the HTTP listener ([metrics] listen) ---- */

/* A copy of len bytes of text as the response (the listener frees the body). */
static int history_svc_respond(struct http_response *resp, const char *type, const char *text,
			       size_t len)
{
	char *body = malloc(len ? len : 1);

	if (!body)
		return -ENOMEM;
	memcpy(body, text, len);
	resp->status = 200;
	resp->content_type = type;
	resp->body = body;
	resp->len = len;
	return 0;
}

/* GET /: the page itself; it asks /api/status and /api/history for the figures. */
static int history_svc_get_page(void *userdata, const char *path, struct http_response *resp)
{
	return history_svc_respond(resp, "text/html; charset=utf-8", status_page_html,
				   strlen(status_page_html));
}

/* GET /api/history: the document `h2box --json history` prints, "ok" first as there. */
static int history_svc_get_api(void *userdata, const char *path, struct http_response *resp)
{
	struct history_svc *s = userdata;
	struct json *j = json_new();
	const char *doc;
	size_t len;
	int r;

	if (!j)
		return -ENOMEM;
	json_object_begin(j, NULL);
	json_bool(j, "ok", true);
	history_svc_json(s, j);
	json_object_end(j);
	doc = json_finish(j, &len);
	r = doc ? history_svc_respond(resp, "application/json", doc, len) : -ENOMEM;
	json_free(j);
	return r;
}

static void history_svc_unroute(struct history_svc *s)
{
	if (!s->routed)
		return;
	http_route_remove(s->b->http, "/");
	http_route_remove(s->b->http, "/api/history");
	s->routed = false;
}

static int history_svc_route(struct history_svc *s)
{
	int r;

	if (!s->b->http)
		return 0;
	r = http_route_add(s->b->http, "/", history_svc_get_page, s);
	if (r < 0)
		return r;
	r = http_route_add(s->b->http, "/api/history", history_svc_get_api, s);
	if (r < 0) {
		http_route_remove(s->b->http, "/");
		return r;
	}
	s->routed = true;
	return 0;
}

int history_svc_new(struct box *b, struct history_svc **out)
{
	struct history_svc *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->b = b;
	r = history_new(&s->ring);
	if (r < 0)
		goto fail;
	r = loop_timer_new(b->loop, "history", history_svc_on_timer, s, &s->timer);
	if (r < 0)
		goto fail_ring;
	if (b->ctl) {
		r = ctl_command_register(b->ctl, "history",
					 "the last hour of watts, temperatures, fan duty and IB rate",
					 history_svc_cmd, s);
		if (r < 0)
			goto fail_timer;
	}
	r = history_svc_route(s);
	if (r < 0) {
		log_warn(r, "http: cannot route the status page");
		goto fail_verb;
	}
	/* the first sample at the next grid point: the other services read at start */
	loop_timer_arm_first(s->timer, HISTORY_PERIOD_NS);
	*out = s;
	return 0;
fail_verb:
	ctl_command_unregister(b->ctl, "history");
fail_timer:
	loop_timer_free(s->timer);
fail_ring:
	history_free(s->ring);
fail:
	free(s);
	return r;
}

void history_svc_free(struct history_svc *s)
{
	if (!s)
		return;
	history_svc_unroute(s);
	ctl_command_unregister(s->b->ctl, "history");
	loop_timer_free(s->timer);
	history_free(s->ring);
	free(s);
}

/* the daemon's entry points (runtime/svc.h): no profile section, no status of its own */
static int history_svc_ops_start(struct box *b)
{
	return history_svc_new(b, &b->history);
}

static void history_svc_ops_stop(struct box *b)
{
	history_svc_free(b->history);
	b->history = NULL;
}

/* A reload's hand-over: the ring itself (its temperature columns go by input name). */
static void *history_svc_keep(struct box *b)
{
	struct history *ring;

	if (!b->history)
		return NULL;
	ring = b->history->ring;
	b->history->ring = NULL; /* stop() follows at once, with no sample in between */
	return ring;
}

static void history_svc_adopt(struct box *b, void *kept)
{
	if (!b->history) {
		history_free(kept);
		return;
	}
	history_free(b->history->ring);
	b->history->ring = kept;
}

const struct svc_ops history_svc_ops = {
	.name = "history",
	.start = history_svc_ops_start,
	.stop = history_svc_ops_stop,
	.keep = history_svc_keep,
	.adopt = history_svc_adopt,
};
