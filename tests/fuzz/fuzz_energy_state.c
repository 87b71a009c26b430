/* fuzz_energy_state.c - libFuzzer harness: the energy state file through energy_state_parse(). */
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <math.h>

#include "supervisor/policy/energy.h"

/* watts_energy_state_load() reads into 1024 bytes; watts_energy_state_save() formats into 512. */
#define FUZZ_ENERGY_READ_MAX 1023
#define FUZZ_ENERGY_WRITE_BUF 512

/*
 * The file's checksum (FNV-1a, 32 bits, over everything before "check "), computed here on its
 * own as the test's oracle: with it the fuzzer reaches the line parser behind the checksum.
 */
static uint32_t fuzz_energy_fnv1a(const uint8_t *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return h;
}

/* The input as the file's text: byte 0 even, the rest as it is; odd, the rest with a valid
 * check line appended (what a file the daemon wrote ends with). */
static char *fuzz_energy_text(const uint8_t *data, size_t size)
{
	char *text;

	if (!(data[0] & 1))
		return fuzz_cstring(data + 1, size - 1);
	text = malloc(size - 1 + 16);
	if (!text)
		return NULL;
	memcpy(text, data + 1, size - 1);
	snprintf(text + size - 1, 16, "check %08x\n", fuzz_energy_fnv1a(data + 1, size - 1));
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct energy_state st, again;
	char out[FUZZ_ENERGY_WRITE_BUF];
	char *text;
	int r, n;

	if (size < 1 || size > FUZZ_ENERGY_READ_MAX - 15)
		return 0;
	text = fuzz_energy_text(data, size);
	if (!text)
		return 0;
	r = energy_state_parse(text, &st);
	FUZZ_CHECK(r == 0 || r == -EBADMSG);
	if (r < 0) {
		/* corrupt: nothing half-read is handed back */
		FUZZ_CHECK(st.install_j == 0 && st.since_real_ns == 0 && st.saved_real_ns == 0);
		goto out;
	}
	FUZZ_CHECK(isfinite(st.install_j) && st.install_j >= 0);
	/* A state the daemon accepted, it can save again, and that file reads back the same. */
	n = energy_state_format(&st, out, sizeof(out));
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(out));
	FUZZ_CHECK(energy_state_parse(out, &again) == 0);
	FUZZ_CHECK(fabs(again.install_j - st.install_j) <= 1e-6 * fmax(1.0, st.install_j));
	FUZZ_CHECK(again.since_real_ns == st.since_real_ns);
	FUZZ_CHECK(again.saved_real_ns == st.saved_real_ns);
out:
	free(text);
	return 0;
}
