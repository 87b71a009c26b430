/* wire.c - the control socket's wire format, for h2boxd and h2box: request line, reply head. */
#include "supervisor/util/wire.h"

#include "supervisor/util/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int wire_request_encode(bool json, int argc, char *const *argv, char *buf, size_t len)
{
	size_t n = 0;
	int w = snprintf(buf, len, "%s", json ? "json" : "text");

	if (w < 0 || (size_t)w >= len)
		return -E2BIG;
	n = (size_t)w;
	if (argc > WIRE_ARGS_MAX)
		return -E2BIG;
	for (int i = 0; i < argc; i++) {
		if (n + 1 >= len)
			return -E2BIG;
		buf[n++] = ' ';
		if (!argv[i][0]) {
			return -EINVAL; /* an empty word cannot cross the protocol */
		}
		for (const unsigned char *p = (const unsigned char *)argv[i]; *p; p++) {
			if (*p > 0x20 && *p < 0x7f && *p != '%') {
				if (n + 1 >= len)
					return -E2BIG;
				buf[n++] = (char)*p;
			} else {
				if (n + 3 >= len)
					return -E2BIG;
				snprintf(buf + n, 4, "%%%02X", *p);
				n += 3;
			}
		}
	}
	if (n + 2 > len)
		return -E2BIG;
	buf[n++] = '\n';
	buf[n] = '\0';
	return (int)n;
}

static int wire_hex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int wire_request_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *save = NULL;

	for (char *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *o = w;

		if (argc >= max)
			return -E2BIG;
		for (char *p = w; *p; p++) {
			if (*p == '%') {
				int hi = wire_hex((unsigned char)p[1]);
				int lo = hi < 0 ? -1 : wire_hex((unsigned char)p[2]);

				/* %00 would cut the word short: refused */
				if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
					return -EINVAL;
				*o++ = (char)(hi * 16 + lo);
				p += 2;
			} else if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
				return -EINVAL;
			} else {
				*o++ = *p;
			}
		}
		*o = '\0';
		argv[argc++] = w;
	}
	return argc;
}

int wire_reply_head_format(int status, char *buf, size_t len)
{
	return snprintf(buf, len, status ? "error %d\n" : "ok\n", status);
}

int wire_reply_head_parse(const char *buf, size_t len, int *status, size_t *body_off)
{
	const char *nl = memchr(buf, '\n', len);
	char head[WIRE_HEAD_MAX];
	size_t n;

	if (!nl)
		return -EAGAIN;
	n = (size_t)(nl - buf);
	/* the head line alone: sscanf on buf would read on past the newline (into the body) */
	if (n >= sizeof(head))
		return -EPROTO;
	memcpy(head, buf, n);
	head[n] = '\0';
	if (n == 2 && memcmp(head, "ok", 2) == 0)
		*status = 0;
	else if (sscanf(head, "error %d", status) != 1 || *status <= 0 || *status > 125)
		return -EPROTO;
	*body_off = (size_t)(nl - buf) + 1;
	return 0;
}

void wire_error_json(struct json *j, int status, const char *msg)
{
	json_object_begin(j, NULL);
	json_bool(j, "ok", false);
	json_int(j, "status", status);
	json_string(j, "error", msg);
	json_object_end(j);
}

const char *wire_system_socket(void)
{
	const char *env = getenv("H2BOX_SYSTEM_SOCKET");

	return env && *env ? env : WIRE_SYSTEM_SOCKET;
}

const char *wire_user_socket(char *buf, size_t len)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");

	if (rt && *rt)
		snprintf(buf, len, "%s/h2box.sock", rt);
	else
		snprintf(buf, len, "/tmp/h2box-%u.sock", (unsigned)geteuid());
	return buf;
}

const char *wire_default_socket(char *buf, size_t len)
{
	const char *env = getenv("H2BOX_SOCKET");

	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		snprintf(buf, len, "%s", wire_system_socket());
	else
		wire_user_socket(buf, len);
	return buf;
}
