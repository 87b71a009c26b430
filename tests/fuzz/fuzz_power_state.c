/* fuzz_power_state.c - libFuzzer harness: the power state file through powerseq_saved_parse(). */
#include "tests/fuzz/fuzz.h"

#include "supervisor/policy/powerseq-saved.h"

/* power_svc_load_saved() reads the file into 256 bytes: longer files never reach the parser. */
#define FUZZ_POWER_STATE_MAX 255

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct powerseq_saved sv, again;
	char name[POWERSEQ_SAVED_NAME_MAX], name2[POWERSEQ_SAVED_NAME_MAX], out[256];
	unsigned bad, bad2;
	char *text;
	int n;

	if (size > FUZZ_POWER_STATE_MAX)
		return 0;
	text = fuzz_cstring(data, size);
	if (!text)
		return 0;
	bad = powerseq_saved_parse(text, &sv, name, sizeof(name));
	/* the name of a bad fault is for the log: printable and bounded */
	FUZZ_CHECK(memchr(name, '\0', sizeof(name)) != NULL);
	for (const char *c = name; *c; c++)
		FUZZ_CHECK(*c >= ' ' && *c <= '~');
	FUZZ_CHECK(!(bad & POWERSEQ_SAVED_BAD_FAULT) || sv.fault == POWERSEQ_FAULT_UNKNOWN);
	FUZZ_CHECK(!(bad & POWERSEQ_SAVED_BAD_REQUESTED) ||
		   sv.requested == POWERSEQ_REQUESTED_UNKNOWN);
	FUZZ_CHECK(!sv.fault_at_known || sv.fault_at_s >= 0);

	/* What was understood is written back the same way and reads back the same. */
	n = powerseq_saved_format(&sv, out, sizeof(out));
	FUZZ_CHECK(n >= 0);
	bad2 = powerseq_saved_parse(out, &again, name2, sizeof(name2));
	FUZZ_CHECK(again.requested == sv.requested);
	FUZZ_CHECK(again.fault == sv.fault);
	FUZZ_CHECK(again.fault_at_known == (sv.fault != POWERSEQ_FAULT_NONE && sv.fault_at_known));
	FUZZ_CHECK(!again.fault_at_known || again.fault_at_s == sv.fault_at_s);
	FUZZ_CHECK(!(bad2 & POWERSEQ_SAVED_BAD_FAULT));
	free(text);
	return 0;
}
