/* ib-bench-job.c - runs `ib bench` off the control loop and streams its report back. */
#include "supervisor/services/ib-bench-job.h"

#include "drivers/ib_bench.h"
#include "hw/hw.h"
#include "supervisor/report/ib-report.h"
#include "supervisor/report/ib-selftest.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <unistd.h>

/*
 * On real hardware a run takes seconds to minutes, so it goes to a worker
 * thread and the reply becomes a stream: the control loop (fan, budget,
 * watchdog) keeps running meanwhile.  The simulated box runs inline: its
 * fabric and plant live on the loop's thread and a run costs little real time;
 * the fabric hands its virtual time to the loop as it goes (sim-svc's advance
 * hook), so the box's timers, counters and power meter live through the run.
 * Both take the same driver path (ib_bench_run over the hw verbs ops); only
 * the thread differs.  A worker thread cannot serve the sim: the advance hook
 * would fire the loop's timers and touch the plant from a second thread.
 */
struct ib_bench_job_run;

/* The slot: at most one run, and what outlives runs. */
struct ib_bench_job {
	struct box *b;
	struct ib_bench_job_run *run; /* a benchmark running in its worker thread */
	bool inline_run;	  /* a sim benchmark running on the loop (timers run inside it) */
	bool caps_logged;	  /* the first bench of this run logged the device's QP caps */
	struct loop_timer *timer; /* finishes a worker's run on the loop */
};

struct ib_bench_job_run {
	struct ib_bench_job *bj;
	struct ib_bench_opts o;
	struct ib_bench_report rep;
	char err[256];
	int rc;
	bool json;
	int efd;
	pthread_t th;
	atomic_bool cancel;
	struct ctl_stream *st;
	struct loop_io *io;
	struct ib_selftest *selftest; /* `ib selftest`: its report instead of the bench's */
};

static bool ib_bench_job_cancelled(void *userdata)
{
	struct ib_bench_job_run *job = userdata;

	return atomic_load(&job->cancel);
}

static void *ib_bench_job_thread_main(void *arg)
{
	struct ib_bench_job_run *job = arg;
	uint64_t one = 1;

	job->rc = ib_bench_run(job->bj->b->hw, &job->o, &job->rep, ib_bench_job_cancelled, job,
			       job->err, sizeof(job->err));
	if (write(job->efd, &one, sizeof(one)) < 0) {
		/* the loop still joins us on shutdown */
	}
	return NULL;
}

/* Send a long text through the stream in pieces its line buffer takes. */
static void ib_bench_job_stream_put(struct ctl_stream *st, const char *text)
{
	size_t len = strlen(text);

	for (size_t off = 0; off < len;) {
		int n = (int)(len - off > 1500 ? 1500 : len - off);

		if (ctl_stream_printf(st, "%.*s", n, text + off) < 0)
			return;
		off += (size_t)n;
	}
}

/* Once per run: what the device granted for a QP, to diagnose the first run on a new card. */
static void ib_bench_job_caps_log_once(struct ib_bench_job *s, const struct ib_bench_report *r)
{
	if (s->caps_logged)
		return;
	s->caps_logged = true;
	log_event(LOG_INFO, (const char *[]){ "H2BOX_EVENT=ib-qp-caps", NULL },
		  "%s: queue pair caps returned by the device: max_inline_data %u (inline up to"
		  " %u B used), max_send_wr %u, max_sge %u",
		  r->dev, r->qp_caps.max_inline_data,
		  hw_verbs_inline_size(HW_VERBS_INLINE_ASK, r->qp_caps.max_inline_data),
		  r->qp_caps.max_send_wr, r->qp_caps.max_sge);
}

/* The finished selftest as the stream's last document or text. */
static void ib_bench_job_selftest_put(struct ctl_stream *cs, const struct ib_selftest *st,
				      bool json)
{
	char *text = NULL;

	if (json) {
		struct json *j = json_new();
		const char *doc;

		if (!j)
			return;
		json_object_begin(j, NULL);
		json_bool(j, "ok", true);
		ib_selftest_json(st, j);
		json_object_end(j);
		doc = json_finish(j, NULL);
		if (doc) {
			ib_bench_job_stream_put(cs, doc);
			ctl_stream_printf(cs, "\n");
		}
		json_free(j);
		return;
	}
	text = ib_selftest_text_alloc(st);
	if (text)
		ib_bench_job_stream_put(cs, text);
	free(text);
}

void ib_bench_job_selftest_reply(const struct ib_selftest *st, bool json, struct ctl_reply *rep)
{
	char *text;

	if (json) {
		ib_selftest_json(st, ctl_reply_json(rep));
		return;
	}
	text = ib_selftest_text_alloc(st);
	if (text)
		ctl_reply_printf(rep, "%s", text);
	free(text);
}

static void ib_bench_job_finish(struct ib_bench_job_run *job)
{
	struct ib_bench_job *s = job->bj;

	pthread_join(job->th, NULL);
	if (job->rc == 0)
		ib_bench_job_caps_log_once(s, &job->rep);
	if (job->selftest) {
		ib_selftest_bench_done(job->selftest, job->rc, &job->rep, job->err);
		if (job->st)
			ib_bench_job_selftest_put(job->st, job->selftest, job->json);
	} else if (job->st) {
		char *text = NULL;

		if (job->json) {
			struct json *j = json_new();
			const char *doc;

			if (j) {
				json_object_begin(j, NULL);
				json_bool(j, "ok", job->rc == 0);
				if (job->rc == 0) {
					ib_report_bench_json(&job->rep, j);
				} else {
					json_int(j, "status", 1);
					json_string(j, "error",
						    job->err[0] ? job->err : strerror(-job->rc));
				}
				json_object_end(j);
				doc = json_finish(j, NULL);
				if (doc) {
					ib_bench_job_stream_put(job->st, doc);
					ctl_stream_printf(job->st, "\n");
				}
				json_free(j);
			}
		} else if (job->rc == 0) {
			text = ib_report_bench_text_alloc(&job->rep);
			if (text)
				ib_bench_job_stream_put(job->st, text);
		} else {
			ctl_stream_printf(job->st, "ib bench failed: %s\n",
					  job->err[0] ? job->err : strerror(-job->rc));
		}
		free(text);
	}
	if (job->st)
		ctl_stream_close(job->st);
	free(job->selftest);
	loop_io_free(job->io);
	close(job->efd);
	s->run = NULL;
	free(job);
}

/* The io watch must not free itself from its own callback: finish from a timer. */
static void ib_bench_job_on_done(int fd, void *userdata)
{
	struct ib_bench_job_run *job = userdata;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
		return;
	loop_timer_arm_in(job->bj->timer, 0);
}

static void ib_bench_job_on_timer(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct ib_bench_job *bj = userdata;

	(void)t;
	(void)now_ns;
	if (bj->run)
		ib_bench_job_finish(bj->run);
}

static int ib_bench_job_thread_start(struct ib_bench_job *s, const struct ib_bench_opts *o,
				     struct ib_selftest *selftest, bool json, struct ctl_reply *rep)
{
	struct ib_bench_job_run *job = calloc(1, sizeof(*job));
	int r;

	if (!job) {
		free(selftest);
		return -ENOMEM;
	}
	job->selftest = selftest;
	job->bj = s;
	job->o = *o;
	job->json = json;
	atomic_init(&job->cancel, false);
	job->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (job->efd < 0) {
		r = -errno;
		goto fail;
	}
	r = loop_io_add(s->b->loop, job->efd, ib_bench_job_on_done, job, &job->io);
	if (r < 0)
		goto fail_fd;
	r = pthread_create(&job->th, NULL, ib_bench_job_thread_main, job);
	if (r) {
		r = -r;
		goto fail_io;
	}
	s->run = job;
	job->st = ctl_reply_stream(rep);
	if (json)
		json_bool(ctl_reply_json(rep), "running", true);
	else
		ctl_reply_printf(rep, "running the %s...\n", selftest ? "selftest" : "benchmark");
	return 0;
fail_io:
	loop_io_free(job->io);
fail_fd:
	close(job->efd);
fail:
	free(job->selftest);
	free(job);
	return r;
}

/* The simulated box: on the loop's thread, answered in place (see the comment above). */
static int ib_bench_job_run_inline(struct ib_bench_job *bj, const struct ib_bench_opts *o,
				   struct ib_selftest *selftest, bool json, struct ctl_reply *rep)
{
	struct ib_bench_report *r;
	char err[256] = "";
	int rc;

	r = calloc(1, sizeof(*r));
	if (!r) {
		free(selftest);
		return -ENOMEM;
	}
	bj->inline_run = true;
	rc = ib_bench_run(bj->b->hw, o, r, NULL, NULL, err, sizeof(err));
	bj->inline_run = false;
	if (rc == 0)
		ib_bench_job_caps_log_once(bj, r);
	if (selftest) {
		ib_selftest_bench_done(selftest, rc, r, err);
		ib_bench_job_selftest_reply(selftest, json, rep);
		free(selftest);
	} else if (rc < 0) {
		ctl_reply_error(rep, rc == -EINVAL ? 2 : 1, "ib bench: %s",
				err[0] ? err : strerror(-rc));
	} else if (json) {
		ib_report_bench_json(r, ctl_reply_json(rep));
	} else {
		char *text = ib_report_bench_text_alloc(r);

		if (text)
			ctl_reply_printf(rep, "%s", text);
		free(text);
	}
	free(r);
	return 0;
}

int ib_bench_job_start(struct ib_bench_job *bj, const struct ib_bench_opts *o, bool json,
		       struct ctl_reply *rep)
{
	assert(!ib_bench_job_busy(bj));
	if (hw_kind_get(bj->b->hw) != HW_KIND_SIM)
		return ib_bench_job_thread_start(bj, o, NULL, json, rep);
	return ib_bench_job_run_inline(bj, o, NULL, json, rep);
}

int ib_bench_job_start_selftest(struct ib_bench_job *bj, struct ib_selftest *st, bool json,
				struct ctl_reply *rep)
{
	assert(!ib_bench_job_busy(bj));
	if (hw_kind_get(bj->b->hw) != HW_KIND_SIM)
		return ib_bench_job_thread_start(bj, &st->bench_opts, st, json, rep);
	return ib_bench_job_run_inline(bj, &st->bench_opts, st, json, rep);
}

bool ib_bench_job_busy(const struct ib_bench_job *bj)
{
	return bj->run || bj->inline_run;
}

int ib_bench_job_new(struct box *b, struct ib_bench_job **out)
{
	struct ib_bench_job *bj = calloc(1, sizeof(*bj));
	int r;

	if (!bj)
		return -ENOMEM;
	bj->b = b;
	r = loop_timer_new(b->loop, "ib-bench-done", ib_bench_job_on_timer, bj, &bj->timer);
	if (r < 0) {
		free(bj);
		return r;
	}
	*out = bj;
	return 0;
}

void ib_bench_job_free(struct ib_bench_job *bj)
{
	if (!bj)
		return;
	if (bj->run) {
		/* the worker checks the flag between batches and gives up its timeouts */
		atomic_store(&bj->run->cancel, true);
		ib_bench_job_finish(bj->run);
	}
	loop_timer_free(bj->timer);
	free(bj);
}
