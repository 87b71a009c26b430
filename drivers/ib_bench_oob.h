/* ib_bench_oob.h - the benchmark's out-of-band TCP exchange: fixed-size, versioned messages. */
#ifndef H2BOX_IB_BENCH_OOB_H
#define H2BOX_IB_BENCH_OOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every message is exactly IB_OOB_MSG_SIZE bytes, big-endian, with a magic,
 * a version, a type and a CRC-32 over the rest, so a peer can only ever
 * hand us values we range-checked: nothing is parsed with scanf, nothing
 * is variable-length, and a short, slow or silent peer hits a timeout.
 */
#define IB_OOB_MSG_SIZE 128
#define IB_OOB_MAGIC	0x48324942u /* "H2IB" */
#define IB_OOB_VERSION	1

enum ib_oob_type {
	IB_OOB_HELLO = 1,  /* client -> server: the test to run (sizes, iterations, mode) */
	IB_OOB_QP = 2,	   /* both ways: queue pair and buffer of one side */
	IB_OOB_READY = 3,  /* both ways: QP is in RTS, go (carries the size of the round) */
	IB_OOB_RESULT = 4, /* both ways: what this side measured for one size */
	IB_OOB_DONE = 5,   /* client -> server: no more rounds */
	IB_OOB_ERROR = 6,  /* either way: the sender gives up (code in `value`) */
};

#define IB_OOB_F_BIDIR	0x1u
#define IB_OOB_F_LAT	0x2u
#define IB_OOB_F_GLOBAL 0x4u /* the GID is needed (RoCE, rxe, or no LID) */

struct ib_oob_msg {
	uint16_t type;
	uint32_t flags;
	/* IB_OOB_QP */
	uint32_t qpn; /* 24 bits, non-zero */
	uint32_t psn; /* 24 bits */
	uint32_t rkey;
	uint16_t lid;
	uint8_t mtu; /* IBTA code 1..5 */
	uint8_t gid[16];
	uint64_t addr; /* remote buffer */
	uint64_t len;
	/* IB_OOB_HELLO / READY / RESULT */
	uint32_t size;	      /* message size of the round */
	uint32_t nsizes;      /* HELLO: rounds to come */
	uint64_t iters;	      /* HELLO/READY: per round; 0 = by duration */
	uint64_t duration_ns; /* HELLO/READY */
	uint64_t value;	      /* RESULT: bytes moved; ERROR: errno */
	uint64_t elapsed_ns;  /* RESULT: measured interval */
};

/* Encode into exactly IB_OOB_MSG_SIZE bytes. */
void ib_oob_encode(const struct ib_oob_msg *m, uint8_t *buf);
/*
 * Decode and validate.  0, or -EPROTO with a message: wrong length,
 * magic, version, checksum, unknown type, non-zero reserved bytes, or a
 * field out of range for its type.
 */
int ib_oob_decode(const uint8_t *buf, size_t len, struct ib_oob_msg *m, char *err, size_t errlen);

/* TCP: every call is bounded by timeout_ns.  0 or -errno (-ETIMEDOUT, -ECONNRESET, ...). */
int ib_oob_listen(int port, int *fd);
int ib_oob_accept(int lfd, int64_t timeout_ns, int *fd);
int ib_oob_connect(const char *host, int port, int64_t timeout_ns, int *fd);
int ib_oob_send(int fd, const struct ib_oob_msg *m, int64_t timeout_ns);
/* Receive one message; -EPROTO (with err) for a malformed one, -ECONNRESET when the peer left. */
int ib_oob_recv(int fd, struct ib_oob_msg *m, int64_t timeout_ns, char *err, size_t errlen);
/* Receive and insist on a type; an IB_OOB_ERROR from the peer becomes -ECONNABORTED. */
int ib_oob_expect(int fd, uint16_t type, struct ib_oob_msg *m, int64_t timeout_ns, char *err,
		  size_t errlen);

#endif
