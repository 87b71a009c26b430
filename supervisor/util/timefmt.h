/* timefmt.h - wall-clock timestamps: ISO 8601 UTC for machines, local time for people. */
#ifndef H2BOX_TIMEFMT_H
#define H2BOX_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * real_ns (nanoseconds since the epoch) as "YYYY-MM-DDTHH:MM:SS.mmmZ", or without ".mmm" when
 * ms is false.  Returns 0, or -EINVAL when the time cannot be broken down (buf is then "-").
 * Callers that treat 0 as "never" check that first.
 */
int timefmt_iso(int64_t real_ns, bool ms, char *buf, size_t len);

/*
 * real_ns in the process's local time zone (TZ, DST) through strftime's fmt: the human texts
 * ("2026-12-05 04:31:11", "04:31").  0, or -EINVAL when real_ns is not positive or cannot be
 * broken down (buf is then "?"): 0 is "never" for every caller.
 */
int timefmt_local(int64_t real_ns, const char *fmt, char *buf, size_t len)
	__attribute__((format(strftime, 2, 0)));

#endif
