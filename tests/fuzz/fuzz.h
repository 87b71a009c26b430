/* fuzz.h - what every libFuzzer harness in tests/fuzz shares: the entry point and input helpers. */
#ifndef H2BOX_TESTS_FUZZ_H
#define H2BOX_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry point; declared here for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input as a C string in a buffer of exactly size + 1 bytes, so ASan sees any read past
 * its end.  A NUL byte inside ends the string early, as it would for the code's callers.
 * NULL without memory (libFuzzer then just moves on).
 */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		if (size)
			memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* A verdict the harness checks itself: abort, which libFuzzer reports as a crash with its input. */
#define FUZZ_CHECK(cond)                                                                 \
	do {                                                                             \
		if (!(cond))                                                             \
			fuzz_fail(__FILE__, __LINE__, #cond);                            \
	} while (0)

static inline void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

#endif
