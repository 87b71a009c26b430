/* fuzz_energy_state.c - libFuzzer harness: the energy state file through energy_state_parse(). */
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <math.h>

#include "supervisor/policy/energy.h"

/* watts_energy_state_load() reads into 1024 bytes; watts_energy_state_save() formats into 512. */
#define FUZZ_ENERGY_READ_MAX 1023
#define FUZZ_ENERGY_WRITE_BUF 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct energy_state st, again;
	char out[FUZZ_ENERGY_WRITE_BUF];
	char *text;
	int r, n;

	if (size > FUZZ_ENERGY_READ_MAX)
		return 0;
	text = fuzz_cstring(data, size);
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
