/* verbs.c - the sim box's verbs: RC loopback on a model of the PCIe-bound card, virtual time. */

/*
 * Why it works this way (the decisions docs/ARCHITECTURE.md points to).
 *
 * The simulated verbs fabric keeps its own clock, and the box lives through it. A benchmark on
 * the sim runs inline on the loop's thread and measures the model at nanosecond grain; every 10
 * ms of fabric time (`SIM_SYNC_NS`) the bytes that landed go to the plant as RDMA traffic on the
 * ports they crossed (`sim_plant_rdma_set`, with one busy-polling core: 2.5 W, an assumption, the
 * article has no RDMA power figure), and the box's clock moves forward by the same interval
 * through the hook sim-svc installs (`hw_sim_advance_hook_set` -> `loop_advance`). So `h2box
 * record -- h2box ib bench` on the simulated box sees the run's duration, port counters and
 * power, and gives J/GB for RDMA next to IPoIB (`tests/scenario/40-ib.sh`).
 */
#include "hw/verbs.h"

#include "hw/clock.h"
#include "hw/ib.h"
#include "hw/pci.h"
#include "hw/sim/plant.h"
#include "hw/sim/sim-state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Model: the card's PCIe link, read from the simulated config space
 * (LnkSta speed and width, DevCtl Max_Payload_Size), carries
 * GT/s x lanes x 8/10 x MPS/(MPS+24) of payload, less 2 % for ACK and
 * flow-control DLLPs.  On the H2 that is PCIe 2.0 x4: 16 Gb/s after
 * 8b/10b; at 256-byte payloads 14.3 Gb/s, next to the article's best
 * measured 14.4 Gb/s (IPoIB, H2 receiving).  QDR 4X carries 32 Gb/s of
 * data, so the wire never limits this card.  Every RDMA transfer between
 * the card's ports, or looped back on one port, crosses the x4 link twice:
 * the card reads the source (host -> card) and writes the destination
 * (card -> host).  Each PCIe direction is a FIFO resource; a stream is as
 * fast as the slower direction, and two opposite streams share both.
 *
 * The fabric keeps its own clock so a benchmark measures the model at
 * nanosecond grain, but the box lives through the same time: every
 * SIM_SYNC_NS of fabric time (and when the last context closes) the bytes
 * that landed meanwhile go to the plant as RDMA traffic on the ports they
 * crossed, with one CPU core busy-polling, and the box's clock is moved
 * forward by the same interval (hw_sim_box_advance: the daemon's timers
 * run, the port counters and the power meter see the traffic).
 */
#define SIM_PCIE_FALLBACK_GBPS (16.0 * 256.0 / 280.0 * 0.98)
#define SIM_DLLP_FACTOR	       0.98
#define SIM_MSG_OVERHEAD_NS    100  /* per message per direction: ~10 M messages/s */
#define SIM_LATENCY_NS	       1300 /* one-way small-message latency of a QDR ConnectX-2 */
#define SIM_JITTER_NS	       120  /* deterministic noise so p99/max differ from the median */
#define SIM_IDLE_SPIN_NS       1000 /* an empty poll with nothing in flight costs a microsecond */
#define SIM_COPY_MAX	       4096 /* bytes really copied per message: enough to check delivery */
#define SIM_FABRICS_MAX	       4
#define SIM_QPS_MAX	       64
#define SIM_MRS_MAX	       64
#define SIM_CQE_MAX	       65536
#define SIM_RQ_MAX	       16384
#define SIM_SYNC_NS	       10000000 /* hand fabric time to the box every 10 ms */
#define SIM_XFER_MAX	       65536    /* transfers in flight, for byte accounting */

/* One message on its way: the bytes count on its ports once it has landed. */
struct sv_xfer {
	int64_t end;
	uint32_t len;
	int8_t tx_port, rx_port; /* 0/1, -1 = a port the plant does not model */
};

struct sv_qp;

struct sv_cqe {
	int64_t t;
	struct hw_verbs_wc wc;
	struct sv_qp *qp; /* send side: the queue pair whose send queue it frees */
	int retire;	  /* send WRs it retires (itself and the unsignaled ones before it) */
};

struct sv_ctx;

struct sv_recv {
	struct hw_verbs_mr *mr;
	size_t off, len;
	uint64_t wr_id;
};

struct sv_qp {
	struct hw_verbs_qp base;
	struct sv_ctx *ctx;
	struct sv_qp *peer;
	bool connected;
	int max_send_wr;
	int sq_used;	    /* send WRs not yet retired by a completion */
	int unsignaled;	    /* posted since the last signaled one */
	struct sv_recv *rq; /* ring of posted receives */
	int rq_cap, rq_head, rq_len;
	int64_t pending_send_at; /* a SEND waiting for a receive (RNR), 0 = none */
	size_t pending_len;
	struct hw_verbs_mr *pending_mr;
	size_t pending_off;
};

struct sv_fabric {
	struct hw *hw;
	int refs;
	int64_t now;
	int64_t dn_free, up_free;
	double dn_gbps, up_gbps; /* payload rate of each PCIe direction */
	uint32_t next_qpn, next_key;
	uint64_t rng;
	struct sv_qp *qps[SIM_QPS_MAX];
	struct hw_verbs_mr *mrs[SIM_MRS_MAX];
	int64_t synced;	      /* fabric time the box has been advanced to */
	bool syncing;	      /* inside the box's advance: no nested sync */
	struct sv_xfer *xfer; /* FIFO by end time: the write-back direction is serial */
	int xfer_head, xfer_len;
	double landed[2][2];  /* bytes landed since the last sync, [port][tx/rx] */
};

struct sv_ctx {
	struct hw_verbs_ctx base;
	struct sv_fabric *fab;
	char dev[HW_IB_NAME_MAX];
	int port;
	uint16_t lid;
	int mtu;
	struct sv_cqe *cq; /* unsorted; small, scanned for the earliest */
	int cq_len, cq_cap;
};

static struct sv_fabric fabrics[SIM_FABRICS_MAX];

static struct sv_fabric *fabric_get(struct hw *hw)
{
	struct sv_fabric *free_slot = NULL;

	for (int i = 0; i < SIM_FABRICS_MAX; i++) {
		if (fabrics[i].refs && fabrics[i].hw == hw) {
			fabrics[i].refs++;
			return &fabrics[i];
		}
		if (!fabrics[i].refs && !free_slot)
			free_slot = &fabrics[i];
	}
	if (!free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->hw = hw;
	free_slot->refs = 1;
	/* the fabric's clock starts at the box's time and then runs on its own */
	free_slot->now = hw_clock_mono_ns(hw);
	free_slot->next_qpn = 0x48;
	free_slot->next_key = 0x1000;
	free_slot->rng = 0x9e3779b97f4a7c15ULL;
	free_slot->synced = free_slot->now;
	free_slot->xfer = calloc(SIM_XFER_MAX, sizeof(*free_slot->xfer));
	if (!free_slot->xfer) {
		memset(free_slot, 0, sizeof(*free_slot));
		return NULL;
	}
	return free_slot;
}

static void xfer_land_oldest(struct sv_fabric *f)
{
	const struct sv_xfer *x = &f->xfer[f->xfer_head];

	if (x->tx_port >= 0)
		f->landed[x->tx_port][0] += x->len;
	if (x->rx_port >= 0)
		f->landed[x->rx_port][1] += x->len;
	f->xfer_head = (f->xfer_head + 1) % SIM_XFER_MAX;
	f->xfer_len--;
}

/*
 * Replay fabric time up to t on the box: the bytes that landed by t as RDMA
 * rates over the interval, one busy poller, then the rates off again.
 * all: the fabric is going away, count whatever is still queued.
 */
static void fabric_sync(struct sv_fabric *f, int64_t t, bool all)
{
	struct sim_plant *plant = hw_sim_plant(f->hw);
	double gbps[2][2];
	int64_t dt = t - f->synced;

	if (f->syncing || !plant || (dt <= 0 && !all))
		return;
	while (f->xfer_len && (all || f->xfer[f->xfer_head].end <= t))
		xfer_land_oldest(f);
	if (dt <= 0)
		dt = 1; /* stragglers at close: land them in a nanosecond */
	for (int port = 0; port < 2; port++)
		for (int d = 0; d < 2; d++) {
			gbps[port][d] = f->landed[port][d] * 8.0 / (double)dt; /* bits/ns = Gb/s */
			f->landed[port][d] = 0;
		}
	f->syncing = true;
	if (sim_plant_rdma_set(plant, gbps, 1) == 0) {
		/* a failed advance (nested in another) loses only box time, not the bench */
		(void)hw_sim_box_advance(f->hw, dt);
		sim_plant_rdma_set(plant, NULL, 0);
	}
	f->syncing = false;
	f->synced = t > f->synced ? t : f->synced + dt;
}

static void fabric_put(struct sv_fabric *f)
{
	if (f->refs == 1)
		fabric_sync(f, f->now, true);
	if (--f->refs == 0) {
		free(f->xfer);
		memset(f, 0, sizeof(*f));
	}
}

/* Count a message's bytes on the ports it crosses once it has landed at `end`. */
static void fabric_xfer(struct sv_fabric *f, int tx_port, int rx_port, size_t len, int64_t end)
{
	int tx = tx_port >= 1 && tx_port <= 2 ? tx_port - 1 : -1;
	int rx = rx_port >= 1 && rx_port <= 2 ? rx_port - 1 : -1;

	if (f->xfer_len == SIM_XFER_MAX)
		xfer_land_oldest(f); /* more in flight than the FIFO holds: count it now */
	f->xfer[(f->xfer_head + f->xfer_len) % SIM_XFER_MAX] = (struct sv_xfer){
		.end = end,
		.len = (uint32_t)len,
		.tx_port = (int8_t)tx,
		.rx_port = (int8_t)rx,
	};
	f->xfer_len++;
}

/* Payload rate of the card's PCIe link from its config space (a bounded capability walk). */
static double pcie_payload_gbps(struct hw *hw, const char *dev)
{
	static const double gts[] = { 0, 2.5, 5.0, 8.0, 16.0, 32.0 };
	uint8_t cs[256];
	char slot[32];
	unsigned ptr;
	int n;

	if (hw_ib_device_pci_slot(hw, dev, slot, sizeof(slot)) < 0)
		return SIM_PCIE_FALLBACK_GBPS;
	n = hw_pci_config_read(hw, slot, cs, sizeof(cs));
	if (n < (int)sizeof(cs))
		return SIM_PCIE_FALLBACK_GBPS;
	ptr = cs[0x34] & 0xfc;
	for (int hops = 0; ptr >= 0x40 && ptr <= 0xec && hops < 48; hops++) {
		if (cs[ptr] == 0x10) {
			unsigned speed = cs[ptr + 0x12] & 0xf;
			unsigned width =
				(unsigned)(cs[ptr + 0x12] >> 4 | cs[ptr + 0x13] << 4) & 0x3f;
			unsigned mps = 128u << ((cs[ptr + 8] >> 5) & 7);
			double enc = speed <= 2 ? 0.8 : 128.0 / 130.0;

			if (speed < 1 || speed > 5 || width == 0 || mps > 4096)
				break;
			return gts[speed] * width * enc * mps / (mps + 24.0) * SIM_DLLP_FACTOR;
		}
		ptr = cs[ptr + 1] & 0xfc;
	}
	return SIM_PCIE_FALLBACK_GBPS;
}

static int64_t jitter(struct sv_fabric *f)
{
	/* xorshift64: cheap, deterministic; a long tail for p99 and max */
	uint64_t x = f->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	f->rng = x;
	if ((x & 0x3ff) == 0)
		return 10 * SIM_JITTER_NS; /* one in 1024: an interrupt, a cache miss */
	return (int64_t)(x % SIM_JITTER_NS);
}

static struct sv_ctx *sv_ctx_of(struct hw_verbs_ctx *c)
{
	return (struct sv_ctx *)c;
}

static int sv_open(struct hw *hw, const char *dev, int port, int gid_index, int cq_depth,
		   struct hw_verbs_ctx **out, char *err, size_t errlen)
{
	struct hw_ib_port_attr a;
	struct sv_ctx *c;
	int r;

	(void)gid_index;
	r = hw_ib_port_query(hw, dev, port, &a);
	if (r < 0) {
		snprintf(err, errlen, "%s port %d: %s", dev, port,
			 r == -ENODEV ? "no such device (is the NIC powered?)" : strerror(-r));
		return r;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cq_cap = cq_depth < SIM_CQE_MAX ? cq_depth * 4 : SIM_CQE_MAX;
	c->cq = calloc((size_t)c->cq_cap, sizeof(*c->cq));
	c->fab = fabric_get(hw);
	if (!c->cq || !c->fab) {
		if (c->fab)
			fabric_put(c->fab);
		free(c->cq);
		free(c);
		snprintf(err, errlen, "simulated fabric: out of resources");
		return -ENOMEM;
	}
	snprintf(c->dev, sizeof(c->dev), "%s", dev);
	if (c->fab->dn_gbps <= 0.0)
		c->fab->dn_gbps = c->fab->up_gbps = pcie_payload_gbps(hw, dev);
	c->port = port;
	c->lid = a.lid ? a.lid : (uint16_t)port;
	c->mtu = a.active_mtu >= 1 && a.active_mtu <= 5 ? a.active_mtu : 4;
	*out = &c->base;
	return 0;
}

static void sv_close(struct hw_verbs_ctx *base)
{
	struct sv_ctx *c = sv_ctx_of(base);

	fabric_put(c->fab);
	free(c->cq);
	free(c);
}

static int64_t sv_now_ns(struct hw_verbs_ctx *base)
{
	return sv_ctx_of(base)->fab->now;
}

static int sv_mr_reg(struct hw_verbs_ctx *base, size_t len, struct hw_verbs_mr **out)
{
	struct sv_fabric *f = sv_ctx_of(base)->fab;
	struct hw_verbs_mr *m;
	int slot = -1;

	for (int i = 0; i < SIM_MRS_MAX && slot < 0; i++)
		if (!f->mrs[i])
			slot = i;
	if (slot < 0)
		return -ENOMEM;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->buf = calloc(1, len);
	if (!m->buf) {
		free(m);
		return -ENOMEM;
	}
	m->len = len;
	m->addr = (uint64_t)(uintptr_t)m->buf;
	m->rkey = m->lkey = f->next_key++;
	f->mrs[slot] = m;
	*out = m;
	return 0;
}

static void sv_mr_dereg(struct hw_verbs_mr *m)
{
	struct sv_fabric *f = sv_ctx_of(m->ctx)->fab;

	for (int i = 0; i < SIM_MRS_MAX; i++)
		if (f->mrs[i] == m)
			f->mrs[i] = NULL;
	free(m->buf);
	free(m);
}

static int sv_qp_create(struct hw_verbs_ctx *base, int max_send_wr, int max_recv_wr,
			struct hw_verbs_qp **out)
{
	struct sv_ctx *c = sv_ctx_of(base);
	struct sv_fabric *f = c->fab;
	struct sv_qp *q;
	int slot = -1;

	for (int i = 0; i < SIM_QPS_MAX && slot < 0; i++)
		if (!f->qps[i])
			slot = i;
	if (slot < 0)
		return -ENOMEM;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->rq_cap = max_recv_wr;
	q->rq = calloc((size_t)max_recv_wr, sizeof(*q->rq));
	if (!q->rq) {
		free(q);
		return -ENOMEM;
	}
	q->ctx = c;
	q->max_send_wr = max_send_wr;
	q->base.caps.max_send_wr = (uint32_t)max_send_wr; /* the model sends nothing inline */
	q->base.caps.max_sge = 1;
	q->base.local.qpn = f->next_qpn++ & 0xffffff;
	q->base.local.psn = (uint32_t)(f->rng & 0xffffff);
	q->base.local.lid = c->lid;
	q->base.local.global = false;
	q->base.local.mtu = c->mtu;
	f->qps[slot] = q;
	*out = &q->base;
	return 0;
}

static void sv_qp_destroy(struct hw_verbs_qp *base)
{
	struct sv_qp *q = (struct sv_qp *)base;
	struct sv_fabric *f = q->ctx->fab;

	for (int i = 0; i < SIM_QPS_MAX; i++) {
		if (f->qps[i] == q)
			f->qps[i] = NULL;
		else if (f->qps[i] && f->qps[i]->peer == q)
			f->qps[i]->peer = NULL;
	}
	for (int e = 0; e < q->ctx->cq_len; e++)
		if (q->ctx->cq[e].qp == q)
			q->ctx->cq[e].qp = NULL;
	free(q->rq);
	free(q);
}

static int sv_qp_connect(struct hw_verbs_qp *base, const struct hw_verbs_qp_info *rem, char *err,
			 size_t errlen)
{
	struct sv_qp *q = (struct sv_qp *)base;
	struct sv_fabric *f = q->ctx->fab;
	struct hw_ib_port_attr a;

	if (hw_ib_port_query(f->hw, q->ctx->dev, q->ctx->port, &a) < 0 || a.state != HW_IB_PORT_STATE_ACTIVE) {
		snprintf(err, errlen, "%s port %d is not ACTIVE", q->ctx->dev, q->ctx->port);
		return -ENETDOWN;
	}
	for (int i = 0; i < SIM_QPS_MAX; i++) {
		struct sv_qp *p = f->qps[i];

		if (p && p->base.local.qpn == rem->qpn && p->ctx->lid == rem->lid) {
			q->peer = p;
			q->connected = true;
			return 0;
		}
	}
	snprintf(err, errlen,
		 "no queue pair 0x%06x at LID %u on the simulated fabric (the sim"
		 " box has no peer host: use loopback)",
		 rem->qpn, rem->lid);
	return -EHOSTUNREACH;
}

static int cq_push(struct sv_ctx *c, int64_t t, uint64_t wr_id, int status, enum hw_verbs_opcode op,
		   uint32_t len, struct sv_qp *q, int retire)
{
	if (c->cq_len >= c->cq_cap)
		return -ENOSPC; /* a real CQ overrun is fatal too */
	c->cq[c->cq_len++] = (struct sv_cqe){
		.t = t,
		.wc = { .wr_id = wr_id, .status = status, .opcode = op, .byte_len = len },
		.qp = q,
		.retire = retire,
	};
	return 0;
}

/* Send-queue accounting shared by WRITE and SEND. */
static int sq_complete(struct sv_qp *q, int64_t t, uint64_t wr_id, int status,
		       enum hw_verbs_opcode op, size_t len, bool signaled)
{
	int retire;

	q->sq_used++;
	q->unsignaled++;
	/* a failed WR completes signaled or not, as on hardware */
	if (!signaled && !status)
		return 0;
	retire = q->unsignaled;
	q->unsignaled = 0;
	return cq_push(q->ctx, t, wr_id, status, op, (uint32_t)len, q, retire);
}

/* Both PCIe directions carry the message; returns when its last byte lands in host memory. */
static int64_t pcie_transfer(struct sv_fabric *f, size_t len)
{
	int64_t dn = (int64_t)((double)len * 8.0 / f->dn_gbps) + SIM_MSG_OVERHEAD_NS;
	int64_t up = (int64_t)((double)len * 8.0 / f->up_gbps) + SIM_MSG_OVERHEAD_NS;
	int64_t s_dn = f->dn_free > f->now ? f->dn_free : f->now;
	int64_t s_up;

	f->dn_free = s_dn + dn;
	/* the write-back can start once the first bytes arrived: cut-through, one overhead later */
	s_up = s_dn + SIM_MSG_OVERHEAD_NS;
	if (f->up_free > s_up)
		s_up = f->up_free;
	f->up_free = s_up + up;
	return f->up_free > f->dn_free ? f->up_free : f->dn_free;
}

static struct hw_verbs_mr *mr_find(struct sv_fabric *f, uint64_t addr, size_t len, uint32_t rkey)
{
	for (int i = 0; i < SIM_MRS_MAX; i++) {
		struct hw_verbs_mr *m = f->mrs[i];

		if (m && m->rkey == rkey && addr >= m->addr && len <= m->len &&
		    addr - m->addr <= m->len - len)
			return m;
	}
	return NULL;
}

static int sv_post_write(struct hw_verbs_qp *base, struct hw_verbs_mr *mr, size_t off, size_t len,
			 uint64_t raddr, uint32_t rkey, uint64_t wr_id, bool signaled)
{
	struct sv_qp *q = (struct sv_qp *)base;
	struct sv_fabric *f = q->ctx->fab;
	struct hw_verbs_mr *dst;
	int64_t done;
	int status = 0;

	if (!q->connected || !q->peer)
		return -ENOTCONN;
	if (q->sq_used >= q->max_send_wr)
		return -ENOMEM; /* send queue full, as ibv_post_send says */
	dst = mr_find(f, raddr, len, rkey);
	done = pcie_transfer(f, len) + SIM_LATENCY_NS + jitter(f);
	if (!dst) {
		status = HW_VERBS_WC_REM_ACCESS_ERR;
	} else {
		fabric_xfer(f, q->ctx->port, q->peer->ctx->port, len, done);
		memcpy((uint8_t *)dst->buf + (raddr - dst->addr), (uint8_t *)mr->buf + off,
		       len < SIM_COPY_MAX ? len : SIM_COPY_MAX);
	}
	return sq_complete(q, done, wr_id, status, HW_VERBS_OP_WRITE, len, signaled);
}

static int deliver_send(struct sv_qp *q, struct hw_verbs_mr *mr, size_t off, size_t len,
			int64_t arrive)
{
	struct sv_qp *p = q->peer;
	struct sv_recv *rv = &p->rq[p->rq_head];
	int status = len > rv->len ? HW_VERBS_WC_LOC_LEN_ERR : HW_VERBS_WC_SUCCESS;

	if (!status)
		memcpy((uint8_t *)rv->mr->buf + rv->off, (uint8_t *)mr->buf + off,
		       len < SIM_COPY_MAX ? len : SIM_COPY_MAX);
	p->rq_head = (p->rq_head + 1) % p->rq_cap;
	p->rq_len--;
	return cq_push(p->ctx, arrive, rv->wr_id, status, HW_VERBS_OP_RECV, (uint32_t)len, NULL, 0);
}

static int sv_post_send(struct hw_verbs_qp *base, struct hw_verbs_mr *mr, size_t off, size_t len,
			uint64_t wr_id, bool signaled)
{
	struct sv_qp *q = (struct sv_qp *)base;
	struct sv_fabric *f = q->ctx->fab;
	int64_t arrive;
	int r;

	if (!q->connected || !q->peer)
		return -ENOTCONN;
	if (q->sq_used >= q->max_send_wr || q->pending_send_at)
		return -ENOMEM;
	arrive = pcie_transfer(f, len) + SIM_LATENCY_NS + jitter(f);
	fabric_xfer(f, q->ctx->port, q->peer->ctx->port, len, arrive);
	if (q->peer->rq_len == 0) {
		/* receiver not ready: RNR NAK, retried until a receive is posted */
		q->pending_send_at = arrive;
		q->pending_mr = mr;
		q->pending_off = off;
		q->pending_len = len;
	} else {
		r = deliver_send(q, mr, off, len, arrive);
		if (r < 0)
			return r;
	}
	/* the ACK comes back a little after the data landed */
	return sq_complete(q, arrive + SIM_LATENCY_NS / 4, wr_id, 0, HW_VERBS_OP_SEND, len,
			   signaled);
}

static int sv_post_recv(struct hw_verbs_qp *base, struct hw_verbs_mr *mr, size_t off, size_t len,
			uint64_t wr_id)
{
	struct sv_qp *q = (struct sv_qp *)base;
	struct sv_fabric *f = q->ctx->fab;

	if (q->rq_len >= q->rq_cap)
		return -ENOMEM;
	q->rq[(q->rq_head + q->rq_len) % q->rq_cap] = (struct sv_recv){
		.mr = mr,
		.off = off,
		.len = len,
		.wr_id = wr_id,
	};
	q->rq_len++;
	/* a SEND parked on RNR goes through now (at the earliest when it arrived) */
	for (int i = 0; i < SIM_QPS_MAX; i++) {
		struct sv_qp *s = f->qps[i];

		if (s && s->peer == q && s->pending_send_at) {
			int64_t t = s->pending_send_at > f->now ? s->pending_send_at : f->now;

			s->pending_send_at = 0;
			return deliver_send(s, s->pending_mr, s->pending_off, s->pending_len, t);
		}
	}
	return 0;
}

/*
 * Poll: the fabric clock jumps to the next completion anywhere on the
 * fabric (as if the CPU spun until it came), and this context returns what
 * is due by then.  With nothing in flight the clock still creeps, so a
 * caller's timeout fires.
 */
static int sv_poll(struct hw_verbs_ctx *base, struct hw_verbs_wc *wc, int max)
{
	struct sv_ctx *c = sv_ctx_of(base);
	struct sv_fabric *f = c->fab;
	int64_t next = INT64_MAX;
	int n = 0;

	for (int i = 0; i < SIM_QPS_MAX; i++) {
		struct sv_qp *q = f->qps[i];

		if (!q)
			continue;
		for (int e = 0; e < q->ctx->cq_len; e++)
			if (q->ctx->cq[e].t < next)
				next = q->ctx->cq[e].t;
	}
	if (next == INT64_MAX)
		f->now += SIM_IDLE_SPIN_NS;
	else if (next > f->now)
		f->now = next;
	if (f->now - f->synced >= SIM_SYNC_NS)
		fabric_sync(f, f->now, false);
	while (n < max) {
		int best = -1;

		for (int e = 0; e < c->cq_len; e++)
			if (c->cq[e].t <= f->now && (best < 0 || c->cq[e].t < c->cq[best].t))
				best = e;
		if (best < 0)
			break;
		wc[n++] = c->cq[best].wc;
		if (c->cq[best].qp)
			c->cq[best].qp->sq_used -= c->cq[best].retire;
		c->cq[best] = c->cq[--c->cq_len];
	}
	return n;
}

/* The simulated box registers no real memory: nothing to limit. */
static int sv_memlock_get(struct hw *hw, struct hw_verbs_memlock *m)
{
	(void)hw;
	m->limit = UINT64_MAX;
	m->cap_ipc_lock = false;
	return 0;
}

const struct hw_verbs_ops hw_verbs_sim_ops = {
	.open = sv_open,
	.memlock_get = sv_memlock_get,
	.close = sv_close,
	.now_ns = sv_now_ns,
	.mr_reg = sv_mr_reg,
	.mr_dereg = sv_mr_dereg,
	.qp_create = sv_qp_create,
	.qp_destroy = sv_qp_destroy,
	.qp_connect = sv_qp_connect,
	.post_write = sv_post_write,
	.post_send = sv_post_send,
	.post_recv = sv_post_recv,
	.poll = sv_poll,
};
