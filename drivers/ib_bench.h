/* ib_bench.h - RDMA verbs benchmark core: RC WRITE bandwidth, SEND/RECV latency; mlx4 and rxe. */
#ifndef H2BOX_IB_BENCH_H
#define H2BOX_IB_BENCH_H

/*
 * Why it works this way (the decisions docs/ARCHITECTURE.md points to).
 *
 * perftest as the reference on mlx4 (ConnectX-2/3). perftest 26.x aborts on mlx4 in its
 * parameter-negotiation phase: it calls `mlx5dv_query_device()` for any device with Mellanox's
 * vendor id (upstream perftest issue 401), and mlx4 answers EOPNOTSUPP. It is not about the verbs
 * h2box uses (`hw/linux/verbs.c` keeps to long-standing ones that rxe has too). The reference to
 * compare `h2box ib bench` with on the card is perftest 25.10, or a 26.x build without mlx5dv
 * (configured without mlx5 direct verbs). `make bench` compares on rxe only.
 *
 * Inline size: `h2box ib bench` asks for 236 B of inline data (perftest's default) and uses
 * `min(returned, asked)` (`hw_verbs_inline_size()`, hw/verbs.c): mlx4 rounds its send WQE up and
 * returns a larger `max_inline_data` (448 where 236 was asked), rxe returns what was asked, so
 * the two and perftest send the same messages inline. The QP capabilities the device returned
 * (max_inline_data, max_send_wr, max_sge) are logged once (`H2BOX_EVENT=ib-qp-caps`), on the
 * first successful bench of a run.
 *
 * Latency, against ib_send_lat's loop (perftest_resources.c, run_iter_lat_send): both busy-poll
 * (no completion events), re-post the receive before the reply/next ping is sent, send the same
 * sizes inline. perftest signals every send and waits for its completion before polling for the
 * reply; h2box signals one send in 32 (ib_bench_ep_lat_signal_every(): at most half the send
 * queue) and never waits on the send side. Timing: perftest reads the cycle counter before each
 * post and reports t_typical, the median of the per-iteration round trips / 2 (the mean of the
 * middle two for an even count); h2box reads its clock once per round trip (when the reply
 * lands, which is when the next ping leaves) and reports the same median (ib_bench_median()).
 * The clock is the TSC calibrated against CLOCK_MONOTONIC on x86 (hw_verbs_cycle_clock,
 * hw/verbs.h): where the guest's clocksource has no vDSO read (HPET, ACPI PM in a VM)
 * clock_gettime() is a system call on every round trip, and perftest uses the cycle counter too.
 * Checks that cost a system call (timeout, cancel, the ponger's end-of-round poll on TCP) run
 * once per 4096 empty polls, off the reply's path. Warm-up: h2box leaves iters/10 (at most 1000)
 * unmeasured iterations first; ib_send_lat measures from the first.
 *
 * Bandwidth, against ib_write_bw: 128 WRITEs outstanding (tx_depth), busy polling 16 completions
 * at a time; perftest signals one WRITE in 100 (cq_mod), h2box one in tx_depth / 4 and posts
 * one signalling interval per call before it polls; perftest times from the first post to the
 * last completion, h2box the measured middle between unmeasured warm-up and cool-down margins.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/ib_bench_limits.h"
#include "hw/ib.h"
#include "hw/verbs.h"

struct hw;


enum ib_bench_test {
	IB_BENCH_WRITE_BW, /* RDMA WRITE bandwidth (ib_write_bw) */
	IB_BENCH_SEND_LAT, /* SEND/RECV ping-pong latency (ib_send_lat) */
};

enum ib_bench_role {
	IB_BENCH_LOOPBACK, /* both ends in this process: one device, or --dev/--dev2 */
	IB_BENCH_SERVER,   /* wait for a client on the TCP port */
	IB_BENCH_CLIENT,   /* connect to --client HOST */
};

struct ib_bench_opts {
	enum ib_bench_test test;
	enum ib_bench_role role;
	char dev[HW_IB_NAME_MAX];  /* "" = first device */
	int port;		   /* 1 */
	char dev2[HW_IB_NAME_MAX]; /* loopback peer device; "" = dev */
	int port2;		   /* loopback peer port; 0 = same as port on dev2, or the
				      other port when dev2 is dev and it has two */
	int gid_index;		   /* -1 = first usable (RoCE/rxe need a GID) */
	size_t sizes[IB_BENCH_SIZES_MAX];
	int nsizes;
	uint64_t iters;	       /* per size; 0 = by duration */
	int64_t duration_ns;   /* per size when iters == 0 */
	int64_t warmup_ns;     /* duration mode: margins not measured at start ... */
	int64_t cooldown_ns;   /* ... and at the end */
	uint64_t warmup_iters; /* iteration mode: unmeasured iterations first */
	bool bidir;
	char host[IB_BENCH_HOST_MAX];
	int tcp_port;
	int64_t timeout_ns;  /* TCP connect/exchange and completion timeout */
	int tx_depth;	     /* outstanding WRITEs, 128 */
	double ceiling_gbps; /* the link probe's expected ceiling; NAN unknown */
};

/* The options in a usage line, for the daemon's and the client's messages. */
#define IB_BENCH_USAGE_OPTIONS                                                                   \
	"[--lat] [--size N | --sizes all|N,N,...] [--iters N | --duration D] [--bidir]"          \
	" [--server | --client HOST] [--port N] [--dev NAME[:PORT]] [--dev2 NAME[:PORT]]"

void ib_bench_opts_defaults(struct ib_bench_opts *o);
/*
 * Parse `h2box ib bench` arguments (argv[0] is the first option, not the
 * verb): --size N[K|M] | --sizes all|N,N,... | --iters N | --duration D | --bidir |
 * --lat | --server | --client HOST | --port N | --dev NAME[:PORT] |
 * --dev2 NAME[:PORT] | --ib-port N | --gid-index N | --tx-depth N.  0 or
 * -EINVAL with a message.
 */
int ib_bench_opts_parse(struct ib_bench_opts *o, int argc, char *const *argv, char *err,
			size_t errlen);

struct ib_bench_row {
	size_t size;
	uint64_t iters;	      /* measured iterations (per direction) */
	double seconds;	      /* measured interval */
	double gbps;	      /* bandwidth: this side's send direction, payload bits */
	double gbps_reverse;  /* bidir: the other direction; NAN otherwise */
	double msg_rate_mpps; /* million messages per second */
	double lat_min_us, lat_median_us, lat_p99_us, lat_max_us, lat_avg_us; /* one-way: RTT/2 */
};

struct ib_bench_report {
	enum ib_bench_test test;
	enum ib_bench_role role;
	char dev[HW_IB_NAME_MAX], dev2[HW_IB_NAME_MAX];
	int port, port2;
	bool bidir;
	bool simulated; /* measured on the simulated box's model */
	double ceiling_gbps;
	struct hw_verbs_qp_caps qp_caps; /* what the device returned for the (first) QP */
	int nrows;
	struct ib_bench_row rows[IB_BENCH_SIZES_MAX];
};

/* Cooperative cancel: return true to stop at the next check. */
typedef bool (*ib_bench_cancel_fn)(void *userdata);

/*
 * Run the benchmark through the hw verbs interface.  Returns 0 with rep
 * filled, or -errno with a human message in err (-ENOTSUP when the
 * backend has no verbs, -ETIMEDOUT, -EPROTO for a bad peer, ...).
 */
int ib_bench_run(struct hw *hw, const struct ib_bench_opts *o, struct ib_bench_report *rep,
		 ib_bench_cancel_fn cancel, void *userdata, char *err, size_t errlen);

/* Median/p99 helpers, exposed for tests: sorts v in place; q in [0,1]. */
double ib_bench_quantile(double *v, size_t n, double q);
/* The latency rows' median: perftest's t_typical (the mean of the middle two of an even n). */
double ib_bench_median(double *v, size_t n);

#endif
