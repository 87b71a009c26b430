/* linux.h - state and small sysfs helpers shared by the linux backends (hw/linux/ only). */
#ifndef H2BOX_HW_LINUX_H
#define H2BOX_HW_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/clock.h"
#include "hw/hw-private.h"

/*
 * The sysfs root defaults to "/sys"; H2BOX_SYSFS_ROOT (read once, when the
 * hw is created) points the sysfs-only parts (IB rate/counters/device link,
 * PCI rescan and libpci's sysfs method, the throttle knobs' /sys control
 * files) at a fake tree for tests.  libsensors
 * and libibverbs always look at the real sysfs.
 */
#define HW_LINUX_SYSFS_ENV "H2BOX_SYSFS_ROOT"
#define HW_LINUX_PATH_MAX 512

/*
 * reader.c: sysfs attribute I/O off the control loop.  A reader is one
 * worker thread serving the attribute files of one directory (one hwmon
 * chip: a wedged I2C device holds its driver's lock for all of them); it
 * keeps each file open and preads it, reopening once on an error.  The loop
 * hands it a request and waits at most the deadline; while the worker is
 * stuck past it, later calls on its directory answer -ETIMEDOUT at once.  Writes go the same way,
 * the latest value wins while the worker is stuck.
 */
#define HW_LINUX_READER_SLOTS 32
/*
 * A hwmon read over I2C takes a few ms, but one transfer may take the adapter's
 * timeout (1 s by default) before it fails, and a loaded box (the kernel tier's
 * TCG guest) delays a first open by hundreds of ms: a shorter deadline would
 * turn a healthy but slow read into a failsafe.
 */
#define HW_LINUX_READ_DEADLINE_NS (1000 * HW_NSEC_PER_MSEC)
#define HW_LINUX_READERS_MAX 16

struct hw_linux_reader;
struct hw_linux_reader_stats {
	unsigned long opens; /* attribute files opened (once each, again only after an error) */
	unsigned long ops;   /* reads and writes the worker completed */
	unsigned long stale; /* requests answered -ETIMEDOUT (deadline passed or still stuck) */
	unsigned long handoffs; /* loop -> worker hand-offs: one per call, a batch's reads in one */
	unsigned long replies;  /* worker -> loop wake-ups: once its queue is empty */
	unsigned long unchanged; /* posts not handed over: the file was read back holding the value */
};

int hw_linux_reader_new(int64_t deadline_ns, struct hw_linux_reader **out);
/* Detaches a worker stuck in a driver: it frees the reader when (if) its call returns. */
void hw_linux_reader_free(struct hw_linux_reader *rd);
/* The slot index of the file at `path` (added on first use, no I/O), or -errno. */
int hw_linux_reader_slot(struct hw_linux_reader *rd, const char *path);
int hw_linux_reader_read(struct hw_linux_reader *rd, int idx, long *value);
int hw_linux_reader_write(struct hw_linux_reader *rd, int idx, long value);
/*
 * n reads in one hand-off (one worker wake-up, one reply): values[i] and errs[i] (0 or -errno,
 * -ETIMEDOUT as for one read) for idx[i].  The whole batch waits at most one deadline.
 */
void hw_linux_reader_read_many(struct hw_linux_reader *rd, const int *idx, unsigned n,
			       long *values, int *errs);
/*
 * The two halves of a batch, so that one caller can hand several readers (chips) their share
 * before waiting for any: submit queues n requests and wakes the worker (no wait; errs[i] < 0
 * for one answered at once, -ETIMEDOUT on a wedged chip), returns how many it queued and the
 * deadline; collect waits for those at most until end_ns and fills values[] and errs[].
 */
unsigned hw_linux_reader_submit(struct hw_linux_reader *rd, const int *idx, unsigned n,
				bool write, long wval, uint64_t *seqs, int *errs, int64_t *end_ns);
void hw_linux_reader_collect(struct hw_linux_reader *rd, const int *idx, unsigned n,
			     const uint64_t *seqs, int64_t end_ns, long *values, int *errs);
/* The write slot of the file at `path`: writes only, apart from the file's read slot. */
int hw_linux_reader_wslot(struct hw_linux_reader *rd, const char *path);
/*
 * Queue a write and return without waiting: 0, the -errno of this slot's previous posted
 * write not told yet, or -ETIMEDOUT on a wedged chip (the value is kept, latest wins).  Not
 * queued at all when the file holds the value already: this slot's last write put it there and
 * the file's read slot read it back since (a duty that stays the same cycle after cycle).
 */
int hw_linux_reader_post(struct hw_linux_reader *rd, int idx, long value);
/*
 * The slot's posted write: its -errno once (0 when it succeeded or there is none),
 * -EINPROGRESS while outstanding, -ETIMEDOUT when outstanding past the deadline.
 */
int hw_linux_reader_post_result(struct hw_linux_reader *rd, int idx);
bool hw_linux_reader_idle(struct hw_linux_reader *rd);
/* Wait until no request is outstanding (tests' explicit readiness): 0 or -ETIMEDOUT. */
int hw_linux_reader_idle_wait(struct hw_linux_reader *rd, int64_t timeout_ns);
void hw_linux_reader_stats_get(struct hw_linux_reader *rd, struct hw_linux_reader_stats *st);

/*
 * Periodic sampling (reader-sched.c): the worker itself reads idx[0..n) every period_ns on the grid
 * first_ns + k * period_ns (CLOCK_MONOTONIC), sleeping in between (a request still wakes it),
 * and keeps up to `capacity` ticks for the loop to drain: no hand-off, no reply a sample.  A tick
 * it could not take in time (it woke after the following one was due, a slow read) or found the
 * ring full for is missed.  Requests keep working between ticks.  One schedule a reader:
 * schedule again replaces it.  0 or -errno.
 */
#define HW_LINUX_SCHED_SLOTS 4
struct hw_linux_tick {
	int64_t t_ns;
	long values[HW_LINUX_SCHED_SLOTS];
	int errs[HW_LINUX_SCHED_SLOTS];
};
int hw_linux_reader_schedule(struct hw_linux_reader *rd, const int *idx, unsigned n,
			     int64_t period_ns, int64_t first_ns, unsigned capacity);
void hw_linux_reader_unschedule(struct hw_linux_reader *rd);
/*
 * The ticks taken, oldest first, at most max: their count, or -ENOENT without a schedule.  A
 * worker stuck in a read for the deadline (or not back for a tick due that long) answers its
 * ticks up to now with errs -ETIMEDOUT at once; a late result for them is dropped.  *missed:
 * the ticks missed since the last drain.  Never waits for the worker.
 */
int hw_linux_reader_drain(struct hw_linux_reader *rd, int64_t now_ns, struct hw_linux_tick *out,
			  unsigned max, uint64_t *missed);

/* One reader per directory, shared by the chips and files in it, kept with the hw. */
struct hw_linux_reader_ent {
	char dir[HW_LINUX_PATH_MAX];
	struct hw_linux_reader *rd;
	unsigned users; /* open chips using it; explicit files hold theirs until hw_free */
	bool pinned;    /* serves explicit files (hw_hwmon_file_read): kept until hw_free */
};

struct hw_linux_state {
	char sysfs_root[256];
	struct hw_linux_reader_ent readers[HW_LINUX_READERS_MAX];
};

static inline struct hw_linux_state *hw_linux_state(struct hw *hw)
{
	return hw->backend;
}

/* sysfs.c: snprintf into buf; -ENAMETOOLONG when it does not fit. */
int hw_linux_path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Read a small text file (at most len-1 bytes, NUL-terminated, trailing newline kept). */
int hw_linux_file_read_str(const char *path, char *buf, size_t len);
/* Read a file holding one decimal integer (surrounding whitespace allowed). */
int hw_linux_file_read_long(const char *path, long *value);
/* The same for text already read: -ENODATA when empty, -EINVAL/-ERANGE when not one integer. */
int hw_linux_parse_long(const char *buf, long *value);
int hw_linux_file_read_u64(const char *path, uint64_t *value);
/* Write a string in a single write(); -errno of the write as the kernel reports it. */
int hw_linux_file_write_str(const char *path, const char *s);

/*
 * reader-dirs.c: the reader serving directory `dir` (created on first use), one
 * more user on it; put drops the user and frees an idle reader nobody uses
 * (a stuck one stays, so reopening its chip does not start another thread).
 */
int hw_linux_reader_get(struct hw *hw, const char *dir, struct hw_linux_reader **out);
void hw_linux_reader_put(struct hw *hw, struct hw_linux_reader *rd);
/* An explicit file's reader (its directory's, kept until hw_free) and read slot: the index or -errno. */
int hw_linux_file_slot(struct hw *hw, const char *path, struct hw_linux_reader **rd);
/* An explicit file read through its directory's reader: 0, -ETIMEDOUT past the deadline, -errno. */
int hw_linux_file_read_bounded(struct hw *hw, const char *path, long *value);
/* The reader holding the explicit file at `path` (tests: stats, readiness), or NULL. */
struct hw_linux_reader *hw_linux_reader_of_file(struct hw *hw, const char *path);
/* hw_free: every reader goes (stuck workers detached). */
void hw_linux_readers_free(struct hw *hw);

#endif
