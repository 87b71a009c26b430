/* ib_bench_ep.h - inside the benchmark: endpoints and the traffic loops its runs share. */
#ifndef H2BOX_IB_BENCH_EP_H
#define H2BOX_IB_BENCH_EP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/ib_bench.h"
#include "hw/verbs.h"

struct hw;

/* One end: a verbs context, a registered buffer (send half, receive half) and an RC QP. */
struct ib_bench_ep {
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

/* One direction of a bandwidth round: RDMA WRITEs of one size from e to its peer. */
struct ib_bench_ep_stream {
	struct ib_bench_ep *e;
	size_t size;
	uint64_t posted, completed, total;
	uint64_t sig_every;
	/* iteration mode: signal exactly where measuring starts and ends */
	uint64_t mark_a, mark_b;
	bool measuring, measured;
	int64_t t_start, t_end;
	uint64_t c_start, c_end;
};

/* How long a bandwidth round runs: iterations or time, with unmeasured margins. */
struct ib_bench_ep_plan {
	uint64_t warm, iters, cool; /* iteration mode */
	int64_t warm_ns, dur_ns, cool_ns;
	bool by_time;
	int tx_depth;
	int64_t timeout_ns;
};

/* Fill err (unless already set) and return r: the benchmark's one error path. */
int ib_bench_ep_fail(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Open an end on dev:port (or share the context of the other end): 0 or -errno with err. */
int ib_bench_ep_open(struct hw *hw, const char *dev, int port, const struct ib_bench_opts *o,
		     size_t buflen, struct hw_verbs_ctx *shared, struct ib_bench_ep *e, char *err,
		     size_t errlen);
void ib_bench_ep_close(struct ib_bench_ep *e);
/* The buffer an end needs for the sizes of o: a send half and a receive half. */
size_t ib_bench_ep_buf_len(const struct ib_bench_opts *o);

/*
 * Before anything is registered: may this process pin endpoints buffers of
 * buflen bytes?  0, or -ENOMEM with the limit needed and how to raise it.
 */
int ib_bench_ep_memlock_check(struct hw *hw, size_t buflen, int endpoints, char *err,
			      size_t errlen);

void ib_bench_ep_plan_make(const struct ib_bench_opts *o, struct ib_bench_ep_plan *p);
void ib_bench_ep_stream_init(struct ib_bench_ep_stream *s, struct ib_bench_ep *e, size_t size,
			     const struct ib_bench_ep_plan *p);
/*
 * The next chained post of a stream: how many WRITEs (0: none now: all
 * posted, or tx_depth outstanding), at most one signalling interval and
 * HW_VERBS_POST_LIST_MAX; it ends at the first WRITE to be signalled
 * (*signal_last), so only a chain's last WRITE is ever signalled.
 */
uint64_t ib_bench_ep_bw_batch(const struct ib_bench_ep_stream *s, int tx_depth, bool *signal_last);
/* Run n (1 or 2) streams to the end of the plan, polling their contexts. */
int ib_bench_ep_bw_run(struct ib_bench_ep_stream *st, int n, const struct ib_bench_ep_plan *p,
		       ib_bench_cancel_fn cancel, void *ud, char *err, size_t errlen);
void ib_bench_ep_bw_row(const struct ib_bench_ep_stream *s, struct ib_bench_row *row);

/* After this many consecutive empty polls a waiting end yields its CPU (a soft device's work). */
bool ib_bench_ep_idle_yield(unsigned empty_polls);
/* Latency sends signalled: one in this many, for a send queue of tx_depth + 1 (1 .. 32). */
unsigned ib_bench_ep_lat_signal_every(int tx_depth);
/* Keep the receive queue of e stocked for ping-pong. */
int ib_bench_ep_lat_fill_recv(struct ib_bench_ep *e, char *err, size_t errlen);
/* Ping from a; b pongs in this thread, or b is NULL and the peer pongs on its own. */
int ib_bench_ep_lat_run(struct ib_bench_ep *a, struct ib_bench_ep *b, size_t size,
			const struct ib_bench_opts *o, ib_bench_cancel_fn cancel, void *ud,
			struct ib_bench_row *row, char *err, size_t errlen);
/* Answer every ping on b until oob_fd becomes readable (the round is over). */
int ib_bench_ep_lat_pong(struct ib_bench_ep *b, size_t size, int oob_fd,
			 const struct ib_bench_opts *o, char *err, size_t errlen);

#endif
