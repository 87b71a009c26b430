/* fuzz_bench_oob.c - libFuzzer harness: the bench peer's messages through ib_oob_decode(). */
#include "tests/fuzz/fuzz.h"

#include <errno.h>

#include "drivers/ib_bench_limits.h"
#include "drivers/ib_bench_oob.h"

/* A decoded message encodes back to the very bytes it came from (nothing ignored, nothing lost). */
static void fuzz_oob_check(const uint8_t *buf, size_t len)
{
	struct ib_oob_msg m;
	uint8_t again[IB_OOB_MSG_SIZE];
	char err[128];
	int r;

	err[0] = '\0';
	r = ib_oob_decode(buf, len, &m, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -EPROTO);
	if (r < 0) {
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)) != NULL);
		return;
	}
	FUZZ_CHECK(len == IB_OOB_MSG_SIZE);
	ib_oob_encode(&m, again);
	FUZZ_CHECK(memcmp(again, buf, IB_OOB_MSG_SIZE) == 0);
	/* what the bench relies on once a message passed */
	switch (m.type) {
	case IB_OOB_HELLO:
		FUZZ_CHECK(m.nsizes >= 1 && m.nsizes <= IB_BENCH_SIZES_MAX);
		FUZZ_CHECK(m.iters <= IB_BENCH_ITERS_MAX);
		/* fall through */
	case IB_OOB_READY:
	case IB_OOB_RESULT:
		FUZZ_CHECK(m.size >= IB_BENCH_SIZE_MIN && m.size <= IB_BENCH_SIZE_MAX);
		break;
	case IB_OOB_QP:
		FUZZ_CHECK(m.qpn != 0 && m.qpn <= 0xffffff && m.mtu >= 1 && m.mtu <= 5);
		FUZZ_CHECK(m.addr + m.len >= m.addr);
		break;
	case IB_OOB_DONE:
		break;
	case IB_OOB_ERROR:
		FUZZ_CHECK(m.value >= 1 && m.value <= 4095);
		break;
	default:
		FUZZ_CHECK(!"unknown type accepted");
	}
}

/* Read a big-endian field of n bytes from the input, zeros past its end. */
static uint64_t fuzz_oob_take(const uint8_t **p, const uint8_t *end, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++) {
		v = v << 8 | (*p < end ? **p : 0);
		if (*p < end)
			(*p)++;
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end = data + size;
	struct ib_oob_msg m;
	uint8_t buf[IB_OOB_MSG_SIZE];
	uint8_t *raw;

	if (size < 1 || size > 2 * IB_OOB_MSG_SIZE)
		return 0;
	if (!(data[0] & 1)) {
		/* the bytes as a peer sent them (most fail the checksum: header checks) */
		raw = malloc(size - 1 ? size - 1 : 1);
		if (!raw)
			return 0;
		memcpy(raw, data + 1, size - 1);
		fuzz_oob_check(raw, size - 1);
		free(raw);
		return 0;
	}
	/* a well-formed frame with fuzzed fields: the per-type range checks */
	p = data + 1;
	memset(&m, 0, sizeof(m));
	m.type = (uint16_t)fuzz_oob_take(&p, end, 2);
	m.flags = (uint32_t)fuzz_oob_take(&p, end, 4);
	m.qpn = (uint32_t)fuzz_oob_take(&p, end, 4);
	m.psn = (uint32_t)fuzz_oob_take(&p, end, 4);
	m.rkey = (uint32_t)fuzz_oob_take(&p, end, 4);
	m.lid = (uint16_t)fuzz_oob_take(&p, end, 2);
	m.mtu = (uint8_t)fuzz_oob_take(&p, end, 1);
	for (int i = 0; i < 16; i++)
		m.gid[i] = (uint8_t)fuzz_oob_take(&p, end, 1);
	m.addr = fuzz_oob_take(&p, end, 8);
	m.len = fuzz_oob_take(&p, end, 8);
	m.size = (uint32_t)fuzz_oob_take(&p, end, 4);
	m.nsizes = (uint32_t)fuzz_oob_take(&p, end, 4);
	m.iters = fuzz_oob_take(&p, end, 8);
	m.duration_ns = fuzz_oob_take(&p, end, 8);
	m.value = fuzz_oob_take(&p, end, 8);
	m.elapsed_ns = fuzz_oob_take(&p, end, 8);
	ib_oob_encode(&m, buf);
	fuzz_oob_check(buf, sizeof(buf));
	return 0;
}
