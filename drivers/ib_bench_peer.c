/* ib_bench_peer.c - a benchmark against another host: server and client over the TCP exchange. */
#include "drivers/ib_bench_peer.h"

#include "drivers/ib_bench_ep.h"
#include "drivers/ib_bench_oob.h"
#include "hw/verbs.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define IB_BENCH_PEER_ACCEPT_NS 60000000000LL

static void ib_bench_peer_qp_msg_fill(const struct ib_bench_ep *e, struct ib_oob_msg *m)
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

static int ib_bench_peer_qp_msg_apply(struct ib_bench_ep *e, const struct ib_oob_msg *m,
				      size_t max_size, char *err, size_t errlen)
{
	struct hw_verbs_qp_info rem = {
		.qpn = m->qpn,
		.psn = m->psn,
		.lid = m->lid,
		.mtu = m->mtu,
		.global = (m->flags & IB_OOB_F_GLOBAL) != 0,
	};

	if (m->len < max_size)
		return ib_bench_ep_fail(err, errlen, -EPROTO,
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
static int ib_bench_peer_oob_wait(int fd, uint16_t type, struct ib_oob_msg *m, int64_t timeout_ns,
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
			return ib_bench_ep_fail(err, errlen, -ECANCELED, "cancelled");
	}
	return ib_bench_ep_fail(err, errlen, -ETIMEDOUT, "the peer went quiet");
}

static void ib_bench_peer_send_error(int fd, int r)
{
	struct ib_oob_msg m = { .type = IB_OOB_ERROR, .value = (uint64_t)(r < 0 ? -r : EIO) };

	if (fd >= 0 && m.value > 0 && m.value <= 4095)
		(void)ib_oob_send(fd, &m, 1000000000LL);
}

static int64_t ib_bench_peer_round_timeout(const struct ib_bench_opts *o)
{
	/* a round may take its duration plus margins, or any time for iterations: bound it */
	return o->timeout_ns +
	       (o->iters ? 300000000000LL : o->duration_ns + o->warmup_ns + o->cooldown_ns);
}

static int ib_bench_peer_bw_round(struct ib_bench_ep *e, size_t size, bool send,
				  const struct ib_bench_opts *o, ib_bench_cancel_fn cancel,
				  void *ud, struct ib_bench_row *row, char *err, size_t errlen)
{
	struct ib_bench_ep_plan plan;
	struct ib_bench_ep_stream st;
	int r;

	if (!send) {
		memset(row, 0, sizeof(*row));
		row->size = size;
		row->gbps = row->msg_rate_mpps = NAN;
		return 0;
	}
	ib_bench_ep_plan_make(o, &plan);
	ib_bench_ep_stream_init(&st, e, size, &plan);
	r = ib_bench_ep_bw_run(&st, 1, &plan, cancel, ud, err, errlen);
	if (r == 0)
		ib_bench_ep_bw_row(&st, row);
	return r;
}

static void ib_bench_peer_result_msg(const struct ib_bench_row *row, struct ib_oob_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = IB_OOB_RESULT;
	m->size = (uint32_t)row->size;
	if (isfinite(row->gbps) && row->seconds > 0) {
		m->value = (uint64_t)((double)row->iters * (double)row->size);
		m->elapsed_ns = (uint64_t)(row->seconds * 1e9);
	}
}

static double ib_bench_peer_result_gbps(const struct ib_oob_msg *m)
{
	return m->elapsed_ns ? (double)m->value * 8.0 / (double)m->elapsed_ns : NAN;
}

/* Close both channels; a failure without a message gets strerror's.  Returns r. */
static int ib_bench_peer_end(struct ib_bench_ep *e, int fd, int r, char *err, size_t errlen)
{
	ib_bench_ep_close(e);
	close(fd);
	if (r < 0 && err && !err[0])
		snprintf(err, errlen, "%s", strerror(-r));
	return r;
}

int ib_bench_peer_client(struct hw *hw, const struct ib_bench_opts *o, struct ib_bench_report *rep,
			 ib_bench_cancel_fn cancel, void *ud, char *err, size_t errlen)
{
	struct ib_bench_ep e = { .side = 0 };
	struct ib_oob_msg m;
	size_t buflen = ib_bench_ep_buf_len(o);
	int fd = -1, r;

	r = ib_bench_ep_memlock_check(hw, buflen, 1, err, errlen);
	if (r < 0)
		return r;
	r = ib_oob_connect(o->host, o->tcp_port, o->timeout_ns, &fd);
	if (r < 0)
		return ib_bench_ep_fail(err, errlen, r, "cannot reach %s port %d: %s", o->host,
					o->tcp_port, strerror(-r));
	r = ib_bench_ep_open(hw, rep->dev, rep->port, o, buflen, NULL, &e, err, errlen);
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
		ib_bench_peer_qp_msg_fill(&e, &m);
		r = ib_oob_send(fd, &m, o->timeout_ns);
	}
	if (r == 0)
		r = ib_oob_expect(fd, IB_OOB_QP, &m, o->timeout_ns, err, errlen);
	if (r == 0)
		r = ib_bench_peer_qp_msg_apply(&e, &m, buflen / 2, err, errlen);
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
			r = ib_bench_ep_lat_run(&e, NULL, o->sizes[i], o, cancel, ud, row, err,
						errlen);
		else
			r = ib_bench_peer_bw_round(&e, o->sizes[i], true, o, cancel, ud, row, err,
						   errlen);
		if (r < 0)
			break;
		ib_bench_peer_result_msg(row, &res);
		r = ib_oob_send(fd, &res, o->timeout_ns);
		if (r == 0)
			r = ib_bench_peer_oob_wait(fd, IB_OOB_RESULT, &res,
						   ib_bench_peer_round_timeout(o), cancel, ud, err,
						   errlen);
		if (r == 0 && o->bidir)
			row->gbps_reverse = ib_bench_peer_result_gbps(&res);
		if (r == 0)
			rep->nrows++;
	}
	if (r == 0) {
		m = (struct ib_oob_msg){ .type = IB_OOB_DONE };
		(void)ib_oob_send(fd, &m, o->timeout_ns);
	} else {
		ib_bench_peer_send_error(fd, r);
	}
out:
	return ib_bench_peer_end(&e, fd, r, err, errlen);
}

int ib_bench_peer_server(struct hw *hw, const struct ib_bench_opts *o, struct ib_bench_report *rep,
			 ib_bench_cancel_fn cancel, void *ud, char *err, size_t errlen)
{
	struct ib_bench_opts so = *o;
	struct ib_bench_ep e = { .side = 1 };
	struct ib_oob_msg m, hello, qpm;
	int lfd = -1, fd = -1, r;

	r = ib_oob_listen(o->tcp_port, &lfd);
	if (r < 0)
		return ib_bench_ep_fail(err, errlen, r, "cannot listen on TCP port %d: %s",
					o->tcp_port, strerror(-r));
	r = -ETIMEDOUT;
	for (int64_t w = 0; w < IB_BENCH_PEER_ACCEPT_NS && r == -ETIMEDOUT; w += 1000000000LL) {
		r = ib_oob_accept(lfd, 1000000000LL, &fd);
		if (r == -ETIMEDOUT && cancel && cancel(ud))
			r = -ECANCELED;
	}
	close(lfd);
	if (r < 0)
		return ib_bench_ep_fail(err, errlen, r, "no client came: %s", strerror(-r));
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
	r = ib_bench_ep_memlock_check(hw, 2 * (size_t)hello.size, 1, err, errlen);
	if (r == 0)
		r = ib_bench_ep_open(hw, rep->dev, rep->port, &so, 2 * (size_t)hello.size, NULL,
				     &e, err, errlen);
	if (r == 0)
		rep->qp_caps = *hw_verbs_qp_caps(e.qp);
	if (r == 0)
		r = ib_oob_expect(fd, IB_OOB_QP, &qpm, o->timeout_ns, err, errlen);
	if (r == 0)
		r = ib_bench_peer_qp_msg_apply(&e, &qpm, hello.size, err, errlen);
	if (r == 0) {
		ib_bench_peer_qp_msg_fill(&e, &m);
		r = ib_oob_send(fd, &m, o->timeout_ns);
	}
	while (r == 0) {
		struct ib_bench_row *row;
		struct ib_oob_msg res;

		r = ib_bench_peer_oob_wait(fd, 0, &m, ib_bench_peer_round_timeout(&so), cancel, ud,
					   err, errlen);
		if (r < 0 || m.type == IB_OOB_DONE)
			break;
		if (m.type != IB_OOB_READY || m.size > hello.size ||
		    rep->nrows >= (int)hello.nsizes || rep->nrows >= IB_BENCH_SIZES_MAX) {
			r = ib_bench_ep_fail(err, errlen, -EPROTO, "the client broke the protocol");
			break;
		}
		row = &rep->rows[rep->nrows];
		r = ib_oob_send(fd, &m, o->timeout_ns); /* READY back: receives are posted */
		if (r < 0)
			break;
		if (so.test == IB_BENCH_SEND_LAT) {
			r = ib_bench_ep_lat_pong(&e, m.size, fd, &so, err, errlen);
			memset(row, 0, sizeof(*row));
			row->size = m.size;
			row->gbps = row->gbps_reverse = row->msg_rate_mpps = NAN;
			row->lat_min_us = row->lat_median_us = row->lat_p99_us = row->lat_max_us =
				row->lat_avg_us = NAN;
		} else {
			r = ib_bench_peer_bw_round(&e, m.size, so.bidir, &so, cancel, ud, row, err,
						   errlen);
		}
		if (r < 0)
			break;
		r = ib_bench_peer_oob_wait(fd, IB_OOB_RESULT, &res,
					   ib_bench_peer_round_timeout(&so), cancel, ud, err,
					   errlen);
		if (r < 0)
			break;
		/* what the client wrote to us: our reverse direction, or the only one */
		if (so.test == IB_BENCH_WRITE_BW && so.bidir) {
			row->gbps_reverse = ib_bench_peer_result_gbps(&res);
		} else if (so.test == IB_BENCH_WRITE_BW) {
			row->gbps = ib_bench_peer_result_gbps(&res);
			row->seconds = (double)res.elapsed_ns / 1e9;
			row->iters = m.size ? res.value / m.size : 0;
		}
		ib_bench_peer_result_msg(row, &m);
		m.size = res.size;
		r = ib_oob_send(fd, &m, o->timeout_ns);
		if (r == 0)
			rep->nrows++;
	}
	if (r < 0)
		ib_bench_peer_send_error(fd, r);
out:
	return ib_bench_peer_end(&e, fd, r, err, errlen);
}
