/* json.h - a small streaming JSON writer into a growing buffer (replies, status, state files). */
#ifndef H2BOX_JSON_H
#define H2BOX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json;

/*
 * Keys are given for members of objects and must be NULL for array
 * elements.  Non-finite numbers are written as null, so a sensor failure can
 * never become a number in a reply.  Errors (out of memory, unbalanced
 * nesting) are sticky and reported by json_finish().
 */
struct json *json_new(void);
void json_free(struct json *j);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value); /* NULL -> null */
void json_number(struct json *j, const char *key, double value, int decimals);
void json_int(struct json *j, const char *key, int64_t value);
/* A wall-clock time as ISO 8601 UTC with milliseconds ("2026-01-31T22:05:00.250Z"); <= 0: null. */
void json_time(struct json *j, const char *key, int64_t real_ns);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/* The finished document (NUL-terminated) or NULL on error; owned by j. */
const char *json_finish(struct json *j, size_t *len);
/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0 when p does not start one.  Stops at a NUL: p must point into
 * NUL-terminated text.
 */
size_t json_utf8_len(const unsigned char *p);

#endif
