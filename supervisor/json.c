/* json.c - a small streaming JSON writer into a growing buffer. */
#include "supervisor/json.h"

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

static void json_quoted(struct json *j, const char *s)
{
	json_put(j, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];

		if (*p == '"' || *p == '\\') {
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
	json_puts(j, b);
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
