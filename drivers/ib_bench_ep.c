/* ib_bench_ep.c - benchmark endpoints and their traffic: WRITE streams, SEND ping-pong. */
#include "drivers/ib_bench_ep.h"

#include "drivers/ib_port.h"
#include "drivers/ib_preflight.h"
#include "hw/hw.h"
#include "hw/verbs.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IB_BENCH_EP_RX_DEPTH 64
/*
 * Latency sends ask for a completion only every this many: a completion per
 * ping is work on the reply's path (rxe builds it in the kernel), and
 * ib_send_lat even waits for each signalled one before it polls for the
 * reply.  At most half the send queue (ib_bench_ep_lat_signal_every).
 */
#define IB_BENCH_EP_LAT_SIGNAL_EVERY 32
/*
 * Empty polls between the checks that cost a system call or a clock read
 * (timeout, cancel, the end of the round on the ponger's TCP connection):
 * a check that runs when the reply lands delays it by its own cost.
 */
#define IB_BENCH_EP_SPIN_CHECK_MASK 4095u
/*
 * Consecutive empty polls after which a waiting end yields its CPU at each
 * further empty poll.  A soft device's work (rxe's tasklets, the loopback's
 * receive softirq) runs in the kernel on the same CPUs: once it is deferred
 * to ksoftirqd, a poller that never yields holds it off until the next
 * scheduler tick (4 ms one-way on rxe in a loaded 2-vCPU guest, for
 * ib_send_lat too).  256 polls is well past a healthy round trip on rxe
 * (tens of polls) and on a card (a few microseconds), so a healthy run never
 * yields, and a yield with nothing else runnable returns at once.
 */
#define IB_BENCH_EP_YIELD_AFTER 256u
#define IB_BENCH_EP_LAT_SAMPLES_MAX  IB_BENCH_LAT_ITERS_MAX

/* wr_id: side in bits 63..62, kind in 61..60, a sequence number below */
#define WR_SIDE_SHIFT 62
#define WR_KIND_SHIFT 60
#define WR_SEQ_MASK   ((1ULL << WR_KIND_SHIFT) - 1)
enum wr_kind { WR_WRITE = 0, WR_SEND = 1, WR_RECV = 2 };

static uint64_t ib_bench_ep_wr_id(int side, enum wr_kind kind, uint64_t seq)
{
	return (uint64_t)side << WR_SIDE_SHIFT | (uint64_t)kind << WR_KIND_SHIFT |
	       (seq & WR_SEQ_MASK);
}

static int ib_bench_ep_wr_side(uint64_t id)
{
	return (int)(id >> WR_SIDE_SHIFT);
}

static enum wr_kind ib_bench_ep_wr_kind(uint64_t id)
{
	return (enum wr_kind)((id >> WR_KIND_SHIFT) & 3);
}

int ib_bench_ep_fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen && !err[0]) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

static int ib_bench_ep_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The median as perftest's t_typical: the middle value, or the mean of the
 * two middle values of an even count; sorts v in place.
 */
double ib_bench_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), ib_bench_ep_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Nearest-rank quantile; sorts v in place. */
double ib_bench_quantile(double *v, size_t n, double q)
{
	size_t k;

	if (n == 0 || !(q >= 0.0 && q <= 1.0))
		return NAN;
	qsort(v, n, sizeof(*v), ib_bench_ep_cmp_double);
	k = (size_t)ceil(q * (double)n);
	if (k > 0)
		k--;
	if (k >= n)
		k = n - 1;
	return v[k];
}

/* ---- endpoints ---- */

void ib_bench_ep_close(struct ib_bench_ep *e)
{
	hw_verbs_qp_destroy(e->qp);
	hw_verbs_mr_dereg(e->mr);
	if (!e->ctx_shared)
		hw_verbs_close(e->ctx);
	memset(e, 0, sizeof(*e));
}

int ib_bench_ep_open(struct hw *hw, const char *dev, int port, const struct ib_bench_opts *o,
		     size_t buflen, struct hw_verbs_ctx *shared, struct ib_bench_ep *e, char *err,
		     size_t errlen)
{
	struct hw_ib_port_attr a;
	int r;

	/* a port that is not ACTIVE would only time out later: say why now */
	r = hw_ib_port_query(hw, dev, port, &a);
	if (r == 0 && a.state != HW_IB_PORT_STATE_ACTIVE) {
		char slot[32] = "", vpi[512];

		/* an mlx4 port left in Ethernet mode: the port type, not the cable, is the fix */
		if (hw_ib_device_pci_slot(hw, dev, slot, sizeof(slot)) < 0)
			slot[0] = '\0';
		if (ib_preflight_vpi_ethernet(&a, ib_preflight_is_vpi(dev, NULL), slot, port, vpi,
					      sizeof(vpi)))
			return ib_bench_ep_fail(err, errlen, -ENETDOWN, "%s port %d is %s: %s",
						dev, port, ib_port_state_name(a.state), vpi);
		return ib_bench_ep_fail(err, errlen, -ENETDOWN, "%s port %d is %s: %s", dev, port,
					ib_port_state_name(a.state), ib_port_state_hint(&a));
	}
	if (shared) {
		e->ctx = shared;
		e->ctx_shared = true;
	} else {
		r = hw_verbs_open(hw, dev, port, o->gid_index,
				  2 * (o->tx_depth + IB_BENCH_EP_RX_DEPTH) + 16, &e->ctx, err,
				  errlen);
		if (r < 0)
			return r;
	}
	r = hw_verbs_mr_reg(e->ctx, buflen, &e->mr);
	if (r < 0)
		return ib_bench_ep_fail(err, errlen, r, "%s: cannot register a %zu-byte buffer: %s",
					dev, buflen, strerror(-r));
	r = hw_verbs_qp_create(e->ctx, o->tx_depth + 1, IB_BENCH_EP_RX_DEPTH, &e->qp);
	if (r < 0)
		return ib_bench_ep_fail(err, errlen, r, "%s: cannot create an RC queue pair: %s",
					dev, strerror(-r));
	e->lat_signal_every = ib_bench_ep_lat_signal_every(o->tx_depth);
	return 0;
}

bool ib_bench_ep_idle_yield(unsigned empty_polls)
{
	return empty_polls >= IB_BENCH_EP_YIELD_AFTER;
}

/* One more empty poll (got == 0) or a reset; yields when the wait has gone on too long. */
static void ib_bench_ep_idle(unsigned *empty, int got)
{
	if (got > 0) {
		*empty = 0;
		return;
	}
	if (*empty < UINT_MAX)
		(*empty)++;
	if (ib_bench_ep_idle_yield(*empty))
		sched_yield();
}

unsigned ib_bench_ep_lat_signal_every(int tx_depth)
{
	/* the send queue has tx_depth + 1 entries (ep_open): a batch and the next must fit
	   until the batch's completion is polled */
	unsigned every = tx_depth > 0 ? (unsigned)(tx_depth + 1) / 2 : 1;

	if (every > IB_BENCH_EP_LAT_SIGNAL_EVERY)
		every = IB_BENCH_EP_LAT_SIGNAL_EVERY;
	return every < 1 ? 1 : every;
}

/* ---- bandwidth ---- */

void ib_bench_ep_stream_init(struct ib_bench_ep_stream *s, struct ib_bench_ep *e, size_t size,
			     const struct ib_bench_ep_plan *p)
{
	memset(s, 0, sizeof(*s));
	s->e = e;
	s->size = size;
	s->sig_every = (uint64_t)(p->tx_depth / 4 > 0 ? p->tx_depth / 4 : 1);
	s->total = p->by_time ? IB_BENCH_ITERS_MAX : p->warm + p->iters + p->cool;
	if (!p->by_time) {
		s->mark_a = p->warm;
		s->mark_b = p->warm + p->iters;
	}
}

static bool ib_bench_ep_bw_signals(const struct ib_bench_ep_stream *s, uint64_t n)
{
	return n % s->sig_every == 0 || n == s->total || n == s->mark_a || n == s->mark_b;
}

uint64_t ib_bench_ep_bw_batch(const struct ib_bench_ep_stream *s, int tx_depth, bool *signal_last)
{
	uint64_t inflight = s->posted - s->completed, limit, n = 0;

	*signal_last = false;
	if (s->posted >= s->total || inflight >= (uint64_t)tx_depth)
		return 0;
	limit = (uint64_t)tx_depth - inflight;
	if (limit > s->total - s->posted)
		limit = s->total - s->posted;
	if (limit > s->sig_every)
		limit = s->sig_every;
	if (limit > HW_VERBS_POST_LIST_MAX)
		limit = HW_VERBS_POST_LIST_MAX;
	while (n < limit) {
		if (ib_bench_ep_bw_signals(s, s->posted + ++n)) {
			*signal_last = true;
			break;
		}
	}
	return n;
}

/*
 * Post at most one batch (ib_bench_ep_bw_batch) per call, so the caller
 * polls in between: a soft provider (rxe) does the whole transfer inside
 * the post call, and completions found only after a full queue's worth of
 * posts would all carry one timestamp (a zero-length measured interval).
 * The batch is one chained post: one doorbell (on rxe one system call) per
 * batch where ib_write_bw rings one per WRITE.
 */
static int ib_bench_ep_bw_post(struct ib_bench_ep_stream *s, const struct ib_bench_ep_plan *p,
			       char *err, size_t errlen)
{
	bool sig;
	uint64_t n = ib_bench_ep_bw_batch(s, p->tx_depth, &sig);
	int r;

	if (n == 0)
		return 0;
	r = hw_verbs_post_writes(s->e->qp, s->e->mr, 0, s->size, s->e->raddr, s->e->rkey,
				 ib_bench_ep_wr_id(s->e->side, WR_WRITE, s->posted + 1), (int)n, sig);
	if (r == -ENOMEM)
		return 0; /* send queue full: wait for completions */
	if (r < 0)
		return ib_bench_ep_fail(err, errlen, r, "posting an RDMA WRITE failed: %s",
					strerror(-r));
	s->posted += (uint64_t)r;
	return 0;
}

/* Bookkeeping after completions moved s->completed at time now. */
static void ib_bench_ep_bw_mark(struct ib_bench_ep_stream *s, const struct ib_bench_ep_plan *p,
				int64_t t0, int64_t now)
{
	if (!p->by_time) {
		if (!s->measuring && s->completed >= p->warm) {
			s->measuring = true;
			s->t_start = now;
			s->c_start = s->completed;
		}
		if (s->measuring && !s->measured && s->completed >= p->warm + p->iters) {
			s->measured = true;
			s->t_end = now;
			s->c_end = s->completed;
		}
		return;
	}
	if (!s->measuring && now >= t0 + p->warm_ns) {
		s->measuring = true;
		s->t_start = now;
		s->c_start = s->completed;
	}
	if (s->measuring && !s->measured && now >= s->t_start + p->dur_ns) {
		s->measured = true;
		s->t_end = now;
		s->c_end = s->completed;
	}
	/* keep the link loaded through the cool-down, then stop on a signaled WR */
	if (s->measured && now >= s->t_end + p->cool_ns && s->total == IB_BENCH_ITERS_MAX)
		s->total = (s->posted + s->sig_every - 1) / s->sig_every * s->sig_every;
	if (s->total == 0)
		s->total = s->sig_every;
}

static bool ib_bench_ep_bw_done(const struct ib_bench_ep_stream *s)
{
	return s->completed >= s->total && s->measured;
}

/* Run one or two streams to completion; the contexts to poll are those of the streams. */
int ib_bench_ep_bw_run(struct ib_bench_ep_stream *st, int n, const struct ib_bench_ep_plan *p,
		       ib_bench_cancel_fn cancel, void *ud, char *err, size_t errlen)
{
	struct hw_verbs_ctx *ctxs[2] = { st[0].e->ctx, n > 1 ? st[1].e->ctx : NULL };
	int nctx = (n > 1 && ctxs[1] != ctxs[0]) ? 2 : 1;
	int64_t t0 = hw_verbs_now_ns(ctxs[0]), last_progress = t0;
	unsigned loops = 0, empty = 0;

	for (;;) {
		bool all_done = true;
		int64_t now;
		int polled = 0;

		for (int i = 0; i < n; i++) {
			int r = ib_bench_ep_bw_post(&st[i], p, err, errlen);

			if (r < 0)
				return r;
		}
		for (int c = 0; c < nctx; c++) {
			struct hw_verbs_wc wc[16];
			int got = hw_verbs_poll(ctxs[c], wc, 16);

			if (got < 0)
				return ib_bench_ep_fail(err, errlen, got,
							"polling the completion queue failed");
			for (int k = 0; k < got; k++) {
				int side = ib_bench_ep_wr_side(wc[k].wr_id);

				if (wc[k].status)
					return ib_bench_ep_fail(
						err, errlen, -EIO, "RDMA WRITE completed with '%s'",
						hw_verbs_wc_status_str(wc[k].status));
				for (int i = 0; i < n; i++)
					if (st[i].e->side == side &&
					    ib_bench_ep_wr_kind(wc[k].wr_id) == WR_WRITE)
						st[i].completed = wc[k].wr_id & WR_SEQ_MASK;
			}
			if (got > 0)
				last_progress = hw_verbs_now_ns(ctxs[c]);
			polled += got;
		}
		ib_bench_ep_idle(&empty, polled);
		now = hw_verbs_now_ns(ctxs[0]);
		for (int i = 0; i < n; i++) {
			ib_bench_ep_bw_mark(&st[i], p, t0, now);
			all_done = all_done && ib_bench_ep_bw_done(&st[i]);
		}
		if (all_done)
			return 0;
		if (now - last_progress > p->timeout_ns)
			return ib_bench_ep_fail(
				err, errlen, -ETIMEDOUT,
				"no completion for %lld ms (link down, or the peer left?)",
				(long long)(p->timeout_ns / 1000000));
		if ((++loops & 1023) == 0 && cancel && cancel(ud))
			return ib_bench_ep_fail(err, errlen, -ECANCELED, "cancelled");
	}
}

void ib_bench_ep_bw_row(const struct ib_bench_ep_stream *s, struct ib_bench_row *row)
{
	double secs = (double)(s->t_end - s->t_start) / 1e9;
	uint64_t n = s->c_end - s->c_start;

	row->size = s->size;
	row->iters = n;
	row->seconds = secs;
	row->gbps = secs > 0 ? (double)n * (double)s->size * 8.0 / secs / 1e9 : NAN;
	row->msg_rate_mpps = secs > 0 ? (double)n / secs / 1e6 : NAN;
	row->gbps_reverse = NAN;
	row->lat_min_us = row->lat_median_us = row->lat_p99_us = row->lat_max_us = row->lat_avg_us =
		NAN;
}

void ib_bench_ep_plan_make(const struct ib_bench_opts *o, struct ib_bench_ep_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->by_time = o->iters == 0;
	p->iters = o->iters;
	p->warm = o->warmup_iters;
	p->cool = o->warmup_iters;
	p->warm_ns = o->warmup_ns;
	p->dur_ns = o->duration_ns;
	p->cool_ns = o->cooldown_ns;
	p->tx_depth = o->tx_depth;
	p->timeout_ns = o->timeout_ns;
}

/* ---- latency (ping-pong) ---- */

static int ib_bench_ep_lat_post_recv(struct ib_bench_ep *e, char *err, size_t errlen)
{
	/*
	 * Receives land in the second half of the buffer, sends leave from the
	 * first; a receive takes the largest size, as it may outlive its round.
	 */
	size_t half = hw_verbs_mr_len(e->mr) / 2;
	int r = hw_verbs_post_recv(e->qp, e->mr, half, half,
				   ib_bench_ep_wr_id(e->side, WR_RECV, 0));

	if (r < 0)
		return ib_bench_ep_fail(err, errlen, r, "posting a receive failed: %s",
					strerror(-r));
	e->rq_posted++;
	return 0;
}

int ib_bench_ep_lat_fill_recv(struct ib_bench_ep *e, char *err, size_t errlen)
{
	int r = 0;

	while (r == 0 && e->rq_posted < IB_BENCH_EP_RX_DEPTH / 2)
		r = ib_bench_ep_lat_post_recv(e, err, errlen);
	return r;
}

static int ib_bench_ep_lat_post_send(struct ib_bench_ep *e, size_t size, uint64_t seq, char *err,
				     size_t errlen)
{
	/* the signalled one retires the unsignalled sends before it from the send queue */
	bool signaled = ++e->lat_sends % e->lat_signal_every == 0;
	int r = hw_verbs_post_send(e->qp, e->mr, 0, size, ib_bench_ep_wr_id(e->side, WR_SEND, seq),
				   signaled);

	return r < 0 ? ib_bench_ep_fail(err, errlen, r, "posting a send failed: %s", strerror(-r))
		     : 0;
}

static void ib_bench_ep_lat_row(double *rtt_ns, uint64_t n, size_t size, double secs,
				struct ib_bench_row *row)
{
	double sum = 0;

	memset(row, 0, sizeof(*row));
	row->size = size;
	row->iters = n;
	row->seconds = secs;
	row->gbps = row->gbps_reverse = row->msg_rate_mpps = NAN;
	if (n == 0) {
		row->lat_min_us = row->lat_median_us = row->lat_p99_us = row->lat_max_us =
			row->lat_avg_us = NAN;
		return;
	}
	row->lat_median_us = ib_bench_median(rtt_ns, n) / 2e3; /* sorts */
	for (uint64_t i = 0; i < n; i++)
		sum += rtt_ns[i];
	/* one-way latency, as ib_send_lat reports it: half the round trip */
	row->lat_min_us = rtt_ns[0] / 2e3;
	row->lat_p99_us = rtt_ns[(size_t)ceil(0.99 * (double)n) - 1] / 2e3;
	row->lat_max_us = rtt_ns[n - 1] / 2e3;
	row->lat_avg_us = sum / (double)n / 2e3;
}

/*
 * One process drives both ends: pinger a (side 0) and ponger b (side 1).
 * In client/server runs b is NULL here and the peer pongs on its own.
 */
int ib_bench_ep_lat_run(struct ib_bench_ep *a, struct ib_bench_ep *b, size_t size,
			const struct ib_bench_opts *o, ib_bench_cancel_fn cancel, void *ud,
			struct ib_bench_row *row, char *err, size_t errlen)
{
	uint64_t warm = o->warmup_iters, total, cap, n = 0, it = 0;
	bool by_time = o->iters == 0;
	double *rtt;
	int64_t tsend = 0, tstart = 0, last;
	unsigned spins = 0, empty = 0;
	int r = 0;
	bool waiting = false;

	cap = by_time ? IB_BENCH_EP_LAT_SAMPLES_MAX : o->iters;
	total = by_time ? UINT64_MAX : warm + o->iters;
	rtt = malloc(cap * sizeof(*rtt));
	if (!rtt)
		return ib_bench_ep_fail(err, errlen, -ENOMEM, "no memory for %llu latency samples",
					(unsigned long long)cap);
	r = ib_bench_ep_lat_fill_recv(a, err, errlen);
	if (r == 0 && b)
		r = ib_bench_ep_lat_fill_recv(b, err, errlen);
	last = hw_verbs_now_ns(a->ctx);
	while (r == 0 && it < total) {
		struct hw_verbs_ctx *ctxs[2] = { a->ctx, b && b->ctx != a->ctx ? b->ctx : NULL };
		int64_t now;
		int polled = 0;

		if (!waiting) {
			/* later pings leave when the previous reply came (see below) */
			if (it == 0)
				tsend = hw_verbs_now_ns(a->ctx);
			if (it == warm)
				tstart = tsend;
			r = ib_bench_ep_lat_post_send(a, size, it, err, errlen);
			waiting = true;
		}
		for (int c = 0; c < 2 && r == 0 && ctxs[c]; c++) {
			struct hw_verbs_wc wc[16];
			int got = hw_verbs_poll(ctxs[c], wc, 16);

			if (got < 0) {
				r = ib_bench_ep_fail(err, errlen, got,
						     "polling the completion queue failed");
				break;
			}
			polled += got;
			for (int k = 0; k < got && r == 0; k++) {
				int side = ib_bench_ep_wr_side(wc[k].wr_id);
				enum wr_kind kind = ib_bench_ep_wr_kind(wc[k].wr_id);
				struct ib_bench_ep *e = side == 0 ? a : b;

				if (wc[k].status) {
					r = ib_bench_ep_fail(err, errlen, -EIO,
							     "%s completed with '%s'",
							     kind == WR_RECV ? "receive" : "send",
							     hw_verbs_wc_status_str(wc[k].status));
					break;
				}
				if (kind != WR_RECV || !e)
					continue;
				e->rq_posted--;
				r = ib_bench_ep_lat_post_recv(e, err, errlen);
				if (r)
					break;
				if (side == 1) {
					/* pong */
					r = ib_bench_ep_lat_post_send(b, size, 0, err, errlen);
					continue;
				}
				now = hw_verbs_now_ns(a->ctx);
				if (it >= warm && n < cap)
					rtt[n++] = (double)(now - tsend);
				/*
				 * The next ping goes out right away: one clock read
				 * per round trip, as perftest times consecutive posts.
				 * A second read would add its own cost, a system call
				 * where the clock source has no vDSO (HPET in a VM).
				 */
				tsend = now;
				it++;
				waiting = false;
				last = now;
				/* by time: stop when the time is up or the sample store is full */
				if (by_time && it >= warm &&
				    (now - tstart >= o->duration_ns || n >= cap))
					total = it;
			}
		}
		if (r)
			break;
		if (waiting)
			ib_bench_ep_idle(&empty, polled);
		/* the timeout and cancel checks need the clock: not on every spin */
		if (!waiting || (++spins & IB_BENCH_EP_SPIN_CHECK_MASK) != 0)
			continue;
		now = hw_verbs_now_ns(a->ctx);
		if (now - last > o->timeout_ns)
			r = ib_bench_ep_fail(err, errlen, -ETIMEDOUT, "no reply for %lld ms",
					     (long long)(o->timeout_ns / 1000000));
		else if (cancel && cancel(ud))
			r = ib_bench_ep_fail(err, errlen, -ECANCELED, "cancelled");
	}
	if (r == 0)
		ib_bench_ep_lat_row(rtt, n, size, (double)(hw_verbs_now_ns(a->ctx) - tstart) / 1e9,
				    row);
	free(rtt);
	return r;
}

/* The peer pongs until the client's RESULT arrives on the TCP connection. */
int ib_bench_ep_lat_pong(struct ib_bench_ep *b, size_t size, int oob_fd,
			 const struct ib_bench_opts *o, char *err, size_t errlen)
{
	int64_t last = hw_verbs_now_ns(b->ctx), now;
	unsigned loops = 0, empty = 0;
	bool ponged = false;
	int r = 0;

	r = ib_bench_ep_lat_fill_recv(b, err, errlen);
	while (r == 0) {
		struct hw_verbs_wc wc[16];
		int got = hw_verbs_poll(b->ctx, wc, 16);

		if (got < 0)
			return ib_bench_ep_fail(err, errlen, got,
						"polling the completion queue failed");
		for (int k = 0; k < got && r == 0; k++) {
			if (wc[k].status)
				return ib_bench_ep_fail(err, errlen, -EIO, "completion with '%s'",
							hw_verbs_wc_status_str(wc[k].status));
			if (ib_bench_ep_wr_kind(wc[k].wr_id) != WR_RECV)
				continue;
			b->rq_posted--;
			r = ib_bench_ep_lat_post_recv(b, err, errlen);
			if (r == 0)
				r = ib_bench_ep_lat_post_send(b, size, 0, err, errlen);
			ponged = true; /* the clock is read below, off the reply's path */
		}
		ib_bench_ep_idle(&empty, got);
		if (got == 0 && (++loops & IB_BENCH_EP_SPIN_CHECK_MASK) == 0) {
			struct pollfd pf = { .fd = oob_fd, .events = POLLIN };

			if (poll(&pf, 1, 0) > 0)
				return 0; /* the client is done with this round */
			now = hw_verbs_now_ns(b->ctx);
			if (ponged)
				last = now;
			else if (now - last > o->timeout_ns)
				return ib_bench_ep_fail(err, errlen, -ETIMEDOUT,
							"the client stopped pinging");
			ponged = false;
		}
	}
	return r;
}

int ib_bench_ep_memlock_check(struct hw *hw, size_t buflen, int endpoints, char *err,
			      size_t errlen)
{
	struct hw_verbs_memlock m;
	char hint[512];
	int r = hw_verbs_memlock_get(hw, &m);

	if (r < 0)
		return 0; /* unknown: the registration itself will tell */
	if (ib_preflight_memlock(ib_preflight_memlock_need(buflen, endpoints), &m, hint,
				 sizeof(hint)) == IB_PREFLIGHT_OK)
		return 0;
	return ib_bench_ep_fail(err, errlen, -ENOMEM, "%s", hint);
}

size_t ib_bench_ep_buf_len(const struct ib_bench_opts *o)
{
	size_t max = 0;

	for (int i = 0; i < o->nsizes; i++)
		if (o->sizes[i] > max)
			max = o->sizes[i];
	/* first half sends from, second half is written/received into */
	return 2 * max;
}
