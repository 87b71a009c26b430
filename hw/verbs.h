/* verbs.h - RDMA verbs for the benchmark: RC queue pairs, WRITE/SEND/RECV, completions. */
#ifndef H2BOX_HW_VERBS_H
#define H2BOX_HW_VERBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hw;
struct hw_verbs_ctx; /* one device port: protection domain + one completion queue */
struct hw_verbs_mr;  /* a registered buffer, allocated by the backend */
struct hw_verbs_qp;  /* an RC queue pair on a context */

/* What the other end needs to reach a queue pair (exchanged out of band). */
struct hw_verbs_qp_info {
	uint32_t qpn; /* 24 bits */
	uint32_t psn; /* 24 bits */
	uint16_t lid;
	uint8_t gid[16];
	bool global; /* the GID must be used (RoCE/rxe, or the port has no LID) */
	int mtu;     /* IBTA code 1..5 (active MTU of the port) */
};

enum hw_verbs_opcode {
	HW_VERBS_OP_WRITE,
	HW_VERBS_OP_SEND,
	HW_VERBS_OP_RECV,
};

/* Completion status: ibv_wc_status's values (hw/linux/verbs.c asserts they line up). */
enum hw_verbs_wc_status {
	HW_VERBS_WC_SUCCESS = 0,
	HW_VERBS_WC_LOC_LEN_ERR = 1,
	HW_VERBS_WC_REM_ACCESS_ERR = 10,
	HW_VERBS_WC_GENERAL_ERR = 21, /* the last status hw_verbs_wc_status_str names */
};

struct hw_verbs_wc {
	uint64_t wr_id;
	int status; /* 0 success, else the ibv_wc_status value (enum hw_verbs_wc_status) */
	enum hw_verbs_opcode opcode;
	uint32_t byte_len;
};
/* Completions carry no queue pair: callers encode what they need in wr_id. */

/*
 * Open `dev` port `port` with a completion queue of cq_depth entries.
 * gid_index < 0 picks a usable GID (RoCE v2 IPv4 first) when the link layer
 * needs one.  -ENODEV (no such device/port), -ENOTSUP (backend without
 * verbs), -errno.  err gets a sentence on failure.
 */
int hw_verbs_open(struct hw *hw, const char *dev, int port, int gid_index, int cq_depth,
		  struct hw_verbs_ctx **out, char *err, size_t errlen);
void hw_verbs_close(struct hw_verbs_ctx *c);
/*
 * How much memory this process may register (pin): RLIMIT_MEMLOCK, unless
 * CAP_IPC_LOCK lifts it (root has it).  The kernel refuses a registration
 * past the limit with a bare ENOMEM/EPERM, so the benchmark checks first.
 */
struct hw_verbs_memlock {
	uint64_t limit;	   /* bytes; UINT64_MAX: unlimited */
	bool cap_ipc_lock; /* the limit does not apply */
};
int hw_verbs_memlock_get(struct hw *hw, struct hw_verbs_memlock *m);

/*
 * The clock completions are timed by: CLOCK_MONOTONIC on real hardware,
 * the simulated fabric's virtual clock on the sim (it moves as completions
 * are polled, so a benchmark measures the model, not the host CPU).
 */
int64_t hw_verbs_now_ns(struct hw_verbs_ctx *c);

/*
 * A cycle counter read as nanoseconds (the linux backend's clock where the
 * CPU has one).  The latency loop reads the clock once per round trip, on
 * the path it measures: clock_gettime() is a system call wherever the
 * kernel's clocksource has no vDSO read (a VM's HPET or ACPI PM timer), a
 * cycle counter is a few instructions, and perftest times with it too
 * (get_cycles()).  Calibrated from two (CLOCK_MONOTONIC, counter) pairs.
 */
struct hw_verbs_cycle_clock {
	uint64_t c0;	     /* counter at t0_ns */
	int64_t t0_ns;	     /* CLOCK_MONOTONIC at c0 */
	double ns_per_cycle; /* > 0 once calibrated */
};
/* 0, or -ERANGE: pairs less than 1 ms apart, or a rate outside 50 MHz .. 20 GHz. */
int hw_verbs_cycle_clock_calibrate(struct hw_verbs_cycle_clock *k, int64_t t0_ns, uint64_t c0,
				   int64_t t1_ns, uint64_t c1);
int64_t hw_verbs_cycle_clock_ns(const struct hw_verbs_cycle_clock *k, uint64_t cycles);

int hw_verbs_mr_reg(struct hw_verbs_ctx *c, size_t len, struct hw_verbs_mr **out);
void hw_verbs_mr_dereg(struct hw_verbs_mr *mr);
void *hw_verbs_mr_buf(struct hw_verbs_mr *mr);
uint64_t hw_verbs_mr_addr(const struct hw_verbs_mr *mr); /* address the peer writes to */
uint32_t hw_verbs_mr_rkey(const struct hw_verbs_mr *mr);
size_t hw_verbs_mr_len(const struct hw_verbs_mr *mr);

int hw_verbs_qp_create(struct hw_verbs_ctx *c, int max_send_wr, int max_recv_wr,
		       struct hw_verbs_qp **out);
/* What the device returned for a new queue pair (ibv_create_qp's cap), 0 when not known. */
struct hw_verbs_qp_caps {
	uint32_t max_inline_data, max_send_wr, max_sge;
};
const struct hw_verbs_qp_caps *hw_verbs_qp_caps(const struct hw_verbs_qp *qp);
/*
 * Sends up to this size go inline: min(returned, asked).  mlx4 rounds its
 * send WQE up and returns more than asked (448 for 236), rxe returns what was
 * asked; the minimum makes both, and perftest's default, inline the same sizes.
 */
uint32_t hw_verbs_inline_size(uint32_t asked, uint32_t returned);
#define HW_VERBS_INLINE_ASK 236 /* inline bytes asked for, perftest's default */
void hw_verbs_qp_destroy(struct hw_verbs_qp *qp);
void hw_verbs_qp_local(const struct hw_verbs_qp *qp, struct hw_verbs_qp_info *info);
/* RESET -> INIT -> RTR -> RTS towards the remote queue pair. */
int hw_verbs_qp_connect(struct hw_verbs_qp *qp, const struct hw_verbs_qp_info *remote, char *err,
			size_t errlen);

int hw_verbs_post_write(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
			uint64_t raddr, uint32_t rkey, uint64_t wr_id, bool signaled);
/*
 * n (1 .. HW_VERBS_POST_LIST_MAX) WRITEs of the same span as one chained
 * post, wr_ids wr_id .. wr_id + n - 1, only the last signalled if
 * signal_last: one doorbell for all (on rxe one system call, which runs the
 * requester, instead of n).  Returns how many were posted (a full send queue
 * stops the chain), or -errno when none was (-ENOMEM: the queue is full).
 */
#define HW_VERBS_POST_LIST_MAX 32
int hw_verbs_post_writes(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
			 uint64_t raddr, uint32_t rkey, uint64_t wr_id, int n, bool signal_last);
int hw_verbs_post_send(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
		       uint64_t wr_id, bool signaled);
int hw_verbs_post_recv(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
		       uint64_t wr_id);
/* Up to max completions of the context's CQ; returns the count (0 = none yet) or -errno. */
int hw_verbs_poll(struct hw_verbs_ctx *c, struct hw_verbs_wc *wc, int max);
const char *hw_verbs_wc_status_str(int status);

#endif
