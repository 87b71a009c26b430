/* log.c - the daemon's log: journald fields under systemd, stderr otherwise. */
#include "supervisor/util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#define LOG_FIELDS_MAX 16

static enum log_target log_target = LOG_TARGET_STDERR;
static int log_max_priority = LOG_INFO;
static bool log_quiet;

/* JOURNAL_STREAM names stderr's device:inode when systemd connected it to journald. */
static bool log_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(enum log_target target, int max_priority)
{
	if (target == LOG_TARGET_AUTO)
		target = log_stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
	log_target = target;
	log_max_priority = max_priority;
}

void log_set_quiet(bool quiet)
{
	log_quiet = quiet;
}

static const char *log_prio_name(int prio)
{
	switch (prio) {
	case LOG_EMERG: return "emerg";
	case LOG_ALERT: return "alert";
	case LOG_CRIT: return "crit";
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

static void log_emit(int prio, const char *const *fields, const char *msg)
{
	if (prio > log_max_priority || log_target == LOG_TARGET_NONE)
		return;
	if (log_target == LOG_TARGET_JOURNAL) {
		struct iovec iov[LOG_FIELDS_MAX + 3];
		char pbuf[16];
		char *mbuf = NULL;
		int n = 0;

		snprintf(pbuf, sizeof(pbuf), "PRIORITY=%d", prio);
		if (asprintf(&mbuf, "MESSAGE=%s", msg) < 0)
			return;
		iov[n++] = (struct iovec){ mbuf, strlen(mbuf) };
		iov[n++] = (struct iovec){ pbuf, strlen(pbuf) };
		iov[n++] = (struct iovec){ (char *)"SYSLOG_IDENTIFIER=h2boxd", 24 };
		for (int i = 0; fields && fields[i] && i < LOG_FIELDS_MAX; i++)
			iov[n++] = (struct iovec){ (char *)fields[i], strlen(fields[i]) };
		sd_journal_sendv(iov, n);
		free(mbuf);
		return;
	}
	if (log_quiet && prio > LOG_WARNING)
		return;
	/* stderr: one line per entry, fields appended so they are greppable in tests */
	fprintf(stderr, "h2boxd: %s: %s", log_prio_name(prio), msg);
	for (int i = 0; fields && fields[i] && i < LOG_FIELDS_MAX; i++)
		fprintf(stderr, "%s%s", i ? " " : " [", fields[i]);
	if (fields && fields[0])
		fputc(']', stderr);
	fputc('\n', stderr);
}

static void log_vemit(int prio, const char *const *fields, int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void log_vemit(int prio, const char *const *fields, int err, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (err && n >= 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s", strerror(err < 0 ? -err : err));
	log_emit(prio, fields, buf);
}

#define LOG_DEFINE(fn, prio)                            \
	void fn(const char *fmt, ...)                   \
	{                                               \
		va_list ap;                             \
		va_start(ap, fmt);                      \
		log_vemit(prio, NULL, 0, fmt, ap);      \
		va_end(ap);                             \
	}

LOG_DEFINE(log_debug, LOG_DEBUG)
LOG_DEFINE(log_info, LOG_INFO)
LOG_DEFINE(log_notice, LOG_NOTICE)
LOG_DEFINE(log_warnx, LOG_WARNING)
LOG_DEFINE(log_crit, LOG_CRIT)

void log_warn(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, NULL, err, fmt, ap);
	va_end(ap);
}

void log_event(int priority, const char *const *fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(priority, fields, 0, fmt, ap);
	va_end(ap);
}
