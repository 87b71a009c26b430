/* reader.c - a worker thread per sysfs directory: kept-open attribute preads, writes, a deadline for the loop. */
#include "hw/linux/linux.h"
#include "hw/linux/reader-private.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hw/clock.h"


static void hw_linux_reader_destroy(struct hw_linux_reader *rd)
{
	free(rd->sched);
	for (unsigned i = 0; i < rd->nslots; i++) {
		if (rd->slots[i]->fd >= 0)
			close(rd->slots[i]->fd);
		if (rd->slots[i]->wfd >= 0)
			close(rd->slots[i]->wfd);
		free(rd->slots[i]);
	}
	sem_destroy(&rd->kick);
	pthread_cond_destroy(&rd->done);
	pthread_mutex_destroy(&rd->mu);
	free(rd);
}

static struct hw_linux_slot *hw_linux_reader_pending(struct hw_linux_reader *rd)
{
	for (unsigned i = 0; i < rd->nslots; i++)
		if (rd->slots[i]->want != rd->slots[i]->done)
			return rd->slots[i];
	return NULL;
}

static void *hw_linux_reader_main(void *arg)
{
	struct hw_linux_reader *rd = arg;
	bool last;

	pthread_mutex_lock(&rd->mu);
	while (!rd->quit) {
		struct hw_linux_slot *s;
		uint64_t seq;
		bool write;
		long wval, value = 0;
		unsigned opens = 0;
		int r;

		/* a due tick of the schedule first: a request waits at most one tick's reads */
		if (hw_linux_reader_tick(rd))
			continue;
		s = hw_linux_reader_pending(rd);
		if (!s) {
			hw_linux_reader_sleep(rd);
			continue;
		}
		seq = s->want;
		write = s->write;
		wval = s->wval;
		rd->io_since = hw_linux_reader_now();
		pthread_mutex_unlock(&rd->mu);
		/* the part that may block for as long as the driver likes, outside the lock */
		r = write ? hw_linux_slot_write(s, wval, &opens) : hw_linux_slot_read(s, &value, &opens);
		pthread_mutex_lock(&rd->mu);
		rd->io_since = 0;
		s->err = r;
		if (write) {
			s->wrote = wval;
			s->wrote_ok = r == 0;
		} else {
			s->value = value;
		}
		s->stamp = ++rd->completed;
		if (write)
			rd->last_write = s->stamp;
		s->done = seq;
		/* a request queued meanwhile (a latest-wins write) counts from now */
		s->busy_since = s->done == s->want ? 0 : hw_linux_reader_now();
		rd->stats.opens += opens;
		rd->stats.ops++;
		/* the rest of a batch first: the loop is woken once, for all of it */
		if (hw_linux_reader_pending(rd))
			continue;
		rd->stats.replies++;
		/* wake the loop after letting go of the lock it needs to return: one futex, not two */
		pthread_mutex_unlock(&rd->mu);
		pthread_cond_broadcast(&rd->done);
		pthread_mutex_lock(&rd->mu);
	}
	last = --rd->refs == 0;
	pthread_mutex_unlock(&rd->mu);
	if (last)
		hw_linux_reader_destroy(rd);
	return NULL;
}

int hw_linux_reader_new(int64_t deadline_ns, struct hw_linux_reader **out)
{
	struct hw_linux_reader *rd = calloc(1, sizeof(*rd));
	pthread_condattr_t ca;
	pthread_attr_t ta;
	sigset_t all, old;
	pthread_t th;
	int r;

	if (!rd)
		return -ENOMEM;
	rd->deadline_ns = deadline_ns;
	rd->refs = 2;
	pthread_mutex_init(&rd->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	sem_init(&rd->kick, 0, 0);
	pthread_cond_init(&rd->done, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&ta);
	/* detached: a worker stuck in a wedged driver must never hold up a close or an exit */
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	/*
	 * A worker needs a few hundred bytes of stack (a 64-byte read buffer, pread/open/write,
	 * strtol) and never mallocs (no per-thread arena): 64 KiB, not the 8 MiB default, keeps
	 * a stuck worker or a chip per hwmon directory from reserving megabytes each.
	 */
	pthread_attr_setstacksize(&ta, HW_LINUX_READER_STACK);
	/* signals stay with the loop's signalfd: the worker takes none */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&th, &ta, hw_linux_reader_main, rd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&ta);
	if (r) {
		hw_linux_reader_destroy(rd);
		return -r;
	}
	*out = rd;
	return 0;
}

void hw_linux_reader_free(struct hw_linux_reader *rd)
{
	bool last;

	if (!rd)
		return;
	pthread_mutex_lock(&rd->mu);
	rd->quit = true;
	last = --rd->refs == 0;
	/* kicked with the lock held: the last reference may be the worker's, gone once unlocked */
	if (!last)
		sem_post(&rd->kick);
	pthread_mutex_unlock(&rd->mu);
	if (last)
		hw_linux_reader_destroy(rd);
}

/*
 * A file's read slot, or (wslot) its write slot: a write's result stays in its own slot, so a
 * read of the same file queued behind a posted write neither replaces the write nor hides its
 * result.
 */
static int hw_linux_reader_slot_of(struct hw_linux_reader *rd, const char *path, bool wslot)
{
	struct hw_linux_slot *s;
	int r;

	pthread_mutex_lock(&rd->mu);
	for (unsigned i = 0; i < rd->nslots; i++) {
		if (rd->slots[i]->wslot == wslot && strcmp(rd->slots[i]->path, path) == 0) {
			r = (int)i;
			goto out;
		}
	}
	if (rd->nslots == HW_LINUX_READER_SLOTS) {
		r = -ENOSPC;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	s->fd = -1;
	s->wfd = -1;
	s->wslot = wslot;
	r = hw_linux_path(s->path, sizeof(s->path), "%s", path);
	if (r < 0) {
		free(s);
		goto out;
	}
	r = (int)rd->nslots;
	rd->slots[rd->nslots++] = s;
out:
	pthread_mutex_unlock(&rd->mu);
	return r;
}

int hw_linux_reader_slot(struct hw_linux_reader *rd, const char *path)
{
	return hw_linux_reader_slot_of(rd, path, false);
}

int hw_linux_reader_wslot(struct hw_linux_reader *rd, const char *path)
{
	return hw_linux_reader_slot_of(rd, path, true);
}

/*
 * Queue one slot's request (the lock held): 0 and its sequence number, or -ETIMEDOUT at once
 * for a stale slot: its own request is older than the deadline, or the worker is wedged in
 * another attribute of the same chip, so nothing would come back within a deadline.  A write
 * to a stale slot is kept as the one to apply when the worker comes back (latest wins).
 */
static int hw_linux_reader_queue(struct hw_linux_reader *rd, struct hw_linux_slot *s, bool write,
				 long wval, int64_t now, bool wedged, uint64_t *seq)
{
	if (wedged || (s->busy_since && now - s->busy_since >= rd->deadline_ns) ||
	    (rd->io_since && now - rd->io_since >= rd->deadline_ns)) {
		if (write) {
			s->write = true;
			s->wval = wval;
			s->want++;
			if (!s->busy_since)
				s->busy_since = now;
		}
		rd->stats.stale++;
		return -ETIMEDOUT;
	}
	*seq = ++s->want;
	s->write = write;
	s->wval = wval;
	if (!s->busy_since)
		s->busy_since = now;
	return 0;
}

/* A request of this chip outstanding for a deadline already: the worker is stuck behind it. */
static bool hw_linux_reader_wedged(struct hw_linux_reader *rd, int64_t now)
{
	for (unsigned k = 0; k < rd->nslots; k++)
		if (rd->slots[k]->busy_since && now - rd->slots[k]->busy_since >= rd->deadline_ns)
			return true;
	return false;
}

/*
 * Hand n requests to the worker at once, without waiting: errs[i] < 0 marks a request that was
 * not queued (stale), seqs[i] what hw_linux_reader_collect() waits for, *end_ns the deadline.
 * The number queued.
 */
unsigned hw_linux_reader_submit(struct hw_linux_reader *rd, const int *idx, unsigned n,
				bool write, long wval, uint64_t *seqs, int *errs, int64_t *end_ns)
{
	unsigned queued = 0;
	bool wedged;
	int64_t now;

	assert(n <= HW_LINUX_READER_SLOTS);
	pthread_mutex_lock(&rd->mu);
	now = hw_linux_reader_now();
	*end_ns = now + rd->deadline_ns;
	/*
	 * A request of this chip outstanding for a deadline already means the worker is stuck
	 * behind it: the rest is stale at once.  (The worker's own io_since starts when it gets to
	 * the call, which on a loaded machine is later than the request: alone it would let one
	 * more batch wait a second deadline.)
	 */
	wedged = hw_linux_reader_wedged(rd, now);
	for (unsigned i = 0; i < n; i++) {
		if (idx[i] < 0 || (unsigned)idx[i] >= rd->nslots) {
			errs[i] = -EINVAL;
			continue;
		}
		errs[i] = hw_linux_reader_queue(rd, rd->slots[idx[i]], write, wval, now, wedged,
						&seqs[i]);
		queued += errs[i] == 0;
	}
	if (queued == 0) {
		pthread_mutex_unlock(&rd->mu);
		return 0;
	}
	rd->stats.handoffs++;
	pthread_mutex_unlock(&rd->mu);
	hw_linux_reader_kick(rd);
	return queued;
}

/*
 * Wait for the requests hw_linux_reader_submit() queued, at most until end_ns: on return
 * errs[i] and values[i] hold each result, -ETIMEDOUT for one still outstanding then, so a
 * wedged attribute costs the loop one deadline per batch.
 */
void hw_linux_reader_collect(struct hw_linux_reader *rd, const int *idx, unsigned n,
			     const uint64_t *seqs, int64_t end_ns, long *values, int *errs)
{
	struct timespec until = { .tv_sec = (time_t)(end_ns / HW_NSEC_PER_SEC),
				  .tv_nsec = (long)(end_ns % HW_NSEC_PER_SEC) };
	bool all;

	pthread_mutex_lock(&rd->mu);
	for (;;) {
		all = true;
		for (unsigned i = 0; i < n && all; i++)
			all = errs[i] < 0 || rd->slots[idx[i]]->done >= seqs[i];
		if (all || pthread_cond_timedwait(&rd->done, &rd->mu, &until) == ETIMEDOUT)
			break;
	}
	for (unsigned i = 0; i < n; i++) {
		struct hw_linux_slot *s;

		if (errs[i] < 0)
			continue;
		s = rd->slots[idx[i]];
		if (s->done >= seqs[i]) {
			errs[i] = s->err;
			if (s->err == 0 && values)
				values[i] = s->value;
		} else {
			rd->stats.stale++;
			errs[i] = -ETIMEDOUT;
		}
	}
	pthread_mutex_unlock(&rd->mu);
}

/* Submit and collect: one wake-up each way however many attributes. */
static void hw_linux_reader_batch(struct hw_linux_reader *rd, const int *idx, unsigned n,
				  bool write, long wval, long *values, int *errs)
{
	uint64_t seqs[HW_LINUX_READER_SLOTS];
	int64_t end;

	if (hw_linux_reader_submit(rd, idx, n, write, wval, seqs, errs, &end) > 0)
		hw_linux_reader_collect(rd, idx, n, seqs, end, values, errs);
}

int hw_linux_reader_read(struct hw_linux_reader *rd, int idx, long *value)
{
	long v = 0;
	int err;

	hw_linux_reader_batch(rd, &idx, 1, false, 0, &v, &err);
	if (err == 0 && value)
		*value = v;
	return err;
}

void hw_linux_reader_read_many(struct hw_linux_reader *rd, const int *idx, unsigned n,
			       long *values, int *errs)
{
	hw_linux_reader_batch(rd, idx, n, false, 0, values, errs);
}

int hw_linux_reader_write(struct hw_linux_reader *rd, int idx, long value)
{
	int err;

	hw_linux_reader_batch(rd, &idx, 1, true, value, NULL, &err);
	return err;
}

/* ---- posted writes (a control cycle's duty): handed over, never waited for ---- */

/* The result of the slot's posted write if it is in and not told yet (the lock held), or 0. */
static int hw_linux_reader_posted_take(struct hw_linux_slot *s)
{
	if (!s->posted || s->done < s->posted)
		return 0;
	s->posted = 0;
	return s->err;
}

/*
 * The file already holds what a post would write (the lock held): the write slot's last write put
 * this value in and succeeded, nothing is queued on it, and the file's read slot read the same
 * value back after that write and after any other write to the chip (a mode written back to
 * manual may have reset the duty behind a driver's cached value), with nothing queued either (a
 * wedged chip has its reads queued).  A chip that rounds or clamps reads back another value, and
 * is written every time.
 */
static bool hw_linux_reader_holds(struct hw_linux_reader *rd, const struct hw_linux_slot *w,
				  long value)
{
	if (w->want != w->done || !w->wrote_ok || w->wrote != value)
		return false;
	for (unsigned i = 0; i < rd->nslots; i++) {
		const struct hw_linux_slot *r = rd->slots[i];

		if (!r->wslot && strcmp(r->path, w->path) == 0)
			return r->want == r->done && r->err == 0 && r->value == value &&
			       r->stamp > rd->last_write;
	}
	return false;
}

int hw_linux_reader_post(struct hw_linux_reader *rd, int idx, long value)
{
	struct hw_linux_slot *s;
	uint64_t seq = 0;
	int64_t now;
	int prev, r;

	if (idx < 0)
		return -EINVAL;
	pthread_mutex_lock(&rd->mu);
	if ((unsigned)idx >= rd->nslots) {
		pthread_mutex_unlock(&rd->mu);
		return -EINVAL;
	}
	s = rd->slots[idx];
	now = hw_linux_reader_now();
	prev = hw_linux_reader_posted_take(s);
	/* a cycle's duty that the chip was just read holding: no hand-off, no wake-up, no write */
	if (hw_linux_reader_holds(rd, s, value)) {
		rd->stats.unchanged++;
		pthread_mutex_unlock(&rd->mu);
		return prev;
	}
	/* a stale slot keeps the value as the one to apply when the worker comes back */
	r = hw_linux_reader_queue(rd, s, true, value, now, hw_linux_reader_wedged(rd, now), &seq);
	s->posted = s->want;
	if (r < 0) {
		pthread_mutex_unlock(&rd->mu);
		return r;
	}
	rd->stats.handoffs++;
	pthread_mutex_unlock(&rd->mu);
	hw_linux_reader_kick(rd);
	return prev;
}

int hw_linux_reader_post_result(struct hw_linux_reader *rd, int idx)
{
	struct hw_linux_slot *s;
	int r = -EINVAL;

	pthread_mutex_lock(&rd->mu);
	if (idx >= 0 && (unsigned)idx < rd->nslots) {
		s = rd->slots[idx];
		r = hw_linux_reader_posted_take(s);
		if (r == 0 && s->posted)
			r = s->busy_since && hw_linux_reader_now() - s->busy_since >= rd->deadline_ns
				    ? -ETIMEDOUT
				    : -EINPROGRESS;
	}
	pthread_mutex_unlock(&rd->mu);
	return r;
}

bool hw_linux_reader_idle(struct hw_linux_reader *rd)
{
	bool idle;

	pthread_mutex_lock(&rd->mu);
	/* a worker inside a schedule's tick is as busy as one inside a request */
	idle = hw_linux_reader_pending(rd) == NULL && !rd->ticking;
	pthread_mutex_unlock(&rd->mu);
	return idle;
}

int hw_linux_reader_idle_wait(struct hw_linux_reader *rd, int64_t timeout_ns)
{
	int64_t end = hw_linux_reader_now() + timeout_ns;
	struct timespec until = { .tv_sec = (time_t)(end / HW_NSEC_PER_SEC),
				  .tv_nsec = (long)(end % HW_NSEC_PER_SEC) };
	int r = 0;

	pthread_mutex_lock(&rd->mu);
	while (hw_linux_reader_pending(rd))
		if (pthread_cond_timedwait(&rd->done, &rd->mu, &until) == ETIMEDOUT) {
			r = hw_linux_reader_pending(rd) ? -ETIMEDOUT : 0;
			break;
		}
	pthread_mutex_unlock(&rd->mu);
	return r;
}

void hw_linux_reader_stats_get(struct hw_linux_reader *rd, struct hw_linux_reader_stats *st)
{
	pthread_mutex_lock(&rd->mu);
	*st = rd->stats;
	pthread_mutex_unlock(&rd->mu);
}
