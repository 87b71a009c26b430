/* verbs.c - checks the benchmark's verbs calls and dispatches them to the hw's verbs backend. */
#include "hw/hw-private.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int hw_verbs_open(struct hw *hw, const char *dev, int port, int gid_index, int cq_depth,
		  struct hw_verbs_ctx **out, char *err, size_t errlen)
{
	const struct hw_verbs_ops *ops;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!dev || !*dev || strchr(dev, '/') || port < 1 || port > 255 || cq_depth < 1 ||
	    cq_depth > 65536 || gid_index > 255) {
		if (err && errlen)
			snprintf(err, errlen, "bad device, port or queue depth");
		return -EINVAL;
	}
	ops = hw->verbs;
	r = ops->open(hw, dev, port, gid_index, cq_depth, out, err, errlen);
	if (r < 0)
		return r;
	(*out)->ops = ops;
	(*out)->hw = hw;
	return 0;
}

void hw_verbs_close(struct hw_verbs_ctx *c)
{
	if (c)
		c->ops->close(c);
}

int64_t hw_verbs_now_ns(struct hw_verbs_ctx *c)
{
	return c->ops->now_ns(c);
}

int hw_verbs_mr_reg(struct hw_verbs_ctx *c, size_t len, struct hw_verbs_mr **out)
{
	int r;

	if (len == 0 || len > (64u << 20))
		return -EINVAL;
	r = c->ops->mr_reg(c, len, out);
	if (r == 0)
		(*out)->ctx = c;
	return r;
}

void hw_verbs_mr_dereg(struct hw_verbs_mr *mr)
{
	if (mr)
		mr->ctx->ops->mr_dereg(mr);
}

void *hw_verbs_mr_buf(struct hw_verbs_mr *mr)
{
	return mr->buf;
}

uint64_t hw_verbs_mr_addr(const struct hw_verbs_mr *mr)
{
	return mr->addr;
}

uint32_t hw_verbs_mr_rkey(const struct hw_verbs_mr *mr)
{
	return mr->rkey;
}

size_t hw_verbs_mr_len(const struct hw_verbs_mr *mr)
{
	return mr->len;
}

int hw_verbs_qp_create(struct hw_verbs_ctx *c, int max_send_wr, int max_recv_wr,
		       struct hw_verbs_qp **out)
{
	int r;

	if (max_send_wr < 1 || max_send_wr > 16384 || max_recv_wr < 1 || max_recv_wr > 16384)
		return -EINVAL;
	r = c->ops->qp_create(c, max_send_wr, max_recv_wr, out);
	if (r == 0)
		(*out)->ctx = c;
	return r;
}

void hw_verbs_qp_destroy(struct hw_verbs_qp *qp)
{
	if (qp)
		qp->ctx->ops->qp_destroy(qp);
}

const struct hw_verbs_qp_caps *hw_verbs_qp_caps(const struct hw_verbs_qp *qp)
{
	return &qp->caps;
}

int hw_verbs_memlock_get(struct hw *hw, struct hw_verbs_memlock *m)
{
	m->limit = UINT64_MAX;
	m->cap_ipc_lock = false;
	return hw->verbs->memlock_get(hw, m);
}

uint32_t hw_verbs_inline_size(uint32_t asked, uint32_t returned)
{
	return returned < asked ? returned : asked;
}

int hw_verbs_cycle_clock_calibrate(struct hw_verbs_cycle_clock *k, int64_t t0_ns, uint64_t c0,
				   int64_t t1_ns, uint64_t c1)
{
	double ns_per_cycle;

	if (t1_ns - t0_ns < HW_NSEC_PER_MSEC || c1 <= c0)
		return -ERANGE;
	ns_per_cycle = (double)(t1_ns - t0_ns) / (double)(c1 - c0);
	/* 50 MHz .. 20 GHz: anything else is a counter that does not count time */
	if (ns_per_cycle > 20.0 || ns_per_cycle < 0.05)
		return -ERANGE;
	k->c0 = c0;
	k->t0_ns = t0_ns;
	k->ns_per_cycle = ns_per_cycle;
	return 0;
}

int64_t hw_verbs_cycle_clock_ns(const struct hw_verbs_cycle_clock *k, uint64_t cycles)
{
	/* a counter read before c0 (another CPU's, a little behind) is a negative offset */
	return k->t0_ns + (int64_t)llround((double)(int64_t)(cycles - k->c0) * k->ns_per_cycle);
}

void hw_verbs_qp_local(const struct hw_verbs_qp *qp, struct hw_verbs_qp_info *info)
{
	*info = qp->local;
}

int hw_verbs_qp_connect(struct hw_verbs_qp *qp, const struct hw_verbs_qp_info *remote, char *err,
			size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (remote->qpn == 0 || remote->qpn > 0xffffff || remote->psn > 0xffffff ||
	    remote->mtu < 1 || remote->mtu > 5) {
		if (err && errlen)
			snprintf(err, errlen, "bad remote queue pair");
		return -EINVAL;
	}
	return qp->ctx->ops->qp_connect(qp, remote, err, errlen);
}

/* A work request must stay inside its registered buffer. */
static bool span_ok(const struct hw_verbs_mr *mr, size_t off, size_t len)
{
	return len > 0 && off <= mr->len && len <= mr->len - off;
}

int hw_verbs_post_write(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
			uint64_t raddr, uint32_t rkey, uint64_t wr_id, bool signaled)
{
	if (!span_ok(mr, off, len) || mr->ctx != qp->ctx)
		return -EINVAL;
	return qp->ctx->ops->post_write(qp, mr, off, len, raddr, rkey, wr_id, signaled);
}

int hw_verbs_post_writes(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
			 uint64_t raddr, uint32_t rkey, uint64_t wr_id, int n, bool signal_last)
{
	const struct hw_verbs_ops *ops = qp->ctx->ops;
	int i, r = 0;

	if (!span_ok(mr, off, len) || mr->ctx != qp->ctx || n < 1 || n > HW_VERBS_POST_LIST_MAX)
		return -EINVAL;
	if (ops->post_writes)
		return ops->post_writes(qp, mr, off, len, raddr, rkey, wr_id, n, signal_last);
	for (i = 0; i < n; i++) {
		r = ops->post_write(qp, mr, off, len, raddr, rkey, wr_id + (uint64_t)i,
				    signal_last && i == n - 1);
		if (r < 0)
			break;
	}
	return i > 0 ? i : r;
}

int hw_verbs_post_send(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
		       uint64_t wr_id, bool signaled)
{
	if (!span_ok(mr, off, len) || mr->ctx != qp->ctx)
		return -EINVAL;
	return qp->ctx->ops->post_send(qp, mr, off, len, wr_id, signaled);
}

int hw_verbs_post_recv(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
		       uint64_t wr_id)
{
	if (!span_ok(mr, off, len) || mr->ctx != qp->ctx)
		return -EINVAL;
	return qp->ctx->ops->post_recv(qp, mr, off, len, wr_id);
}

int hw_verbs_poll(struct hw_verbs_ctx *c, struct hw_verbs_wc *wc, int max)
{
	if (max < 1)
		return -EINVAL;
	return c->ops->poll(c, wc, max);
}

const char *hw_verbs_wc_status_str(int status)
{
	/* ibv_wc_status values, so both backends print the same words */
	static const char *const names[] = {
		"success",
		"local length error",
		"local QP operation error",
		"local EE context error",
		"local protection error",
		"WR flushed",
		"memory window bind error",
		"bad response",
		"local access error",
		"remote invalid request",
		"remote access error",
		"remote operation error",
		"transport retry counter exceeded",
		"RNR retry counter exceeded",
		"local RDD violation",
		"remote invalid RD request",
		"remote aborted",
		"invalid EE context number",
		"invalid EE context state",
		"fatal error",
		"response timeout",
		"general error",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == HW_VERBS_WC_GENERAL_ERR + 1,
		       "one name per ibv_wc_status up to IBV_WC_GENERAL_ERR");

	if (status >= 0 && (size_t)status < sizeof(names) / sizeof(names[0]))
		return names[status];
	return "unknown completion status";
}
