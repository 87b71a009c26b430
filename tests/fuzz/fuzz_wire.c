/* fuzz_wire.c - libFuzzer harness: control-socket request lines and reply heads (util/wire.c). */
#include "tests/fuzz/fuzz.h"

#include <errno.h>

#include "supervisor/util/wire.h"

/* The daemon reads at most WIRE_REQUEST_MAX bytes per line and splits into CTL_ARGS_MAX + 1. */
#define FUZZ_WIRE_ARGS (WIRE_ARGS_MAX + 1)

static void fuzz_wire_request(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_WIRE_ARGS], *argv2[FUZZ_WIRE_ARGS];
	char enc[WIRE_REQUEST_MAX + 2];
	char *line = fuzz_cstring(data, size);
	int argc, argc2, n;

	if (!line)
		return;
	argc = wire_request_split(line, argv, FUZZ_WIRE_ARGS);
	FUZZ_CHECK(argc == -EINVAL || argc == -E2BIG || (argc >= 0 && argc <= FUZZ_WIRE_ARGS));
	if (argc <= 0 || argc > WIRE_ARGS_MAX)
		goto out;
	for (int i = 0; i < argc; i++) {
		FUZZ_CHECK(argv[i][0] != '\0');
		FUZZ_CHECK(argv[i] >= line && argv[i] <= line + size);
	}
	/* Every request the daemon understands, the client can send: words survive the trip. */
	n = wire_request_encode(false, argc, argv, enc, sizeof(enc));
	if (n == -E2BIG)
		goto out; /* the escapes made it longer than a line */
	FUZZ_CHECK(n > 0 && enc[n - 1] == '\n');
	enc[n - 1] = '\0';
	argc2 = wire_request_split(enc, argv2, FUZZ_WIRE_ARGS);
	FUZZ_CHECK(argc2 == argc + 1); /* "text" first */
	for (int i = 0; i < argc; i++)
		FUZZ_CHECK(strcmp(argv[i], argv2[i + 1]) == 0);
out:
	free(line);
}

/*
 * The head is parsed from buf[0, size) alone: the same bytes followed by something else (more
 * of the body, or what lies past the buffer) give the same answer.
 */
static void fuzz_wire_reply_head(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 3);
	size_t off = 0, off2 = 0;
	int status = -1, status2 = -1, r, r2;

	if (!buf)
		return;
	memcpy(buf, data, size);
	buf[size] = '\0';
	r = wire_reply_head_parse(buf, size, &status, &off);
	FUZZ_CHECK(r == 0 || r == -EAGAIN || r == -EPROTO);
	if (r == 0) {
		FUZZ_CHECK(status >= 0 && status <= 125);
		FUZZ_CHECK(off >= 1 && off <= size && buf[off - 1] == '\n');
	}
	memcpy(buf + size, "9\n", 3);
	r2 = wire_reply_head_parse(buf, size, &status2, &off2);
	FUZZ_CHECK(r2 == r);
	FUZZ_CHECK(r != 0 || (status2 == status && off2 == off));
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the first byte picks the direction: requests (daemon side) or reply heads (client) */
	if (size < 1 || size > WIRE_REQUEST_MAX + 1)
		return 0;
	if (data[0] & 1)
		fuzz_wire_reply_head(data + 1, size - 1);
	else
		fuzz_wire_request(data + 1, size - 1);
	return 0;
}
