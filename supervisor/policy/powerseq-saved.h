/* powerseq-saved.h - the power state file's text: what the sequencer keeps across restarts. */
#ifndef H2BOX_POWERSEQ_SAVED_H
#define H2BOX_POWERSEQ_SAVED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supervisor/policy/powerseq.h"

/*
 * Lines "key=value": requested=on|off, and while a fault is latched (or being latched)
 * fault=NAME and fault_at=UNIX_SECONDS (wall clock, when it was named).  A file without the
 * fault lines (older versions wrote only requested=) has no fault.
 */
struct powerseq_saved {
	enum powerseq_requested requested; /* UNKNOWN: none (or unreadable) */
	enum powerseq_fault fault;         /* NONE: no fault saved */
	bool fault_at_known;
	int64_t fault_at_s;                /* wall clock, seconds since the epoch */
};

/* What powerseq_saved_parse found wrong (bit flags); the caller logs it. */
#define POWERSEQ_SAVED_BAD_REQUESTED (1u << 0) /* requested= missing or neither on nor off */
#define POWERSEQ_SAVED_BAD_FAULT     (1u << 1) /* fault= names no known fault: loaded as unknown */
#define POWERSEQ_SAVED_BAD_FAULT_AT  (1u << 2) /* a fault without a valid fault_at= */

#define POWERSEQ_SAVED_TEXT_MAX 128
#define POWERSEQ_SAVED_NAME_MAX 40

/* The file's text for sv into buf; the length, or -ENOSPC. */
int powerseq_saved_format(const struct powerseq_saved *sv, char *buf, size_t len);
/*
 * Parse a state file's text (never fails: whatever is unreadable is left out and flagged).
 * A fault= line whose value is no known name (garbled, too long, empty, from a newer version)
 * loads as POWERSEQ_FAULT_UNKNOWN, never as no fault; bad_name (may be NULL) gets the value as
 * found, non-printable bytes replaced, for the log.  Returns the POWERSEQ_SAVED_BAD_* flags.
 */
unsigned powerseq_saved_parse(const char *text, struct powerseq_saved *sv, char *bad_name,
			      size_t bad_len);

#endif
