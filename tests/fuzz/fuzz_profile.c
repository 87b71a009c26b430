/* fuzz_profile.c - libFuzzer harness: any text through profile_load_string(), errors as file:line. */
#include "tests/fuzz/fuzz.h"

#include <errno.h>

#include "supervisor/config/profile.h"
#include "supervisor/util/log.h"

#define FUZZ_PROFILE_NAME "fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct profile p; /* large: not on the stack */
	static struct profile_errors errs;
	static int quiet;
	char *text;
	int r;

	if (!quiet) {
		log_set_quiet(true);
		quiet = 1;
	}
	text = fuzz_cstring(data, size);
	if (!text)
		return 0;
	r = profile_load_string(FUZZ_PROFILE_NAME, text, &p, &errs);
	/* A profile loads, or is refused with at least one "file:line: message". */
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	FUZZ_CHECK(errs.count >= 0 && errs.count <= PROFILE_ERRORS_MAX);
	FUZZ_CHECK(errs.nwarnings >= 0 && errs.nwarnings <= PROFILE_WARNINGS_MAX);
	FUZZ_CHECK((r == 0) == (errs.count == 0));
	for (int i = 0; i < errs.count; i++) {
		FUZZ_CHECK(memchr(errs.msg[i], '\0', sizeof(errs.msg[i])) != NULL);
		FUZZ_CHECK(strncmp(errs.msg[i], FUZZ_PROFILE_NAME ":",
				   strlen(FUZZ_PROFILE_NAME ":")) == 0);
	}
	for (int i = 0; i < errs.nwarnings; i++)
		FUZZ_CHECK(memchr(errs.warning[i], '\0', sizeof(errs.warning[i])) != NULL);
	free(text);
	return 0;
}
