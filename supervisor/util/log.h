/* log.h - the daemon's log: journald fields under systemd, stderr otherwise. */
#ifndef H2BOX_LOG_H
#define H2BOX_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/*
 * OpenBSD-style small API: log_warn() appends strerror(-err) when err != 0,
 * the others do not.  Structured fields go through log_event(): a message
 * plus a NULL-terminated list of "KEY=value" strings (journald fields such
 * as H2BOX_EVENT=, H2BOX_STATE=, MESSAGE_ID=).  Log state changes, not samples.
 */
enum log_target {
	LOG_TARGET_AUTO,    /* journald when JOURNAL_STREAM matches stderr, else stderr */
	LOG_TARGET_STDERR,
	LOG_TARGET_JOURNAL,
	LOG_TARGET_NONE,
};

void log_init(enum log_target target, int max_priority);
void log_set_quiet(bool quiet); /* stderr target: suppress info/debug (status-line mode) */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_crit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* priority is a syslog LOG_* level; fields: "KEY=value" strings, NULL-terminated. */
void log_event(int priority, const char *const *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
