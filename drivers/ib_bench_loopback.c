/* ib_bench_loopback.c - both ends of a benchmark in this process: one device or two. */
#include "drivers/ib_bench_loopback.h"

#include "drivers/ib_bench_ep.h"
#include "hw/verbs.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct ib_bench_loopback_pong {
	struct ib_bench_ep *b;
	size_t size;
	int fd; /* readable: the round is over */
	const struct ib_bench_opts *o;
	int r;
	char err[160];
};

static void *ib_bench_loopback_pong_main(void *arg)
{
	struct ib_bench_loopback_pong *p = arg;

	p->r = ib_bench_ep_lat_pong(p->b, p->size, p->fd, p->o, p->err, sizeof(p->err));
	return NULL;
}

/*
 * Loopback latency on a real device: the ponging end runs in its own thread
 * on its own completion queue, as the far end of a cable is another host.
 * One thread driving both ends serialises work that two ends overlap (rxe
 * does a whole transfer inside the posting system call): it measured 2-byte
 * one-way latency on rxe at 1.8 times ib_send_lat's.
 */
static int ib_bench_loopback_lat_threaded(struct ib_bench_ep *a, struct ib_bench_ep *b, size_t size,
					  const struct ib_bench_opts *o, ib_bench_cancel_fn cancel,
					  void *ud, struct ib_bench_row *row, char *err,
					  size_t errlen)
{
	struct ib_bench_loopback_pong p = { .b = b, .size = size, .o = o };
	pthread_t th;
	int pfd[2], r;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return ib_bench_ep_fail(err, errlen, -errno, "pipe: %s", strerror(errno));
	p.fd = pfd[0];
	/* receives first, or the first ping meets an empty queue (an RNR wait) */
	r = ib_bench_ep_lat_fill_recv(b, err, errlen);
	if (r == 0) {
		r = -pthread_create(&th, NULL, ib_bench_loopback_pong_main, &p);
		if (r < 0)
			ib_bench_ep_fail(err, errlen, r, "cannot start the ponging thread: %s",
					 strerror(-r));
	}
	if (r == 0) {
		r = ib_bench_ep_lat_run(a, NULL, size, o, cancel, ud, row, err, errlen);
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

static void ib_bench_loopback_cross_connect(struct ib_bench_ep *e, const struct ib_bench_ep *peer)
{
	e->raddr = hw_verbs_mr_addr(peer->mr) + hw_verbs_mr_len(peer->mr) / 2;
	e->rkey = hw_verbs_mr_rkey(peer->mr);
}

int ib_bench_loopback_run(struct hw *hw, const struct ib_bench_opts *o, struct ib_bench_report *rep,
			  ib_bench_cancel_fn cancel, void *ud, char *err, size_t errlen)
{
	struct ib_bench_ep a = { .side = 0 }, b = { .side = 1 };
	struct hw_verbs_qp_info ia, ib;
	bool same = strcmp(rep->dev, rep->dev2) == 0 && rep->port == rep->port2;
	/* the simulated fabric lives on this thread: one thread, one context there */
	bool threaded = o->test == IB_BENCH_SEND_LAT && !rep->simulated;
	size_t buflen = ib_bench_ep_buf_len(o);
	struct ib_bench_ep_plan plan;
	int r;

	/* both ends' buffers are pinned by this process */
	r = ib_bench_ep_memlock_check(hw, buflen, 2, err, errlen);
	if (r == 0)
		r = ib_bench_ep_open(hw, rep->dev, rep->port, o, buflen, NULL, &a, err, errlen);
	if (r == 0)
		r = ib_bench_ep_open(hw, rep->dev2, rep->port2, o, buflen,
				     same && !threaded ? a.ctx : NULL, &b, err, errlen);
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
	ib_bench_loopback_cross_connect(&a, &b);
	ib_bench_loopback_cross_connect(&b, &a);
	ib_bench_ep_plan_make(o, &plan);
	for (int i = 0; i < o->nsizes && r == 0; i++) {
		struct ib_bench_row *row = &rep->rows[rep->nrows];

		if (o->test == IB_BENCH_SEND_LAT && threaded) {
			r = ib_bench_loopback_lat_threaded(&a, &b, o->sizes[i], o, cancel, ud, row,
							   err, errlen);
		} else if (o->test == IB_BENCH_SEND_LAT) {
			r = ib_bench_ep_lat_run(&a, &b, o->sizes[i], o, cancel, ud, row, err,
						errlen);
		} else {
			struct ib_bench_ep_stream st[2];

			ib_bench_ep_stream_init(&st[0], &a, o->sizes[i], &plan);
			ib_bench_ep_stream_init(&st[1], &b, o->sizes[i], &plan);
			r = ib_bench_ep_bw_run(st, o->bidir ? 2 : 1, &plan, cancel, ud, err,
					       errlen);
			if (r == 0) {
				struct ib_bench_row rev;

				ib_bench_ep_bw_row(&st[0], row);
				if (o->bidir) {
					ib_bench_ep_bw_row(&st[1], &rev);
					row->gbps_reverse = rev.gbps;
				}
			}
		}
		if (r == 0)
			rep->nrows++;
	}
out:
	ib_bench_ep_close(&b);
	ib_bench_ep_close(&a);
	return r;
}
