/* ib_bench_oob.c - encodes, checks and moves the benchmark's TCP messages, with deadlines. */
#include "drivers/ib_bench_oob.h"

#include "drivers/ib_bench_limits.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * Wire layout (offsets):
 *   0 magic u32, 4 version u16, 6 type u16, 8 flags u32, 12 qpn u32, 16 psn u32,
 *   20 rkey u32, 24 lid u16, 26 mtu u8, 27 reserved u8, 28 gid[16], 44 addr u64,
 *   52 len u64, 60 size u32, 64 nsizes u32, 68 iters u64, 76 duration u64,
 *   84 value u64, 92 elapsed u64, 100..123 reserved (zero), 124 crc32 u32
 */
#define OFF_CRC	     (IB_OOB_MSG_SIZE - 4)
#define OFF_RESERVED 100

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static void put64(uint8_t *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)get16(b) << 16 | get16(b + 2);
}

static uint64_t get64(const uint8_t *b)
{
	return (uint64_t)get32(b) << 32 | get32(b + 4);
}

/* CRC-32 (IEEE, reflected), bitwise: 124 bytes per message do not need a table. */
static uint32_t crc32_calc(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

void ib_oob_encode(const struct ib_oob_msg *m, uint8_t *buf)
{
	memset(buf, 0, IB_OOB_MSG_SIZE);
	put32(buf + 0, IB_OOB_MAGIC);
	put16(buf + 4, IB_OOB_VERSION);
	put16(buf + 6, m->type);
	put32(buf + 8, m->flags);
	put32(buf + 12, m->qpn);
	put32(buf + 16, m->psn);
	put32(buf + 20, m->rkey);
	put16(buf + 24, m->lid);
	buf[26] = m->mtu;
	memcpy(buf + 28, m->gid, 16);
	put64(buf + 44, m->addr);
	put64(buf + 52, m->len);
	put32(buf + 60, m->size);
	put32(buf + 64, m->nsizes);
	put64(buf + 68, m->iters);
	put64(buf + 76, m->duration_ns);
	put64(buf + 84, m->value);
	put64(buf + 92, m->elapsed_ns);
	put32(buf + OFF_CRC, crc32_calc(buf, OFF_CRC));
}

static int bad(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "peer sent a bad message: %s", what);
	return -EPROTO;
}

static bool size_ok(uint32_t size)
{
	return size >= IB_BENCH_SIZE_MIN && size <= IB_BENCH_SIZE_MAX;
}

/* What each type may carry: anything else is a broken or hostile peer. */
static int fields_check(const struct ib_oob_msg *m, char *err, size_t errlen)
{
	switch (m->type) {
	case IB_OOB_HELLO:
		if (m->flags & ~(IB_OOB_F_BIDIR | IB_OOB_F_LAT))
			return bad(err, errlen, "unknown flags");
		if (m->nsizes < 1 || m->nsizes > IB_BENCH_SIZES_MAX)
			return bad(err, errlen, "number of sizes out of range");
		if (!size_ok(m->size))
			return bad(err, errlen, "message size out of range");
		if (m->iters == 0 && (m->duration_ns == 0 || m->duration_ns > 3600000000000ULL))
			return bad(err, errlen, "neither iterations nor a sane duration");
		if (m->iters > IB_BENCH_ITERS_MAX)
			return bad(err, errlen, "too many iterations");
		return 0;
	case IB_OOB_QP:
		if (m->flags & ~IB_OOB_F_GLOBAL)
			return bad(err, errlen, "unknown flags");
		if (m->qpn == 0 || m->qpn > 0xffffff)
			return bad(err, errlen, "queue pair number out of range");
		if (m->psn > 0xffffff)
			return bad(err, errlen, "packet sequence number out of range");
		if (m->mtu < 1 || m->mtu > 5)
			return bad(err, errlen, "MTU code out of range");
		if (!(m->flags & IB_OOB_F_GLOBAL) && (m->lid == 0 || m->lid >= 0xc000))
			return bad(err, errlen, "no unicast LID and no GID");
		if (m->len < IB_BENCH_SIZE_MIN || m->len > 2ull * IB_BENCH_SIZE_MAX)
			return bad(err, errlen, "buffer length out of range");
		if (m->addr > UINT64_MAX - m->len)
			return bad(err, errlen, "buffer wraps the address space");
		return 0;
	case IB_OOB_READY:
		if (m->flags & ~(IB_OOB_F_BIDIR | IB_OOB_F_LAT))
			return bad(err, errlen, "unknown flags");
		if (!size_ok(m->size))
			return bad(err, errlen, "message size out of range");
		if (m->iters > IB_BENCH_ITERS_MAX)
			return bad(err, errlen, "too many iterations");
		return 0;
	case IB_OOB_RESULT:
		if (!size_ok(m->size))
			return bad(err, errlen, "message size out of range");
		if (m->elapsed_ns > 3600000000000ULL)
			return bad(err, errlen, "measured interval out of range");
		return 0;
	case IB_OOB_DONE:
		return 0;
	case IB_OOB_ERROR:
		if (m->value == 0 || m->value > 4095)
			return bad(err, errlen, "error code out of range");
		return 0;
	default:
		return bad(err, errlen, "unknown message type");
	}
}

int ib_oob_decode(const uint8_t *buf, size_t len, struct ib_oob_msg *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (!buf || len != IB_OOB_MSG_SIZE)
		return bad(err, errlen, "wrong length");
	if (get32(buf) != IB_OOB_MAGIC)
		return bad(err, errlen, "not an h2box benchmark peer (magic)");
	if (get16(buf + 4) != IB_OOB_VERSION)
		return bad(err, errlen, "protocol version mismatch");
	if (get32(buf + OFF_CRC) != crc32_calc(buf, OFF_CRC))
		return bad(err, errlen, "checksum mismatch");
	if (buf[27])
		return bad(err, errlen, "reserved bytes set");
	for (size_t i = OFF_RESERVED; i < OFF_CRC; i++)
		if (buf[i])
			return bad(err, errlen, "reserved bytes set");
	m->type = get16(buf + 6);
	m->flags = get32(buf + 8);
	m->qpn = get32(buf + 12);
	m->psn = get32(buf + 16);
	m->rkey = get32(buf + 20);
	m->lid = get16(buf + 24);
	m->mtu = buf[26];
	memcpy(m->gid, buf + 28, 16);
	m->addr = get64(buf + 44);
	m->len = get64(buf + 52);
	m->size = get32(buf + 60);
	m->nsizes = get32(buf + 64);
	m->iters = get64(buf + 68);
	m->duration_ns = get64(buf + 76);
	m->value = get64(buf + 84);
	m->elapsed_ns = get64(buf + 92);
	return fields_check(m, err, errlen);
}

/* ---- TCP with deadlines ----
 * Socket timeouts are real time even on the simulated box, so the deadline
 * comes from CLOCK_MONOTONIC here and not from the hw clock.
 */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - mono_ns();
		int64_t ms = (left + 999999) / 1000000;
		struct pollfd p = { .fd = fd, .events = events };
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(ms > 60000 ? 60000 : ms));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r > 0)
			return (p.revents & POLLNVAL) ? -EBADF : 0;
	}
}

static void tune(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int ib_oob_listen(int port, int *fd)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	int one = 1, zero = 0, s, r;

	if (port < 1 || port > 65535)
		return -EINVAL;
	a.sin6_port = htons((uint16_t)port);
	s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* one socket for IPv4 and IPv6 clients */
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0) {
		r = -errno;
		close(s);
		return r;
	}
	*fd = s;
	return 0;
}

int ib_oob_accept(int lfd, int64_t timeout_ns, int *fd)
{
	int64_t deadline = mono_ns() + timeout_ns;

	for (;;) {
		int s, r = wait_fd(lfd, POLLIN, deadline);

		if (r < 0)
			return r;
		s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (s >= 0) {
			tune(s);
			*fd = s;
			return 0;
		}
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			return -errno;
	}
}

int ib_oob_connect(const char *host, int port, int64_t timeout_ns, int *fd)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL, *ai;
	int64_t deadline = mono_ns() + timeout_ns;
	char service[8];
	int r = -EHOSTUNREACH;

	if (!host || !*host || strlen(host) >= IB_BENCH_HOST_MAX || port < 1 || port > 65535)
		return -EINVAL;
	snprintf(service, sizeof(service), "%d", port);
	if (getaddrinfo(host, service, &hints, &res) != 0 || !res)
		return -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			       ai->ai_protocol);
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (s < 0) {
			r = -errno;
			continue;
		}
		if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			r = -errno;
			close(s);
			continue;
		}
		r = wait_fd(s, POLLOUT, deadline);
		if (r == 0 && getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
			tune(s);
			*fd = s;
			freeaddrinfo(res);
			return 0;
		}
		if (r == 0)
			r = -(soerr ? soerr : ECONNREFUSED);
		close(s);
		if (r == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	return r;
}

int ib_oob_send(int fd, const struct ib_oob_msg *m, int64_t timeout_ns)
{
	uint8_t buf[IB_OOB_MSG_SIZE];
	int64_t deadline = mono_ns() + timeout_ns;
	size_t off = 0;

	ib_oob_encode(m, buf);
	while (off < sizeof(buf)) {
		ssize_t n = send(fd, buf + off, sizeof(buf) - off, MSG_NOSIGNAL);
		int r;

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return errno == EPIPE ? -ECONNRESET : -errno;
		r = wait_fd(fd, POLLOUT, deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

int ib_oob_recv(int fd, struct ib_oob_msg *m, int64_t timeout_ns, char *err, size_t errlen)
{
	uint8_t buf[IB_OOB_MSG_SIZE];
	int64_t deadline = mono_ns() + timeout_ns;
	size_t off = 0;

	while (off < sizeof(buf)) {
		ssize_t n = recv(fd, buf + off, sizeof(buf) - off, 0);
		int r;

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0) {
			if (err && errlen)
				snprintf(err, errlen, "peer closed the connection%s",
					 off ? " in the middle of a message" : "");
			return -ECONNRESET;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		r = wait_fd(fd, POLLIN, deadline);
		if (r < 0) {
			if (err && errlen && r == -ETIMEDOUT)
				snprintf(err, errlen, "peer sent %zu of %d bytes, then nothing",
					 off, IB_OOB_MSG_SIZE);
			return r;
		}
	}
	return ib_oob_decode(buf, sizeof(buf), m, err, errlen);
}

int ib_oob_expect(int fd, uint16_t type, struct ib_oob_msg *m, int64_t timeout_ns, char *err,
		  size_t errlen)
{
	int r = ib_oob_recv(fd, m, timeout_ns, err, errlen);

	if (r < 0)
		return r;
	if (m->type == IB_OOB_ERROR) {
		if (err && errlen)
			snprintf(err, errlen, "peer gave up: %s", strerror((int)m->value));
		return -ECONNABORTED;
	}
	if (m->type != type) {
		if (err && errlen)
			snprintf(err, errlen, "peer sent message type %u where %u was due", m->type,
				 type);
		return -EPROTO;
	}
	return 0;
}
