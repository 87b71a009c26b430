/* ib_bench.c - RC WRITE bandwidth, SEND/RECV latency over hw/verbs: loopback or client/server. */
#include "drivers/ib_bench.h"
#include "drivers/ib_port.h"

#include "drivers/ib_bench_oob.h"
#include "hw/hw.h"
#include "hw/verbs.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_ITERS_BW_DEFAULT	5000 /* ib_write_bw's default */
#define BENCH_ITERS_LAT_DEFAULT 1000 /* ib_send_lat's default */
#define BENCH_SIZE_BW_DEFAULT	65536
#define BENCH_TX_DEPTH_DEFAULT	128
#define BENCH_RX_DEPTH		64
/*
 * Latency sends ask for a completion only every this many: a completion per
 * ping is work on the reply's path (rxe builds it in the kernel) that
 * ib_send_lat does not do either.  At most half the send queue (ep_open).
 */
#define BENCH_LAT_SIGNAL_EVERY	32
#define BENCH_LAT_SAMPLES_MAX	IB_BENCH_LAT_ITERS_MAX
#define BENCH_ACCEPT_NS		60000000000LL

/* wr_id: side in bits 63..62, kind in 61..60, a sequence number below */
#define WR_SIDE_SHIFT 62
#define WR_KIND_SHIFT 60
#define WR_SEQ_MASK   ((1ULL << WR_KIND_SHIFT) - 1)
enum wr_kind { WR_WRITE = 0, WR_SEND = 1, WR_RECV = 2 };

static uint64_t wr_id_make(int side, enum wr_kind kind, uint64_t seq)
{
	return (uint64_t)side << WR_SIDE_SHIFT | (uint64_t)kind << WR_KIND_SHIFT |
	       (seq & WR_SEQ_MASK);
}

static int wr_side(uint64_t id)
{
	return (int)(id >> WR_SIDE_SHIFT);
}

static enum wr_kind wr_kind_of(uint64_t id)
{
	return (enum wr_kind)((id >> WR_KIND_SHIFT) & 3);
}

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen && !err[0]) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* ---- options ---- */

void ib_bench_opts_defaults(struct ib_bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->test = IB_BENCH_WRITE_BW;
	o->role = IB_BENCH_LOOPBACK;
	o->port = 1;
	o->gid_index = -1;
	o->sizes[0] = BENCH_SIZE_BW_DEFAULT;
	o->nsizes = 1;
	o->iters = 0; /* decided after parsing: the default depends on the test */
	o->duration_ns = 0;
	o->warmup_ns = 500000000LL;
	o->cooldown_ns = 500000000LL;
	o->tcp_port = IB_BENCH_TCP_PORT_DEFAULT;
	o->timeout_ns = 10000000000LL;
	o->tx_depth = BENCH_TX_DEPTH_DEFAULT;
	o->ceiling_gbps = NAN;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	/* K/M suffixes in binary units, as message sizes are */
	if (*end == 'K' || *end == 'k') {
		if (v > UINT64_MAX >> 10)
			return -ERANGE;
		v <<= 10;
		end++;
	} else if (*end == 'M' || *end == 'm') {
		if (v > UINT64_MAX >> 20)
			return -ERANGE;
		v <<= 20;
		end++;
	}
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* "2s", "500ms", "1.5s", "1m", "1h"; bare numbers are seconds; 1 ms to 1 h, both included. */
static int parse_dur(const char *s, int64_t *out)
{
	char *end;
	double v, mult = 1e9;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v > 0))
		return -EINVAL;
	if (strcmp(end, "ms") == 0)
		mult = 1e6;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60e9;
	else if (strcmp(end, "h") == 0)
		mult = 3600e9;
	else if (strcmp(end, "s") != 0 && *end)
		return -EINVAL;
	if (v * mult > 3600e9 || v * mult < 1e6)
		return -ERANGE;
	*out = (int64_t)(v * mult);
	return 0;
}

/* NAME or NAME:PORT */
static int parse_dev(const char *s, char *dev, size_t devlen, int *port)
{
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	uint64_t p;

	if (n == 0 || n >= devlen || memchr(s, '/', n))
		return -EINVAL;
	memcpy(dev, s, n);
	dev[n] = '\0';
	if (colon) {
		if (parse_u64(colon + 1, 1, 255, &p) < 0)
			return -EINVAL;
		*port = (int)p;
	}
	return 0;
}

static bool host_ok(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n >= IB_BENCH_HOST_MAX || h[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(h[i] == '.' || h[i] == ':' || h[i] == '-' || h[i] == '_' || h[i] == '%' ||
		      (h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'z') ||
		      (h[i] >= 'A' && h[i] <= 'Z')))
			return false;
	return true;
}

/* "4K,64K,1M": each size 2 B .. 8 MiB, at most IB_BENCH_SIZES_MAX of them. */
static int parse_size_list(const char *val, struct ib_bench_opts *o)
{
	char buf[256], *tok, *save = NULL;
	uint64_t v;

	/* strtok_r would skip empty items: "4K,,1M" is a typo, not two sizes */
	if (!val[0] || strlen(val) >= sizeof(buf) || val[0] == ',' || strstr(val, ",,") ||
	    val[strlen(val) - 1] == ',')
		return -EINVAL;
	memcpy(buf, val, strlen(val) + 1);
	o->nsizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->nsizes >= IB_BENCH_SIZES_MAX ||
		    parse_u64(tok, IB_BENCH_SIZE_MIN, IB_BENCH_SIZE_MAX, &v) < 0)
			return -EINVAL;
		o->sizes[o->nsizes++] = (size_t)v;
	}
	return o->nsizes > 0 ? 0 : -EINVAL;
}

int ib_bench_opts_parse(struct ib_bench_opts *o, int argc, char *const *argv, char *err,
			size_t errlen)
{
	bool size_set = false, iters_set = false, dur_set = false, server = false;
	uint64_t v;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;

		if (strcmp(a, "--lat") == 0) {
			o->test = IB_BENCH_SEND_LAT;
			takes = false;
		} else if (strcmp(a, "--bidir") == 0) {
			o->bidir = true;
			takes = false;
		} else if (strcmp(a, "--server") == 0) {
			o->role = IB_BENCH_SERVER;
			server = true;
			takes = false;
		} else if (!val) {
			return fail(err, errlen, -EINVAL,
				    "unknown option or missing value: '%.64s'", a);
		} else if (strcmp(a, "--size") == 0) {
			if (parse_u64(val, IB_BENCH_SIZE_MIN, IB_BENCH_SIZE_MAX, &v) < 0)
				return fail(err, errlen, -EINVAL,
					    "--size: 2 to 8M bytes (K and M suffixes allowed)");
			o->sizes[0] = (size_t)v;
			o->nsizes = 1;
			size_set = true;
		} else if (strcmp(a, "--sizes") == 0) {
			o->nsizes = 0;
			size_set = true;
			if (strcmp(val, "all") == 0) {
				for (size_t s = IB_BENCH_SIZE_MIN; s <= IB_BENCH_SIZE_MAX; s <<= 1)
					o->sizes[o->nsizes++] = s;
			} else if (parse_size_list(val, o) < 0) {
				return fail(err, errlen, -EINVAL,
					    "--sizes: 'all' or a list such as 4K,64K,1M (at most"
					    " %d sizes, each 2 to 8M bytes)",
					    IB_BENCH_SIZES_MAX);
			}
		} else if (strcmp(a, "--iters") == 0) {
			if (parse_u64(val, 1, IB_BENCH_ITERS_MAX, &v) < 0)
				return fail(err, errlen, -EINVAL, "--iters: 1 to %llu",
					    (unsigned long long)IB_BENCH_ITERS_MAX);
			o->iters = v;
			iters_set = true;
		} else if (strcmp(a, "--duration") == 0) {
			if (parse_dur(val, &o->duration_ns) < 0)
				return fail(err, errlen, -EINVAL,
					    "--duration: 1ms to 1h, such as 500ms, 5s, 10m or 1h");
			dur_set = true;
		} else if (strcmp(a, "--client") == 0) {
			if (!host_ok(val))
				return fail(err, errlen, -EINVAL,
					    "--client: not a host name or address");
			snprintf(o->host, sizeof(o->host), "%s", val);
			o->role = IB_BENCH_CLIENT;
		} else if (strcmp(a, "--port") == 0) {
			if (parse_u64(val, 1, 65535, &v) < 0)
				return fail(err, errlen, -EINVAL, "--port: a TCP port 1-65535");
			o->tcp_port = (int)v;
		} else if (strcmp(a, "--dev") == 0) {
			if (parse_dev(val, o->dev, sizeof(o->dev), &o->port) < 0)
				return fail(err, errlen, -EINVAL, "--dev: NAME or NAME:PORT");
		} else if (strcmp(a, "--dev2") == 0) {
			if (parse_dev(val, o->dev2, sizeof(o->dev2), &o->port2) < 0)
				return fail(err, errlen, -EINVAL, "--dev2: NAME or NAME:PORT");
		} else if (strcmp(a, "--ib-port") == 0) {
			if (parse_u64(val, 1, 255, &v) < 0)
				return fail(err, errlen, -EINVAL, "--ib-port: 1-255");
			o->port = (int)v;
		} else if (strcmp(a, "--gid-index") == 0) {
			if (parse_u64(val, 0, 255, &v) < 0)
				return fail(err, errlen, -EINVAL, "--gid-index: 0-255");
			o->gid_index = (int)v;
		} else if (strcmp(a, "--tx-depth") == 0) {
			if (parse_u64(val, 1, 4096, &v) < 0)
				return fail(err, errlen, -EINVAL, "--tx-depth: 1-4096");
			o->tx_depth = (int)v;
		} else {
			return fail(err, errlen, -EINVAL, "unknown option '%.64s'", a);
		}
		if (takes)
			i++;
	}
	if (iters_set && dur_set)
		return fail(err, errlen, -EINVAL, "--iters and --duration exclude each other");
	if (server && o->host[0])
		return fail(err, errlen, -EINVAL, "--server and --client exclude each other");
	if (o->role != IB_BENCH_LOOPBACK && o->dev2[0])
		return fail(err, errlen, -EINVAL, "--dev2 is for loopback runs only");
	if (o->test == IB_BENCH_SEND_LAT && o->bidir)
		return fail(err, errlen, -EINVAL, "--bidir is for bandwidth runs");
	if (o->test == IB_BENCH_SEND_LAT && !size_set) {
		o->sizes[0] = IB_BENCH_SIZE_MIN;
		o->nsizes = 1;
	}
	if (o->test == IB_BENCH_SEND_LAT && o->iters > IB_BENCH_LAT_ITERS_MAX)
		return fail(err, errlen, -EINVAL, "--lat: at most %llu iterations",
			    (unsigned long long)IB_BENCH_LAT_ITERS_MAX);
	if (!dur_set && !iters_set)
		o->iters = o->test == IB_BENCH_SEND_LAT ? BENCH_ITERS_LAT_DEFAULT
							: BENCH_ITERS_BW_DEFAULT;
	if (dur_set) {
		o->iters = 0;
		/* short runs get proportionally short margins */
		if (o->warmup_ns > o->duration_ns / 4)
			o->warmup_ns = o->cooldown_ns = o->duration_ns / 4;
	} else {
		o->warmup_iters = o->iters / 10 < 1000 ? o->iters / 10 : 1000;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank quantile; sorts v in place. */
double ib_bench_quantile(double *v, size_t n, double q)
{
	size_t k;

	if (n == 0 || !(q >= 0.0 && q <= 1.0))
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	k = (size_t)ceil(q * (double)n);
	if (k > 0)
		k--;
	if (k >= n)
		k = n - 1;
	return v[k];
}

/* ---- endpoints ---- */

struct ep {
	struct hw_verbs_ctx *ctx;
	bool ctx_shared; /* the other side's context (single-port loopback) */
	struct hw_verbs_mr *mr;
	struct hw_verbs_qp *qp;
	uint64_t raddr; /* the peer's buffer */
	uint32_t rkey;
	int side;
	int rq_posted;	  /* receives on the queue pair, kept across rounds */
	unsigned lat_sends; /* latency sends posted, for selective signalling */
	unsigned lat_signal_every;
};

static void ep_close(struct ep *e)
{
	hw_verbs_qp_destroy(e->qp);
	hw_verbs_mr_dereg(e->mr);
	if (!e->ctx_shared)
		hw_verbs_close(e->ctx);
	memset(e, 0, sizeof(*e));
}

static int ep_open(struct hw *hw, const char *dev, int port, const struct ib_bench_opts *o,
		   size_t buflen, struct hw_verbs_ctx *shared, struct ep *e, char *err,
		   size_t errlen)
{
	struct hw_ib_port_attr a;
	int r;

	/* a port that is not ACTIVE would only time out later: say why now */
	r = hw_ib_port_query(hw, dev, port, &a);
	if (r == 0 && a.state != 4)
		return fail(err, errlen, -ENETDOWN, "%s port %d is %s: %s", dev, port,
			    ib_port_state_name(a.state), ib_port_state_hint(&a));
	if (shared) {
		e->ctx = shared;
		e->ctx_shared = true;
	} else {
		r = hw_verbs_open(hw, dev, port, o->gid_index,
				  2 * (o->tx_depth + BENCH_RX_DEPTH) + 16, &e->ctx, err, errlen);
		if (r < 0)
			return r;
	}
	r = hw_verbs_mr_reg(e->ctx, buflen, &e->mr);
	if (r < 0)
		return fail(err, errlen, r, "%s: cannot register a %zu-byte buffer: %s", dev,
			    buflen, strerror(-r));
	r = hw_verbs_qp_create(e->ctx, o->tx_depth + 1, BENCH_RX_DEPTH, &e->qp);
	if (r < 0)
		return fail(err, errlen, r, "%s: cannot create an RC queue pair: %s", dev,
			    strerror(-r));
	/* a batch and the next one must fit the send queue until the batch's completion is polled */
	e->lat_signal_every = (unsigned)(o->tx_depth + 1) / 2;
	if (e->lat_signal_every > BENCH_LAT_SIGNAL_EVERY)
		e->lat_signal_every = BENCH_LAT_SIGNAL_EVERY;
	if (e->lat_signal_every < 1)
		e->lat_signal_every = 1;
	return 0;
}

/* ---- bandwidth ---- */

struct bw_stream {
	struct ep *e;
	size_t size;
	uint64_t posted, completed, total;
	uint64_t sig_every;
	/* iteration mode: signal exactly where measuring starts and ends */
	uint64_t mark_a, mark_b;
	bool measuring, measured;
	int64_t t_start, t_end;
	uint64_t c_start, c_end;
};

struct bw_plan {
	uint64_t warm, iters, cool; /* iteration mode */
	int64_t warm_ns, dur_ns, cool_ns;
	bool by_time;
	int tx_depth;
	int64_t timeout_ns;
};

static void bw_stream_init(struct bw_stream *s, struct ep *e, size_t size, const struct bw_plan *p)
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

/*
 * Post at most one signalling interval per call, so the caller polls in
 * between: a soft provider (rxe) does the whole transfer inside the post
 * call, and completions found only after a full queue's worth of posts
 * would all carry one timestamp (a zero-length measured interval).
 */
static int bw_post(struct bw_stream *s, const struct bw_plan *p, char *err, size_t errlen)
{
	uint64_t burst = 0;

	while (s->posted < s->total && s->posted - s->completed < (uint64_t)p->tx_depth &&
	       burst++ < s->sig_every) {
		uint64_t n = s->posted + 1;
		bool sig =
			n % s->sig_every == 0 || n == s->total || n == s->mark_a || n == s->mark_b;
		int r = hw_verbs_post_write(s->e->qp, s->e->mr, 0, s->size, s->e->raddr, s->e->rkey,
					    wr_id_make(s->e->side, WR_WRITE, n), sig);

		if (r == -ENOMEM)
			break; /* send queue full: wait for completions */
		if (r < 0)
			return fail(err, errlen, r, "posting an RDMA WRITE failed: %s",
				    strerror(-r));
		s->posted = n;
	}
	return 0;
}

/* Bookkeeping after completions moved s->completed at time now. */
static void bw_mark(struct bw_stream *s, const struct bw_plan *p, int64_t t0, int64_t now)
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

static bool bw_done(const struct bw_stream *s)
{
	return s->completed >= s->total && s->measured;
}

/* Run one or two streams to completion; the contexts to poll are those of the streams. */
static int bw_run(struct bw_stream *st, int n, const struct bw_plan *p, ib_bench_cancel_fn cancel,
		  void *ud, char *err, size_t errlen)
{
	struct hw_verbs_ctx *ctxs[2] = { st[0].e->ctx, n > 1 ? st[1].e->ctx : NULL };
	int nctx = (n > 1 && ctxs[1] != ctxs[0]) ? 2 : 1;
	int64_t t0 = hw_verbs_now_ns(ctxs[0]), last_progress = t0;
	unsigned loops = 0;

	for (;;) {
		bool all_done = true;
		int64_t now;

		for (int i = 0; i < n; i++) {
			int r = bw_post(&st[i], p, err, errlen);

			if (r < 0)
				return r;
		}
		for (int c = 0; c < nctx; c++) {
			struct hw_verbs_wc wc[16];
			int got = hw_verbs_poll(ctxs[c], wc, 16);

			if (got < 0)
				return fail(err, errlen, got,
					    "polling the completion queue failed");
			for (int k = 0; k < got; k++) {
				int side = wr_side(wc[k].wr_id);

				if (wc[k].status)
					return fail(err, errlen, -EIO,
						    "RDMA WRITE completed with '%s'",
						    hw_verbs_wc_status_str(wc[k].status));
				for (int i = 0; i < n; i++)
					if (st[i].e->side == side &&
					    wr_kind_of(wc[k].wr_id) == WR_WRITE)
						st[i].completed = wc[k].wr_id & WR_SEQ_MASK;
			}
			if (got > 0)
				last_progress = hw_verbs_now_ns(ctxs[c]);
		}
		now = hw_verbs_now_ns(ctxs[0]);
		for (int i = 0; i < n; i++) {
			bw_mark(&st[i], p, t0, now);
			all_done = all_done && bw_done(&st[i]);
		}
		if (all_done)
			return 0;
		if (now - last_progress > p->timeout_ns)
			return fail(err, errlen, -ETIMEDOUT,
				    "no completion for %lld ms (link down, or the peer left?)",
				    (long long)(p->timeout_ns / 1000000));
		if ((++loops & 1023) == 0 && cancel && cancel(ud))
			return fail(err, errlen, -ECANCELED, "cancelled");
	}
}

static void bw_row(const struct bw_stream *s, struct ib_bench_row *row)
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

static void plan_make(const struct ib_bench_opts *o, struct bw_plan *p)
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

static int lat_post_recv(struct ep *e, char *err, size_t errlen)
{
	/*
	 * Receives land in the second half of the buffer, sends leave from the
	 * first; a receive takes the largest size, as it may outlive its round.
	 */
	size_t half = hw_verbs_mr_len(e->mr) / 2;
	int r = hw_verbs_post_recv(e->qp, e->mr, half, half, wr_id_make(e->side, WR_RECV, 0));

	if (r < 0)
		return fail(err, errlen, r, "posting a receive failed: %s", strerror(-r));
	e->rq_posted++;
	return 0;
}

static int lat_fill_recv(struct ep *e, char *err, size_t errlen)
{
	int r = 0;

	while (r == 0 && e->rq_posted < BENCH_RX_DEPTH / 2)
		r = lat_post_recv(e, err, errlen);
	return r;
}

static int lat_post_send(struct ep *e, size_t size, uint64_t seq, char *err, size_t errlen)
{
	/* the signalled one retires the unsignalled sends before it from the send queue */
	bool signaled = ++e->lat_sends % e->lat_signal_every == 0;
	int r = hw_verbs_post_send(e->qp, e->mr, 0, size, wr_id_make(e->side, WR_SEND, seq),
				   signaled);

	return r < 0 ? fail(err, errlen, r, "posting a send failed: %s", strerror(-r)) : 0;
}

static void lat_row(double *rtt_ns, uint64_t n, size_t size, double secs, struct ib_bench_row *row)
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
	row->lat_median_us = ib_bench_quantile(rtt_ns, n, 0.5) / 2e3; /* sorts */
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
static int lat_run(struct ep *a, struct ep *b, size_t size, const struct ib_bench_opts *o,
		   ib_bench_cancel_fn cancel, void *ud, struct ib_bench_row *row, char *err,
		   size_t errlen)
{
	uint64_t warm = o->warmup_iters, total, cap, n = 0, it = 0;
	bool by_time = o->iters == 0;
	double *rtt;
	int64_t tsend = 0, tstart = 0, last;
	unsigned spins = 0;
	int r = 0;
	bool waiting = false;

	cap = by_time ? BENCH_LAT_SAMPLES_MAX : o->iters;
	total = by_time ? UINT64_MAX : warm + o->iters;
	rtt = malloc(cap * sizeof(*rtt));
	if (!rtt)
		return fail(err, errlen, -ENOMEM, "no memory for %llu latency samples",
			    (unsigned long long)cap);
	r = lat_fill_recv(a, err, errlen);
	if (r == 0 && b)
		r = lat_fill_recv(b, err, errlen);
	last = hw_verbs_now_ns(a->ctx);
	while (r == 0 && it < total) {
		struct hw_verbs_ctx *ctxs[2] = { a->ctx, b && b->ctx != a->ctx ? b->ctx : NULL };
		int64_t now;

		if (!waiting) {
			/* later pings leave when the previous reply came (see below) */
			if (it == 0)
				tsend = hw_verbs_now_ns(a->ctx);
			if (it == warm)
				tstart = tsend;
			r = lat_post_send(a, size, it, err, errlen);
			waiting = true;
		}
		for (int c = 0; c < 2 && r == 0 && ctxs[c]; c++) {
			struct hw_verbs_wc wc[16];
			int got = hw_verbs_poll(ctxs[c], wc, 16);

			if (got < 0) {
				r = fail(err, errlen, got, "polling the completion queue failed");
				break;
			}
			for (int k = 0; k < got && r == 0; k++) {
				int side = wr_side(wc[k].wr_id);
				enum wr_kind kind = wr_kind_of(wc[k].wr_id);
				struct ep *e = side == 0 ? a : b;

				if (wc[k].status) {
					r = fail(err, errlen, -EIO, "%s completed with '%s'",
						 kind == WR_RECV ? "receive" : "send",
						 hw_verbs_wc_status_str(wc[k].status));
					break;
				}
				if (kind != WR_RECV || !e)
					continue;
				e->rq_posted--;
				r = lat_post_recv(e, err, errlen);
				if (r)
					break;
				if (side == 1) {
					/* pong */
					r = lat_post_send(b, size, 0, err, errlen);
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
		/* the timeout and cancel checks need the clock: not on every spin */
		if (!waiting || (++spins & 255) != 0)
			continue;
		now = hw_verbs_now_ns(a->ctx);
		if (now - last > o->timeout_ns)
			r = fail(err, errlen, -ETIMEDOUT, "no reply for %lld ms",
				 (long long)(o->timeout_ns / 1000000));
		else if (cancel && cancel(ud))
			r = fail(err, errlen, -ECANCELED, "cancelled");
	}
	if (r == 0)
		lat_row(rtt, n, size, (double)(hw_verbs_now_ns(a->ctx) - tstart) / 1e9, row);
	free(rtt);
	return r;
}

/* The peer pongs until the client's RESULT arrives on the TCP connection. */
static int lat_pong(struct ep *b, size_t size, int oob_fd, const struct ib_bench_opts *o, char *err,
		    size_t errlen)
{
	int64_t last = hw_verbs_now_ns(b->ctx), now;
	unsigned loops = 0;
	bool ponged = false;
	int r = 0;

	r = lat_fill_recv(b, err, errlen);
	while (r == 0) {
		struct hw_verbs_wc wc[16];
		int got = hw_verbs_poll(b->ctx, wc, 16);

		if (got < 0)
			return fail(err, errlen, got, "polling the completion queue failed");
		for (int k = 0; k < got && r == 0; k++) {
			if (wc[k].status)
				return fail(err, errlen, -EIO, "completion with '%s'",
					    hw_verbs_wc_status_str(wc[k].status));
			if (wr_kind_of(wc[k].wr_id) != WR_RECV)
				continue;
			b->rq_posted--;
			r = lat_post_recv(b, err, errlen);
			if (r == 0)
				r = lat_post_send(b, size, 0, err, errlen);
			ponged = true; /* the clock is read below, off the reply's path */
		}
		if (got == 0 && (++loops & 255) == 0) {
			struct pollfd pf = { .fd = oob_fd, .events = POLLIN };

			if (poll(&pf, 1, 0) > 0)
				return 0; /* the client is done with this round */
			now = hw_verbs_now_ns(b->ctx);
			if (ponged)
				last = now;
			else if (now - last > o->timeout_ns)
				return fail(err, errlen, -ETIMEDOUT, "the client stopped pinging");
			ponged = false;
		}
	}
	return r;
}

/* ---- loopback ---- */

struct ponger {
	struct ep *b;
	size_t size;
	int fd; /* readable: the round is over */
	const struct ib_bench_opts *o;
	int r;
	char err[160];
};

static void *ponger_main(void *arg)
{
	struct ponger *p = arg;

	p->r = lat_pong(p->b, p->size, p->fd, p->o, p->err, sizeof(p->err));
	return NULL;
}

/*
 * Loopback latency on a real device: the ponging end runs in its own thread
 * on its own completion queue, as the far end of a cable is another host.
 * One thread driving both ends serialises work that two ends overlap (rxe
 * does a whole transfer inside the posting system call): it measured 2-byte
 * one-way latency on rxe at 1.8 times ib_send_lat's.
 */
static int lat_run_threaded(struct ep *a, struct ep *b, size_t size,
			    const struct ib_bench_opts *o, ib_bench_cancel_fn cancel, void *ud,
			    struct ib_bench_row *row, char *err, size_t errlen)
{
	struct ponger p = { .b = b, .size = size, .o = o };
	pthread_t th;
	int pfd[2], r;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return fail(err, errlen, -errno, "pipe: %s", strerror(errno));
	p.fd = pfd[0];
	/* receives first, or the first ping meets an empty queue (an RNR wait) */
	r = lat_fill_recv(b, err, errlen);
	if (r == 0) {
		r = -pthread_create(&th, NULL, ponger_main, &p);
		if (r < 0)
			fail(err, errlen, r, "cannot start the ponging thread: %s", strerror(-r));
	}
	if (r == 0) {
		r = lat_run(a, NULL, size, o, cancel, ud, row, err, errlen);
		if (write(pfd[1], "", 1) != 1) {
			/* cannot happen on a fresh pipe; the ponger then ends on its timeout */
		}
		pthread_join(th, NULL);
		if (r == -ETIMEDOUT && p.r < 0 && p.err[0])
			snprintf(err, errlen, "the ponging end failed: %s", p.err);
	}
	close(pfd[0]);
	close(pfd[1]);
	return r;
}

static void qp_cross_connect_info(struct ep *e, const struct ep *peer)
{
	e->raddr = hw_verbs_mr_addr(peer->mr) + hw_verbs_mr_len(peer->mr) / 2;
	e->rkey = hw_verbs_mr_rkey(peer->mr);
}

static size_t buf_len_for(const struct ib_bench_opts *o)
{
	size_t max = 0;

	for (int i = 0; i < o->nsizes; i++)
		if (o->sizes[i] > max)
			max = o->sizes[i];
	/* first half sends from, second half is written/received into */
	return 2 * max;
}

static int run_loopback(struct hw *hw, const struct ib_bench_opts *o, struct ib_bench_report *rep,
			ib_bench_cancel_fn cancel, void *ud, char *err, size_t errlen)
{
	struct ep a = { .side = 0 }, b = { .side = 1 };
	struct hw_verbs_qp_info ia, ib;
	bool same = strcmp(rep->dev, rep->dev2) == 0 && rep->port == rep->port2;
	/* the simulated fabric lives on this thread: one thread, one context there */
	bool threaded = o->test == IB_BENCH_SEND_LAT && !rep->simulated;
	size_t buflen = buf_len_for(o);
	struct bw_plan plan;
	int r;

	r = ep_open(hw, rep->dev, rep->port, o, buflen, NULL, &a, err, errlen);
	if (r == 0)
		r = ep_open(hw, rep->dev2, rep->port2, o, buflen, same && !threaded ? a.ctx : NULL,
			    &b, err, errlen);
	if (r < 0)
		goto out;
	rep->qp_caps = *hw_verbs_qp_caps(a.qp);
	hw_verbs_qp_local(a.qp, &ia);
	hw_verbs_qp_local(b.qp, &ib);
	r = hw_verbs_qp_connect(a.qp, &ib, err, errlen);
	if (r == 0)
		r = hw_verbs_qp_connect(b.qp, &ia, err, errlen);
	if (r < 0)
		goto out;
	qp_cross_connect_info(&a, &b);
	qp_cross_connect_info(&b, &a);
	plan_make(o, &plan);
	for (int i = 0; i < o->nsizes && r == 0; i++) {
		struct ib_bench_row *row = &rep->rows[rep->nrows];

		if (o->test == IB_BENCH_SEND_LAT && threaded) {
			r = lat_run_threaded(&a, &b, o->sizes[i], o, cancel, ud, row, err, errlen);
		} else if (o->test == IB_BENCH_SEND_LAT) {
			r = lat_run(&a, &b, o->sizes[i], o, cancel, ud, row, err, errlen);
		} else {
			struct bw_stream st[2];

			bw_stream_init(&st[0], &a, o->sizes[i], &plan);
			bw_stream_init(&st[1], &b, o->sizes[i], &plan);
			r = bw_run(st, o->bidir ? 2 : 1, &plan, cancel, ud, err, errlen);
			if (r == 0) {
				struct ib_bench_row rev;

				bw_row(&st[0], row);
				if (o->bidir) {
					bw_row(&st[1], &rev);
					row->gbps_reverse = rev.gbps;
				}
			}
		}
		if (r == 0)
			rep->nrows++;
	}
out:
	ep_close(&b);
	ep_close(&a);
	return r;
}

/* ---- client / server ---- */

static void qp_msg_fill(const struct ep *e, struct ib_oob_msg *m)
{
	struct hw_verbs_qp_info in;

	hw_verbs_qp_local(e->qp, &in);
	memset(m, 0, sizeof(*m));
	m->type = IB_OOB_QP;
	m->flags = in.global ? IB_OOB_F_GLOBAL : 0;
	m->qpn = in.qpn;
	m->psn = in.psn;
	m->lid = in.lid;
	m->mtu = (uint8_t)in.mtu;
	memcpy(m->gid, in.gid, 16);
	m->rkey = hw_verbs_mr_rkey(e->mr);
	m->addr = hw_verbs_mr_addr(e->mr) + hw_verbs_mr_len(e->mr) / 2;
	m->len = hw_verbs_mr_len(e->mr) / 2;
}

static int qp_msg_apply(struct ep *e, const struct ib_oob_msg *m, size_t max_size, char *err,
			size_t errlen)
{
	struct hw_verbs_qp_info rem = {
		.qpn = m->qpn,
		.psn = m->psn,
		.lid = m->lid,
		.mtu = m->mtu,
		.global = (m->flags & IB_OOB_F_GLOBAL) != 0,
	};

	if (m->len < max_size)
		return fail(err, errlen, -EPROTO,
			    "the peer's buffer (%llu B) is smaller than the"
			    " largest message",
			    (unsigned long long)m->len);
	memcpy(rem.gid, m->gid, 16);
	e->raddr = m->addr;
	e->rkey = m->rkey;
	return hw_verbs_qp_connect(e->qp, &rem, err, errlen);
}

/*
 * Wait for the peer's next message in one-second slices so a cancel (the
 * daemon shutting down) is noticed, then read it with the normal timeout.
 */
static int oob_wait(int fd, uint16_t type, struct ib_oob_msg *m, int64_t timeout_ns,
		    ib_bench_cancel_fn cancel, void *ud, char *err, size_t errlen)
{
	for (int64_t waited = 0; waited < timeout_ns; waited += 1000000000LL) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int r = poll(&pf, 1, 1000);

		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0)
			return type ? ib_oob_expect(fd, type, m, 1000000000LL, err, errlen)
				    : ib_oob_recv(fd, m, 1000000000LL, err, errlen);
		if (cancel && cancel(ud))
			return fail(err, errlen, -ECANCELED, "cancelled");
	}
	return fail(err, errlen, -ETIMEDOUT, "the peer went quiet");
}

static void send_error(int fd, int r)
{
	struct ib_oob_msg m = { .type = IB_OOB_ERROR, .value = (uint64_t)(r < 0 ? -r : EIO) };

	if (fd >= 0 && m.value > 0 && m.value <= 4095)
		(void)ib_oob_send(fd, &m, 1000000000LL);
}

static int64_t round_timeout(const struct ib_bench_opts *o)
{
	/* a round may take its duration plus margins, or any time for iterations: bound it */
	return o->timeout_ns +
	       (o->iters ? 300000000000LL : o->duration_ns + o->warmup_ns + o->cooldown_ns);
}

static int bw_round(struct ep *e, size_t size, bool send, const struct ib_bench_opts *o,
		    ib_bench_cancel_fn cancel, void *ud, struct ib_bench_row *row, char *err,
		    size_t errlen)
{
	struct bw_plan plan;
	struct bw_stream st;
	int r;

	if (!send) {
		memset(row, 0, sizeof(*row));
		row->size = size;
		row->gbps = row->msg_rate_mpps = NAN;
		return 0;
	}
	plan_make(o, &plan);
	bw_stream_init(&st, e, size, &plan);
	r = bw_run(&st, 1, &plan, cancel, ud, err, errlen);
	if (r == 0)
		bw_row(&st, row);
	return r;
}

static void result_msg(const struct ib_bench_row *row, struct ib_oob_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = IB_OOB_RESULT;
	m->size = (uint32_t)row->size;
	if (isfinite(row->gbps) && row->seconds > 0) {
		m->value = (uint64_t)((double)row->iters * (double)row->size);
		m->elapsed_ns = (uint64_t)(row->seconds * 1e9);
	}
}

static double result_gbps(const struct ib_oob_msg *m)
{
	return m->elapsed_ns ? (double)m->value * 8.0 / (double)m->elapsed_ns : NAN;
}

static int run_client(struct hw *hw, const struct ib_bench_opts *o, struct ib_bench_report *rep,
		      ib_bench_cancel_fn cancel, void *ud, char *err, size_t errlen)
{
	struct ep e = { .side = 0 };
	struct ib_oob_msg m;
	size_t buflen = buf_len_for(o);
	int fd = -1, r;

	r = ib_oob_connect(o->host, o->tcp_port, o->timeout_ns, &fd);
	if (r < 0)
		return fail(err, errlen, r, "cannot reach %s port %d: %s", o->host, o->tcp_port,
			    strerror(-r));
	r = ep_open(hw, rep->dev, rep->port, o, buflen, NULL, &e, err, errlen);
	if (r < 0)
		goto out;
	rep->qp_caps = *hw_verbs_qp_caps(e.qp);
	m = (struct ib_oob_msg){
		.type = IB_OOB_HELLO,
		.flags = (o->bidir ? IB_OOB_F_BIDIR : 0) |
			 (o->test == IB_BENCH_SEND_LAT ? IB_OOB_F_LAT : 0),
		.size = (uint32_t)(buflen / 2),
		.nsizes = (uint32_t)o->nsizes,
		.iters = o->iters,
		.duration_ns = (uint64_t)o->duration_ns,
	};
	r = ib_oob_send(fd, &m, o->timeout_ns);
	if (r == 0) {
		qp_msg_fill(&e, &m);
		r = ib_oob_send(fd, &m, o->timeout_ns);
	}
	if (r == 0)
		r = ib_oob_expect(fd, IB_OOB_QP, &m, o->timeout_ns, err, errlen);
	if (r == 0)
		r = qp_msg_apply(&e, &m, buflen / 2, err, errlen);
	for (int i = 0; i < o->nsizes && r == 0; i++) {
		struct ib_bench_row *row = &rep->rows[rep->nrows];
		struct ib_oob_msg res;

		m = (struct ib_oob_msg){ .type = IB_OOB_READY,
					 .flags = 0,
					 .size = (uint32_t)o->sizes[i],
					 .iters = o->iters,
					 .duration_ns = (uint64_t)o->duration_ns };
		r = ib_oob_send(fd, &m, o->timeout_ns);
		if (r == 0)
			r = ib_oob_expect(fd, IB_OOB_READY, &m, o->timeout_ns, err, errlen);
		if (r < 0)
			break;
		if (o->test == IB_BENCH_SEND_LAT)
			r = lat_run(&e, NULL, o->sizes[i], o, cancel, ud, row, err, errlen);
		else
			r = bw_round(&e, o->sizes[i], true, o, cancel, ud, row, err, errlen);
		if (r < 0)
			break;
		result_msg(row, &res);
		r = ib_oob_send(fd, &res, o->timeout_ns);
		if (r == 0)
			r = oob_wait(fd, IB_OOB_RESULT, &res, round_timeout(o), cancel, ud, err,
				     errlen);
		if (r == 0 && o->bidir)
			row->gbps_reverse = result_gbps(&res);
		if (r == 0)
			rep->nrows++;
	}
	if (r == 0) {
		m = (struct ib_oob_msg){ .type = IB_OOB_DONE };
		(void)ib_oob_send(fd, &m, o->timeout_ns);
	} else {
		send_error(fd, r);
	}
out:
	ep_close(&e);
	close(fd);
	if (r < 0 && err && !err[0])
		snprintf(err, errlen, "%s", strerror(-r));
	return r;
}

static int run_server(struct hw *hw, const struct ib_bench_opts *o, struct ib_bench_report *rep,
		      ib_bench_cancel_fn cancel, void *ud, char *err, size_t errlen)
{
	struct ib_bench_opts so = *o;
	struct ep e = { .side = 1 };
	struct ib_oob_msg m, hello, qpm;
	int lfd = -1, fd = -1, r;

	r = ib_oob_listen(o->tcp_port, &lfd);
	if (r < 0)
		return fail(err, errlen, r, "cannot listen on TCP port %d: %s", o->tcp_port,
			    strerror(-r));
	r = -ETIMEDOUT;
	for (int64_t w = 0; w < BENCH_ACCEPT_NS && r == -ETIMEDOUT; w += 1000000000LL) {
		r = ib_oob_accept(lfd, 1000000000LL, &fd);
		if (r == -ETIMEDOUT && cancel && cancel(ud))
			r = -ECANCELED;
	}
	close(lfd);
	if (r < 0)
		return fail(err, errlen, r, "no client came: %s", strerror(-r));
	r = ib_oob_expect(fd, IB_OOB_HELLO, &hello, o->timeout_ns, err, errlen);
	if (r < 0)
		goto out;
	/* the client decides the test; the server only checks it is sane */
	so.test = hello.flags & IB_OOB_F_LAT ? IB_BENCH_SEND_LAT : IB_BENCH_WRITE_BW;
	so.bidir = (hello.flags & IB_OOB_F_BIDIR) != 0;
	so.iters = hello.iters;
	so.duration_ns = (int64_t)hello.duration_ns;
	so.sizes[0] = hello.size;
	so.nsizes = 1;
	rep->test = so.test;
	rep->bidir = so.bidir;
	r = ep_open(hw, rep->dev, rep->port, &so, 2 * (size_t)hello.size, NULL, &e, err, errlen);
	if (r == 0)
		rep->qp_caps = *hw_verbs_qp_caps(e.qp);
	if (r == 0)
		r = ib_oob_expect(fd, IB_OOB_QP, &qpm, o->timeout_ns, err, errlen);
	if (r == 0)
		r = qp_msg_apply(&e, &qpm, hello.size, err, errlen);
	if (r == 0) {
		qp_msg_fill(&e, &m);
		r = ib_oob_send(fd, &m, o->timeout_ns);
	}
	while (r == 0) {
		struct ib_bench_row *row;
		struct ib_oob_msg res;

		r = oob_wait(fd, 0, &m, round_timeout(&so), cancel, ud, err, errlen);
		if (r < 0 || m.type == IB_OOB_DONE)
			break;
		if (m.type != IB_OOB_READY || m.size > hello.size ||
		    rep->nrows >= (int)hello.nsizes || rep->nrows >= IB_BENCH_SIZES_MAX) {
			r = fail(err, errlen, -EPROTO, "the client broke the protocol");
			break;
		}
		row = &rep->rows[rep->nrows];
		r = ib_oob_send(fd, &m, o->timeout_ns); /* READY back: receives are posted */
		if (r < 0)
			break;
		if (so.test == IB_BENCH_SEND_LAT) {
			r = lat_pong(&e, m.size, fd, &so, err, errlen);
			memset(row, 0, sizeof(*row));
			row->size = m.size;
			row->gbps = row->gbps_reverse = row->msg_rate_mpps = NAN;
			row->lat_min_us = row->lat_median_us = row->lat_p99_us = row->lat_max_us =
				row->lat_avg_us = NAN;
		} else {
			r = bw_round(&e, m.size, so.bidir, &so, cancel, ud, row, err, errlen);
		}
		if (r < 0)
			break;
		r = oob_wait(fd, IB_OOB_RESULT, &res, round_timeout(&so), cancel, ud, err, errlen);
		if (r < 0)
			break;
		/* what the client wrote to us: our reverse direction, or the only one */
		if (so.test == IB_BENCH_WRITE_BW && so.bidir) {
			row->gbps_reverse = result_gbps(&res);
		} else if (so.test == IB_BENCH_WRITE_BW) {
			row->gbps = result_gbps(&res);
			row->seconds = (double)res.elapsed_ns / 1e9;
			row->iters = m.size ? res.value / m.size : 0;
		}
		result_msg(row, &m);
		m.size = res.size;
		r = ib_oob_send(fd, &m, o->timeout_ns);
		if (r == 0)
			rep->nrows++;
	}
	if (r < 0)
		send_error(fd, r);
out:
	ep_close(&e);
	close(fd);
	if (r < 0 && err && !err[0])
		snprintf(err, errlen, "%s", strerror(-r));
	return r;
}

/* ---- entry ---- */

int ib_bench_run(struct hw *hw, const struct ib_bench_opts *o, struct ib_bench_report *rep,
		 ib_bench_cancel_fn cancel, void *userdata, char *err, size_t errlen)
{
	char names[8][HW_IB_NAME_MAX];
	int r;

	if (err && errlen)
		err[0] = '\0';
	memset(rep, 0, sizeof(*rep));
	if (o->nsizes < 1 || o->nsizes > IB_BENCH_SIZES_MAX || o->tx_depth < 1)
		return fail(err, errlen, -EINVAL, "bad benchmark options");
	rep->test = o->test;
	rep->role = o->role;
	rep->bidir = o->bidir;
	rep->simulated = hw_kind_get(hw) == HW_KIND_SIM;
	rep->ceiling_gbps = o->ceiling_gbps;
	snprintf(rep->dev, sizeof(rep->dev), "%s", o->dev);
	if (!rep->dev[0]) {
		r = hw_ib_devices(hw, names, 8);
		if (r <= 0)
			return fail(err, errlen, r < 0 ? r : -ENODEV,
				    "no RDMA device (is the NIC powered and its driver loaded?)");
		snprintf(rep->dev, sizeof(rep->dev), "%s", names[0]);
	}
	rep->port = o->port;
	if (rep->simulated && o->role != IB_BENCH_LOOPBACK)
		return fail(err, errlen, -ENOTSUP,
			    "the simulated box has no peer host: run a loopback (--dev2 %s:2 is"
			    " the article's cabled-ports test)",
			    rep->dev);
	if (o->role == IB_BENCH_LOOPBACK) {
		snprintf(rep->dev2, sizeof(rep->dev2), "%s", o->dev2[0] ? o->dev2 : rep->dev);
		rep->port2 = o->port2 ? o->port2 : o->dev2[0] ? 1 : o->port;
		/* --dev2 naming the same device without a port: the cabled-ports test */
		if (o->dev2[0] && !o->port2 && strcmp(rep->dev2, rep->dev) == 0)
			rep->port2 = o->port == 1 ? 2 : 1;
		return run_loopback(hw, o, rep, cancel, userdata, err, errlen);
	}
	if (o->role == IB_BENCH_CLIENT)
		return run_client(hw, o, rep, cancel, userdata, err, errlen);
	return run_server(hw, o, rep, cancel, userdata, err, errlen);
}
