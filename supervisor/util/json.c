/* json.c - a small streaming JSON writer into a growing buffer. */
#include "supervisor/util/json.h"

#include "supervisor/util/timefmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH_MAX 32

struct json {
	char *buf;
	size_t len, cap;
	bool failed;
	int depth;
	bool first[JSON_DEPTH_MAX];
	char closer[JSON_DEPTH_MAX];
};

struct json *json_new(void)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->first[0] = true;
	return j;
}

void json_free(struct json *j)
{
	if (!j)
		return;
	free(j->buf);
	free(j);
}

static void json_put(struct json *j, const char *s, size_t n)
{
	if (j->failed)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		char *nb;

		while (j->len + n + 1 > cap)
			cap *= 2;
		nb = realloc(j->buf, cap);
		if (!nb) {
			j->failed = true;
			return;
		}
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void json_puts(struct json *j, const char *s)
{
	json_put(j, s, strlen(s));
}

size_t json_utf8_len(const unsigned char *p)
{
	size_t n;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* A JSON string is always valid UTF-8: a byte that is not (a file name, a command line) becomes U+FFFD. */
static void json_quoted(struct json *j, const char *s)
{
	json_put(j, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		size_t u = json_utf8_len(p);

		if (u == 0) {
			json_put(j, "\xef\xbf\xbd", 3);
		} else if (u > 1) {
			json_put(j, (const char *)p, u);
			p += u - 1;
		} else if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			json_put(j, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			json_puts(j, esc);
		} else {
			json_put(j, (const char *)p, 1);
		}
	}
	json_put(j, "\"", 1);
}

/* Separator and key; a key inside an array (or a missing one in an object) is a programmer error. */
static void json_member(struct json *j, const char *key)
{
	bool in_object = j->depth > 0 && j->closer[j->depth] == '}';

	if (!j->first[j->depth])
		json_put(j, ",", 1);
	j->first[j->depth] = false;
	if (in_object != (key != NULL)) {
		j->failed = true;
		return;
	}
	if (key) {
		json_quoted(j, key);
		json_put(j, ":", 1);
	}
}

static void json_open(struct json *j, const char *key, char open, char close)
{
	json_member(j, key);
	if (j->depth + 1 >= JSON_DEPTH_MAX) {
		j->failed = true;
		return;
	}
	json_put(j, &open, 1);
	j->depth++;
	j->first[j->depth] = true;
	j->closer[j->depth] = close;
}

static void json_close(struct json *j, char close)
{
	if (j->depth == 0 || j->closer[j->depth] != close) {
		j->failed = true;
		return;
	}
	json_put(j, &close, 1);
	j->depth--;
}

void json_object_begin(struct json *j, const char *key)
{
	json_open(j, key, '{', '}');
}

void json_object_end(struct json *j)
{
	json_close(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
	json_open(j, key, '[', ']');
}

void json_array_end(struct json *j)
{
	json_close(j, ']');
}

void json_string(struct json *j, const char *key, const char *value)
{
	json_member(j, key);
	if (value)
		json_quoted(j, value);
	else
		json_puts(j, "null");
}

void json_number(struct json *j, const char *key, double value, int decimals)
{
	char b[64];

	json_member(j, key);
	if (!isfinite(value)) {
		json_puts(j, "null");
		return;
	}
	if (decimals < 0 || decimals > 9)
		decimals = 3;
	snprintf(b, sizeof(b), "%.*f", decimals, value);
	/* a tiny negative rounds to "-0.000": never a negative zero on the wire */
	json_puts(j, b[0] == '-' && strspn(b + 1, "0.") == strlen(b + 1) ? b + 1 : b);
}

void json_time(struct json *j, const char *key, int64_t real_ns)
{
	char b[48];

	if (real_ns <= 0 || timefmt_iso(real_ns, true, b, sizeof(b)) < 0) {
		json_null(j, key);
		return;
	}
	json_string(j, key, b);
}

void json_int(struct json *j, const char *key, int64_t value)
{
	char b[32];

	json_member(j, key);
	snprintf(b, sizeof(b), "%" PRId64, value);
	json_puts(j, b);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	char b[32];

	json_member(j, key);
	snprintf(b, sizeof(b), "%" PRIu64, value);
	json_puts(j, b);
}

void json_bool(struct json *j, const char *key, bool value)
{
	json_member(j, key);
	json_puts(j, value ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
	json_member(j, key);
	json_puts(j, "null");
}

const char *json_finish(struct json *j, size_t *len)
{
	if (j->failed || j->depth != 0 || !j->buf)
		return NULL;
	if (len)
		*len = j->len;
	return j->buf;
}
