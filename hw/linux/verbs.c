/* verbs.c - libibverbs backend of hw/verbs.h: RC QPs, RDMA WRITE/SEND/RECV for mlx4 and rxe. */
#include "hw/linux/linux.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "hw/linux/ibverbs.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define LV_HAVE_TSC 1
#endif

/*
 * Only long-standing verbs are used (no ibv_*_ex device queries, no ODP,
 * no DC), which mlx4 (ConnectX-2/3) and rxe both support.  perftest 26.x
 * aborting on mlx4 is not about such calls: its parameter negotiation calls
 * mlx5dv_query_device() for any device with Mellanox's vendor id (upstream
 * perftest issue 401), which mlx4 answers with EOPNOTSUPP; perftest 25.10 or
 * a build without mlx5dv is the reference there (docs/ARCHITECTURE.md).
 */

/* hw_verbs_wc.status carries ibv_wc_status through unchanged; the sim answers the same values. */
_Static_assert((int)HW_VERBS_WC_SUCCESS == (int)IBV_WC_SUCCESS, "wc status SUCCESS");
_Static_assert((int)HW_VERBS_WC_LOC_LEN_ERR == (int)IBV_WC_LOC_LEN_ERR, "wc status LOC_LEN_ERR");
_Static_assert((int)HW_VERBS_WC_REM_ACCESS_ERR == (int)IBV_WC_REM_ACCESS_ERR, "wc REM_ACCESS_ERR");
_Static_assert((int)HW_VERBS_WC_GENERAL_ERR == (int)IBV_WC_GENERAL_ERR, "wc status GENERAL_ERR");

struct lv_ctx {
	struct hw_verbs_ctx base;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	int port;
	int gid_index;
	struct ibv_port_attr pattr;
	union ibv_gid gid;
	bool global;
	struct hw_verbs_cycle_clock tsc; /* calibrated at open; ns_per_cycle 0: not used */
};

struct lv_mr {
	struct hw_verbs_mr base;
	struct ibv_mr *mr;
};

struct lv_qp {
	struct hw_verbs_qp base;
	struct ibv_qp *qp;
	uint32_t max_inline; /* sends up to this size go inline (no DMA read of the buffer) */
};

static struct lv_ctx *lv_ctx_of(struct hw_verbs_ctx *c)
{
	return (struct lv_ctx *)c;
}

static int lv_err(char *err, size_t errlen, int r, const char *dev, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s: %s", dev, what, strerror(r));
	return -r;
}

static bool gid_is_zero(const union ibv_gid *g)
{
	static const uint8_t zero[16];

	return memcmp(g->raw, zero, 16) == 0;
}

/* RoCE: prefer a RoCE v2 GID that maps an IPv4 address, then any RoCE v2, then any. */
static int lv_gid_pick(struct lv_ctx *c)
{
	int best = -1, best_score = -1;

	for (int i = 0; i < c->pattr.gid_tbl_len && i < 256; i++) {
		struct ibv_gid_entry e;
		union ibv_gid g;
		int score;

		if (libibverbs._ibv_query_gid_ex(c->ctx, (uint32_t)c->port, (uint32_t)i, &e, 0,
						  sizeof(e)) != 0) {
			/*
			 * Kernels before 5.9 (and ConnectX-3 era setups on them) have no GID
			 * table query: the plain call still gives the GID, without its type.
			 */
			if (libibverbs.ibv_query_gid(c->ctx, (uint8_t)c->port, i, &g) != 0 ||
			    gid_is_zero(&g))
				continue;
			if (best_score < 1) {
				best = i;
				best_score = 1;
			}
			continue;
		}
		if (gid_is_zero((const union ibv_gid *)e.gid.raw))
			continue;
		score = e.gid_type == IBV_GID_TYPE_ROCE_V2 ? 2 : 1;
		if (score == 2 && e.gid.raw[10] == 0xff && e.gid.raw[11] == 0xff)
			score = 3;
		if (score > best_score) {
			best = i;
			best_score = score;
		}
	}
	return best;
}

static void lv_tsc_calibrate(struct lv_ctx *c);

static int lv_open(struct hw *hw, const char *dev, int port, int gid_index, int cq_depth,
		   struct hw_verbs_ctx **out, char *err, size_t errlen)
{
	struct ibv_device **list;
	struct lv_ctx *c;
	int num = 0, r = 0;

	(void)hw;
	r = hw_linux_ibv_load();
	if (r < 0)
		return lv_err(err, errlen, -r, dev,
			      "cannot load libibverbs.so.1 (install the Debian package libibverbs1)");
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->port = port;
	list = libibverbs.ibv_get_device_list(&num);
	for (int i = 0; list && i < num; i++)
		if (strcmp(libibverbs.ibv_get_device_name(list[i]), dev) == 0) {
			errno = 0;
			c->ctx = libibverbs.ibv_open_device(list[i]);
			if (!c->ctx)
				r = errno ? errno : EIO;
			break;
		}
	if (list)
		libibverbs.ibv_free_device_list(list);
	if (!c->ctx) {
		r = lv_err(err, errlen, r ? r : ENODEV, dev, "cannot open the RDMA device");
		goto fail;
	}
	r = hw_linux_ibv_query_port(c->ctx, (uint8_t)port, &c->pattr);
	if (r) {
		r = lv_err(err, errlen, r, dev, "cannot query the port");
		goto fail_ctx;
	}
	c->global = c->pattr.link_layer == IBV_LINK_LAYER_ETHERNET || c->pattr.lid == 0;
	c->gid_index = gid_index >= 0 ? gid_index : c->global ? lv_gid_pick(c) : 0;
	if (c->global && c->gid_index < 0) {
		r = lv_err(err, errlen, EADDRNOTAVAIL, dev, "no usable GID (RoCE needs one)");
		goto fail_ctx;
	}
	if (libibverbs.ibv_query_gid(c->ctx, (uint8_t)port, c->gid_index, &c->gid) != 0)
		memset(&c->gid, 0, sizeof(c->gid));
	c->pd = libibverbs.ibv_alloc_pd(c->ctx);
	if (!c->pd) {
		r = lv_err(err, errlen, errno ? errno : ENOMEM, dev, "protection domain");
		goto fail_ctx;
	}
	c->cq = libibverbs.ibv_create_cq(c->ctx, cq_depth, NULL, NULL, 0);
	if (!c->cq) {
		r = lv_err(err, errlen, errno ? errno : ENOMEM, dev, "completion queue");
		goto fail_pd;
	}
	lv_tsc_calibrate(c);
	*out = &c->base;
	return 0;
fail_pd:
	libibverbs.ibv_dealloc_pd(c->pd);
fail_ctx:
	libibverbs.ibv_close_device(c->ctx);
fail:
	free(c);
	return r;
}

static void lv_close(struct hw_verbs_ctx *base)
{
	struct lv_ctx *c = lv_ctx_of(base);

	libibverbs.ibv_destroy_cq(c->cq);
	libibverbs.ibv_dealloc_pd(c->pd);
	libibverbs.ibv_close_device(c->ctx);
	free(c);
}

static int64_t lv_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * HW_NSEC_PER_SEC + ts.tv_nsec;
}

#ifdef LV_HAVE_TSC
/* One (CLOCK_MONOTONIC, TSC) pair: the tightest of a few reads, the TSC at the clock's midpoint. */
static void lv_tsc_pair(int64_t *t_ns, uint64_t *tsc)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t a = __rdtsc();
		int64_t t = lv_monotonic_ns();
		uint64_t b = __rdtsc();

		if (b >= a && b - a < best) {
			best = b - a;
			*t_ns = t;
			*tsc = a + (b - a) / 2;
		}
	}
}
#endif

/*
 * The benchmark's clock: the TSC where there is one (see hw_verbs_cycle_clock
 * in hw/verbs.h), calibrated here over 5 ms against CLOCK_MONOTONIC;
 * CLOCK_MONOTONIC itself when the TSC does not count time plausibly.
 */
static void lv_tsc_calibrate(struct lv_ctx *c)
{
#ifdef LV_HAVE_TSC
	int64_t t0 = 0, t1 = 0;
	uint64_t c0 = 0, c1 = 0;

	lv_tsc_pair(&t0, &c0);
	while (lv_monotonic_ns() - t0 < 5 * HW_NSEC_PER_MSEC)
		;
	lv_tsc_pair(&t1, &c1);
	if (hw_verbs_cycle_clock_calibrate(&c->tsc, t0, c0, t1, c1) < 0)
		c->tsc.ns_per_cycle = 0;
#else
	c->tsc.ns_per_cycle = 0;
#endif
}

static int64_t lv_now_ns(struct hw_verbs_ctx *base)
{
#ifdef LV_HAVE_TSC
	struct lv_ctx *c = lv_ctx_of(base);

	if (c->tsc.ns_per_cycle > 0)
		return hw_verbs_cycle_clock_ns(&c->tsc, __rdtsc());
#else
	(void)base;
#endif
	return lv_monotonic_ns();
}

static int lv_mr_reg(struct hw_verbs_ctx *base, size_t len, struct hw_verbs_mr **out)
{
	struct lv_ctx *c = lv_ctx_of(base);
	long page = sysconf(_SC_PAGESIZE);
	struct lv_mr *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	r = posix_memalign(&m->base.buf, page > 0 ? (size_t)page : 4096, len);
	if (r) {
		free(m);
		return -r;
	}
	memset(m->base.buf, 0, len);
	m->mr = libibverbs.ibv_reg_mr(c->pd, m->base.buf, len,
				      IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
					      IBV_ACCESS_REMOTE_READ);
	if (!m->mr) {
		r = errno ? -errno : -ENOMEM;
		free(m->base.buf);
		free(m);
		return r;
	}
	m->base.len = len;
	m->base.addr = (uint64_t)(uintptr_t)m->base.buf;
	m->base.rkey = m->mr->rkey;
	m->base.lkey = m->mr->lkey;
	*out = &m->base;
	return 0;
}

static void lv_mr_dereg(struct hw_verbs_mr *base)
{
	struct lv_mr *m = (struct lv_mr *)base;

	libibverbs.ibv_dereg_mr(m->mr);
	free(m->base.buf);
	free(m);
}

static int lv_qp_create(struct hw_verbs_ctx *base, int max_send_wr, int max_recv_wr,
			struct hw_verbs_qp **out)
{
	struct lv_ctx *c = lv_ctx_of(base);
	struct ibv_qp_init_attr ia = {
		.send_cq = c->cq,
		.recv_cq = c->cq,
		.qp_type = IBV_QPT_RC,
		.sq_sig_all = 0,
		.cap = {
			.max_send_wr = (uint32_t)max_send_wr,
			.max_recv_wr = (uint32_t)max_recv_wr,
			.max_send_sge = 1,
			.max_recv_sge = 1,
		},
	};
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.pkey_index = 0,
		.port_num = (uint8_t)c->port,
		.qp_access_flags =
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ,
	};
	struct lv_qp *q = calloc(1, sizeof(*q));
	uint32_t asked_inline = HW_VERBS_INLINE_ASK;
	int r;

	if (!q)
		return -ENOMEM;
	/*
	 * Small messages inline, as perftest does (its default 236 B on RoCE):
	 * latency is measured on them.  A device without inline support refuses
	 * the QP; it then gets one without.
	 */
	ia.cap.max_inline_data = HW_VERBS_INLINE_ASK;
	q->qp = libibverbs.ibv_create_qp(c->pd, &ia);
	if (!q->qp) {
		ia.cap.max_inline_data = 0;
		asked_inline = 0;
		q->qp = libibverbs.ibv_create_qp(c->pd, &ia);
	}
	if (!q->qp) {
		r = errno ? -errno : -ENOMEM;
		free(q);
		return r;
	}
	/* ibv_create_qp wrote back what the device gave; keep it for the first bench's log */
	q->base.caps.max_inline_data = ia.cap.max_inline_data;
	q->base.caps.max_send_wr = ia.cap.max_send_wr;
	q->base.caps.max_sge = ia.cap.max_send_sge;
	q->max_inline = hw_verbs_inline_size(asked_inline, ia.cap.max_inline_data);
	r = libibverbs.ibv_modify_qp(q->qp, &a,
				     IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
					     IBV_QP_ACCESS_FLAGS);
	if (r) {
		libibverbs.ibv_destroy_qp(q->qp);
		free(q);
		return -abs(r);
	}
	q->base.local.qpn = q->qp->qp_num;
	/* a random start PSN, as the spec wants; lrand48 is enough for a benchmark */
	q->base.local.psn = (uint32_t)lrand48() & 0xffffff;
	q->base.local.lid = c->pattr.lid;
	memcpy(q->base.local.gid, c->gid.raw, 16);
	q->base.local.global = c->global;
	q->base.local.mtu = c->pattr.active_mtu;
	*out = &q->base;
	return 0;
}

static void lv_qp_destroy(struct hw_verbs_qp *base)
{
	struct lv_qp *q = (struct lv_qp *)base;

	libibverbs.ibv_destroy_qp(q->qp);
	free(q);
}

static int lv_qp_connect(struct hw_verbs_qp *base, const struct hw_verbs_qp_info *rem, char *err,
			 size_t errlen)
{
	struct lv_qp *q = (struct lv_qp *)base;
	struct lv_ctx *c = lv_ctx_of(base->ctx);
	int mtu = rem->mtu < base->local.mtu ? rem->mtu : base->local.mtu;
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_RTR,
		.path_mtu = (enum ibv_mtu)mtu,
		.dest_qp_num = rem->qpn,
		.rq_psn = rem->psn,
		.max_dest_rd_atomic = 1,
		.min_rnr_timer = 12,
		.ah_attr = {
			.dlid = rem->lid,
			.sl = 0,
			.src_path_bits = 0,
			.port_num = (uint8_t)c->port,
		},
	};
	int r;

	if (rem->global || c->global) {
		a.ah_attr.is_global = 1;
		memcpy(a.ah_attr.grh.dgid.raw, rem->gid, 16);
		a.ah_attr.grh.sgid_index = (uint8_t)c->gid_index;
		a.ah_attr.grh.hop_limit = 64;
	}
	r = libibverbs.ibv_modify_qp(q->qp, &a,
				     IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
					     IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
					     IBV_QP_MIN_RNR_TIMER);
	if (r)
		return lv_err(err, errlen, abs(r), "queue pair", "modify to RTR");
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = base->local.psn;
	a.max_rd_atomic = 1;
	r = libibverbs.ibv_modify_qp(q->qp, &a,
				     IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
					     IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
					     IBV_QP_MAX_QP_RD_ATOMIC);
	if (r)
		return lv_err(err, errlen, abs(r), "queue pair", "modify to RTS");
	return 0;
}

static int lv_post(struct hw_verbs_qp *base, struct hw_verbs_mr *mr, size_t off, size_t len,
		   enum ibv_wr_opcode op, uint64_t raddr, uint32_t rkey, uint64_t wr_id,
		   bool signaled)
{
	struct lv_qp *q = (struct lv_qp *)base;
	struct ibv_sge sge = {
		.addr = mr->addr + off,
		.length = (uint32_t)len,
		.lkey = mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = wr_id,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = op,
		.send_flags = signaled ? IBV_SEND_SIGNALED : 0,
	}, *bad = NULL;

	if (len <= q->max_inline)
		wr.send_flags |= IBV_SEND_INLINE;

	if (op == IBV_WR_RDMA_WRITE) {
		wr.wr.rdma.remote_addr = raddr;
		wr.wr.rdma.rkey = rkey;
	}
	return -abs(ibv_post_send(q->qp, &wr, &bad));
}

static int lv_post_write(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
			 uint64_t raddr, uint32_t rkey, uint64_t wr_id, bool signaled)
{
	return lv_post(qp, mr, off, len, IBV_WR_RDMA_WRITE, raddr, rkey, wr_id, signaled);
}

static int lv_post_writes(struct hw_verbs_qp *base, struct hw_verbs_mr *mr, size_t off, size_t len,
			  uint64_t raddr, uint32_t rkey, uint64_t wr_id, int n, bool signal_last)
{
	struct lv_qp *q = (struct lv_qp *)base;
	struct ibv_sge sge = {
		.addr = mr->addr + off,
		.length = (uint32_t)len,
		.lkey = mr->lkey,
	};
	struct ibv_send_wr wr[HW_VERBS_POST_LIST_MAX], *bad = NULL;
	int r;

	memset(wr, 0, (size_t)n * sizeof(wr[0]));
	for (int i = 0; i < n; i++) {
		wr[i].wr_id = wr_id + (uint64_t)i;
		wr[i].sg_list = &sge; /* the same span for all: the provider only reads it */
		wr[i].num_sge = 1;
		wr[i].opcode = IBV_WR_RDMA_WRITE;
		wr[i].send_flags = len <= q->max_inline ? IBV_SEND_INLINE : 0;
		wr[i].wr.rdma.remote_addr = raddr;
		wr[i].wr.rdma.rkey = rkey;
		wr[i].next = i + 1 < n ? &wr[i + 1] : NULL;
	}
	if (signal_last)
		wr[n - 1].send_flags |= IBV_SEND_SIGNALED;
	r = ibv_post_send(q->qp, wr, &bad);
	if (r == 0)
		return n;
	/* bad is the first WR not posted: the ones before it are on the queue */
	if (bad && bad > wr && bad < wr + n)
		return (int)(bad - wr);
	return -abs(r);
}

static int lv_post_send(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
			uint64_t wr_id, bool signaled)
{
	return lv_post(qp, mr, off, len, IBV_WR_SEND, 0, 0, wr_id, signaled);
}

static int lv_post_recv(struct hw_verbs_qp *base, struct hw_verbs_mr *mr, size_t off, size_t len,
			uint64_t wr_id)
{
	struct lv_qp *q = (struct lv_qp *)base;
	struct ibv_sge sge = {
		.addr = mr->addr + off,
		.length = (uint32_t)len,
		.lkey = mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = wr_id, .sg_list = &sge, .num_sge = 1 }, *bad = NULL;

	return -abs(ibv_post_recv(q->qp, &wr, &bad));
}

static int lv_poll(struct hw_verbs_ctx *base, struct hw_verbs_wc *out, int max)
{
	struct lv_ctx *c = lv_ctx_of(base);
	struct ibv_wc wc[16];
	int n;

	if (max > 16)
		max = 16;
	n = ibv_poll_cq(c->cq, max, wc);
	if (n < 0)
		return -EIO;
	for (int i = 0; i < n; i++) {
		out[i].wr_id = wc[i].wr_id;
		out[i].status = (int)wc[i].status;
		out[i].byte_len = wc[i].byte_len;
		/* on error the opcode is undefined; callers rely on wr_id then */
		switch (wc[i].opcode) {
		case IBV_WC_RDMA_WRITE:
			out[i].opcode = HW_VERBS_OP_WRITE;
			break;
		case IBV_WC_RECV:
			out[i].opcode = HW_VERBS_OP_RECV;
			break;
		default:
			out[i].opcode = HW_VERBS_OP_SEND;
			break;
		}
	}
	return n;
}

/* CAP_IPC_LOCK in this process's effective set: /proc/self/status "CapEff:\t<hex>". */
static bool lv_cap_ipc_lock(void)
{
	char line[256];
	bool cap = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long eff;

		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			cap = (eff >> 14) & 1; /* CAP_IPC_LOCK is capability 14 */
			break;
		}
	}
	fclose(f);
	return cap;
}

/*
 * ib_umem_get() pins registered memory against RLIMIT_MEMLOCK unless the
 * process has CAP_IPC_LOCK (and refuses any registration with a limit of 0):
 * the same test here, before a registration fails with a bare errno.
 */
static int lv_memlock_get(struct hw *hw, struct hw_verbs_memlock *m)
{
	struct rlimit rl;

	(void)hw;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		return -errno;
	m->limit = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
	m->cap_ipc_lock = lv_cap_ipc_lock();
	return 0;
}

const struct hw_verbs_ops hw_verbs_linux_ops = {
	.open = lv_open,
	.memlock_get = lv_memlock_get,
	.close = lv_close,
	.now_ns = lv_now_ns,
	.mr_reg = lv_mr_reg,
	.mr_dereg = lv_mr_dereg,
	.qp_create = lv_qp_create,
	.qp_destroy = lv_qp_destroy,
	.qp_connect = lv_qp_connect,
	.post_write = lv_post_write,
	.post_writes = lv_post_writes,
	.post_send = lv_post_send,
	.post_recv = lv_post_recv,
	.poll = lv_poll,
};
