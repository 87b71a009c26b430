/* timefmt.h - the one wall-clock timestamp format: ISO 8601 UTC, "2026-12-05T03:31:11.123Z". */
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

#endif
