/* reader.c - a worker thread per sysfs directory: kept-open attribute preads, writes, a deadline for the loop. */
#include "hw/linux/linux.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "hw/clock.h"

/*
 * One attribute file.  `path` is fixed once the slot exists; `fd` belongs to
 * the worker alone (opened, read and closed only there); the rest is shared
 * and guarded by the reader's mutex.
 */
struct hw_linux_slot {
	char path[HW_LINUX_PATH_MAX];
	int fd;
	int wfd;     /* the writes' descriptor, the worker's like fd */
	bool wtrunc; /* wfd is not sysfs: cut the file after each write */
	uint64_t want, done; /* request and completion sequence numbers */
	int64_t busy_since;  /* CLOCK_MONOTONIC ns since a request is outstanding, 0 when idle */
	bool write;          /* what `want` asks for; a write carries the latest wval */
	long wval;
	long value; /* the last completed read and its result */
	int err;
	/* requester side of posted writes (hw_linux_reader_post) */
	bool wslot;      /* a write slot: its path's writes only, never found by a read's lookup */
	uint64_t posted; /* the posted write whose result nobody was told of yet, 0 none */
};

struct hw_linux_reader {
	pthread_mutex_t mu;
	pthread_cond_t work; /* the worker waits here for requests */
	pthread_cond_t done; /* the loop waits here for completions */
	int refs;            /* the owner and the worker: the last one out frees */
	bool quit;
	int64_t io_since; /* CLOCK_MONOTONIC ns the worker's current call began, 0 between calls */
	int64_t deadline_ns;
	unsigned nslots;
	struct hw_linux_slot *slots[HW_LINUX_READER_SLOTS];
	struct hw_linux_reader_stats stats;
	struct hw_linux_sched *sched;   /* periodic sampling, NULL without (see its block) */
	struct hw_linux_sched *ticking; /* the schedule whose tick the worker reads unlocked */
};

#define HW_LINUX_READER_STACK (64 * 1024)

static int64_t hw_linux_reader_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * HW_NSEC_PER_SEC + ts.tv_nsec;
}

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
	pthread_cond_destroy(&rd->work);
	pthread_cond_destroy(&rd->done);
	pthread_mutex_destroy(&rd->mu);
	free(rd);
}

/* One pread on the kept descriptor; on an error reopen once (ENODEV after a driver rebind). */
static int hw_linux_slot_read(struct hw_linux_slot *s, long *value, unsigned *opens)
{
	char buf[64];
	int r = -EIO;

	for (int attempt = 0; attempt < 2; attempt++) {
		ssize_t n;

		if (s->fd < 0) {
			s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
			if (s->fd < 0)
				return -errno;
			(*opens)++;
		}
		do
			n = pread(s->fd, buf, sizeof(buf) - 1, 0);
		while (n < 0 && errno == EINTR);
		if (n >= 0) {
			buf[n] = '\0';
			return hw_linux_parse_long(buf, value);
		}
		r = -errno;
		/* a chip answering "no data yet" keeps its file: reopening changes nothing */
		if (r == -ENODATA || r == -EAGAIN)
			return r;
		close(s->fd);
		s->fd = -1;
	}
	return r;
}

/*
 * One pwrite on the kept write descriptor (a duty a cycle: no open, O_TRUNC and close each
 * time); on an error the descriptor is dropped and the next write reopens, and a vanished
 * attribute (ENODEV after a driver rebind, a stale descriptor) is reopened and written once
 * more at once.  sysfs takes the whole value in one write at any offset and answers with the
 * store()'s error; a regular file (a fake tree, a control file outside sysfs) is cut after the
 * value so that it holds it alone, as `echo v > file` leaves it.
 */
static int hw_linux_slot_write(struct hw_linux_slot *s, long value, unsigned *opens)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", value);
	int r = -EIO;

	for (int attempt = 0; attempt < 2; attempt++) {
		struct statfs fs;
		ssize_t n;

		if (s->wfd < 0) {
			s->wfd = open(s->path, O_WRONLY | O_CLOEXEC);
			if (s->wfd < 0)
				return -errno;
			(*opens)++;
			s->wtrunc = fstatfs(s->wfd, &fs) < 0 || fs.f_type != SYSFS_MAGIC;
		}
		do
			n = pwrite(s->wfd, buf, (size_t)len, 0);
		while (n < 0 && errno == EINTR);
		if (n == len && (!s->wtrunc || ftruncate(s->wfd, len) == 0))
			return 0;
		r = n < 0 || n == len ? -errno : -EIO;
		close(s->wfd);
		s->wfd = -1;
		if (r != -ENODEV && r != -EBADF && r != -ESTALE)
			return r;
	}
	return r;
}

static struct hw_linux_slot *hw_linux_reader_pending(struct hw_linux_reader *rd)
{
	for (unsigned i = 0; i < rd->nslots; i++)
		if (rd->slots[i]->want != rd->slots[i]->done)
			return rd->slots[i];
	return NULL;
}

/* ---- periodic sampling ---- */

struct hw_linux_sched {
	struct hw_linux_slot *slots[HW_LINUX_SCHED_SLOTS];
	unsigned n;
	int64_t period_ns;
	int64_t next_ns;      /* the next tick the worker takes */
	int64_t delivered_ns; /* the last tick handed to the loop (read or timed out) */
	uint64_t missed;      /* since the last drain */
	bool orphan;          /* replaced while the worker read its tick: the worker frees it */
	unsigned cap, head, len;
	struct hw_linux_tick ring[]; /* single producer (the worker), single consumer (the loop) */
};

/* A schedule taken off the reader (the lock held): freed, or by the worker reading its tick. */
static void hw_linux_sched_drop(struct hw_linux_reader *rd, struct hw_linux_sched *sc)
{
	if (!sc)
		return;
	if (rd->ticking == sc)
		sc->orphan = true;
	else
		free(sc);
}

/*
 * Take the schedule's tick if it is due (the lock held, let go around the reads): true when it
 * did.  The latest due tick is read; the ones before it, gone while the worker slept late or
 * read slowly, are missed, except those the loop already timed out.
 */
static bool hw_linux_reader_tick(struct hw_linux_reader *rd)
{
	struct hw_linux_sched *sc = rd->sched;
	struct hw_linux_slot *slots[HW_LINUX_SCHED_SLOTS];
	struct hw_linux_tick tk;
	unsigned opens = 0, n;
	int64_t now, late;

	if (!sc)
		return false;
	now = hw_linux_reader_now();
	if (now < sc->next_ns)
		return false;
	late = (now - sc->next_ns) / sc->period_ns;
	if (late > 0) {
		int64_t skipped = late;

		if (sc->delivered_ns >= sc->next_ns)
			skipped -= (sc->delivered_ns - sc->next_ns) / sc->period_ns + 1;
		sc->missed += skipped > 0 ? (uint64_t)skipped : 0;
		sc->next_ns += late * sc->period_ns;
	}
	memset(&tk, 0, sizeof(tk));
	tk.t_ns = sc->next_ns;
	sc->next_ns += sc->period_ns;
	n = sc->n;
	memcpy(slots, sc->slots, sizeof(slots));
	rd->io_since = now;
	rd->ticking = sc;
	pthread_mutex_unlock(&rd->mu);
	for (unsigned i = 0; i < n; i++)
		tk.errs[i] = hw_linux_slot_read(slots[i], &tk.values[i], &opens);
	pthread_mutex_lock(&rd->mu);
	rd->io_since = 0;
	rd->ticking = NULL;
	rd->stats.opens += opens;
	rd->stats.ops += n;
	if (sc->orphan)
		free(sc);
	else if (tk.t_ns <= sc->delivered_ns)
		; /* the loop answered it -ETIMEDOUT meanwhile */
	else if (sc->len == sc->cap)
		sc->missed++; /* the loop has not drained: dropped */
	else
		sc->ring[(sc->head + sc->len++) % sc->cap] = tk;
	return true;
}

/* Nothing to do: sleep until a request, or the schedule's next tick. */
static void hw_linux_reader_sleep(struct hw_linux_reader *rd)
{
	struct timespec until;

	if (!rd->sched) {
		pthread_cond_wait(&rd->work, &rd->mu);
		return;
	}
	until.tv_sec = (time_t)(rd->sched->next_ns / HW_NSEC_PER_SEC);
	until.tv_nsec = (long)(rd->sched->next_ns % HW_NSEC_PER_SEC);
	pthread_cond_timedwait(&rd->work, &rd->mu, &until);
}

int hw_linux_reader_schedule(struct hw_linux_reader *rd, const int *idx, unsigned n,
			     int64_t period_ns, int64_t first_ns, unsigned capacity)
{
	struct hw_linux_sched *sc;
	int r = 0;

	if (n == 0 || n > HW_LINUX_SCHED_SLOTS || period_ns <= 0 || capacity == 0 ||
	    capacity > (1u << 20))
		return -EINVAL;
	sc = calloc(1, sizeof(*sc) + capacity * sizeof(sc->ring[0]));
	if (!sc)
		return -ENOMEM;
	sc->n = n;
	sc->period_ns = period_ns;
	sc->next_ns = first_ns;
	sc->delivered_ns = first_ns - period_ns;
	sc->cap = capacity;
	pthread_mutex_lock(&rd->mu);
	for (unsigned i = 0; i < n && r == 0; i++) {
		if (idx[i] < 0 || (unsigned)idx[i] >= rd->nslots)
			r = -EINVAL;
		else
			sc->slots[i] = rd->slots[idx[i]];
	}
	if (r == 0) {
		hw_linux_sched_drop(rd, rd->sched);
		rd->sched = sc;
		sc = NULL;
	}
	pthread_mutex_unlock(&rd->mu);
	free(sc);
	/* the worker may sleep without a timeout: it goes by the new schedule from now */
	pthread_cond_signal(&rd->work);
	return r;
}

void hw_linux_reader_unschedule(struct hw_linux_reader *rd)
{
	pthread_mutex_lock(&rd->mu);
	hw_linux_sched_drop(rd, rd->sched);
	rd->sched = NULL;
	pthread_mutex_unlock(&rd->mu);
}

int hw_linux_reader_drain(struct hw_linux_reader *rd, int64_t now_ns, struct hw_linux_tick *out,
			  unsigned max, uint64_t *missed)
{
	struct hw_linux_sched *sc;
	unsigned n = 0;

	pthread_mutex_lock(&rd->mu);
	sc = rd->sched;
	if (!sc) {
		pthread_mutex_unlock(&rd->mu);
		return -ENOENT;
	}
	while (n < max && sc->len) {
		const struct hw_linux_tick *tk = &sc->ring[sc->head];

		sc->head = (sc->head + 1) % sc->cap;
		sc->len--;
		if (tk->t_ns <= sc->delivered_ns)
			continue;
		out[n++] = *tk;
		sc->delivered_ns = tk->t_ns;
	}
	/*
	 * A worker stuck in a driver (this tick's read or a request's) for the deadline, or not
	 * back for a tick due that long: its ticks up to now time out here, the loop never waits.
	 */
	if (sc->len == 0 && ((rd->io_since && now_ns - rd->io_since >= rd->deadline_ns) ||
			     now_ns - sc->next_ns >= rd->deadline_ns)) {
		for (int64_t t = sc->delivered_ns + sc->period_ns; n < max && t <= now_ns;
		     t += sc->period_ns) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].t_ns = t;
			for (unsigned i = 0; i < sc->n; i++)
				out[n].errs[i] = -ETIMEDOUT;
			sc->delivered_ns = t;
			n++;
		}
	}
	if (missed)
		*missed = sc->missed;
	sc->missed = 0;
	pthread_mutex_unlock(&rd->mu);
	return (int)n;
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
		if (!write)
			s->value = value;
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
	/* work: CLOCK_MONOTONIC too, the clock of a schedule's ticks */
	pthread_cond_init(&rd->work, &ca);
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
	pthread_cond_signal(&rd->work);
	last = --rd->refs == 0;
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
	/* signalled unlocked so the worker does not wake into a held mutex; it rechecks `want` */
	pthread_mutex_unlock(&rd->mu);
	pthread_cond_signal(&rd->work);
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
	/* a stale slot keeps the value as the one to apply when the worker comes back */
	r = hw_linux_reader_queue(rd, s, true, value, now, hw_linux_reader_wedged(rd, now), &seq);
	s->posted = s->want;
	if (r < 0) {
		pthread_mutex_unlock(&rd->mu);
		return r;
	}
	rd->stats.handoffs++;
	pthread_mutex_unlock(&rd->mu);
	pthread_cond_signal(&rd->work);
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

/* ---- the readers of one hw, one a directory ---- */

static int hw_linux_reader_dir(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (!slash || n == 0 || n >= len)
		return -EINVAL;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

int hw_linux_reader_get(struct hw *hw, const char *dir, struct hw_linux_reader **out)
{
	struct hw_linux_state *st = hw_linux_state(hw);
	struct hw_linux_reader_ent *slot = NULL;
	int r;

	for (unsigned i = 0; i < HW_LINUX_READERS_MAX; i++) {
		struct hw_linux_reader_ent *e = &st->readers[i];

		if (e->rd && strcmp(e->dir, dir) == 0) {
			e->users++;
			*out = e->rd;
			return 0;
		}
		if (!e->rd && !slot)
			slot = e;
	}
	for (unsigned i = 0; !slot && i < HW_LINUX_READERS_MAX; i++) {
		struct hw_linux_reader_ent *e = &st->readers[i];

		/* a reader left stuck by a closed chip that has come back (a rebind renumbers hwmonN) */
		if (e->users == 0 && hw_linux_reader_idle(e->rd)) {
			hw_linux_reader_free(e->rd);
			e->rd = NULL;
			slot = e;
		}
	}
	if (!slot)
		return -ENOSPC;
	r = hw_linux_path(slot->dir, sizeof(slot->dir), "%s", dir);
	if (r < 0)
		return r;
	r = hw_linux_reader_new(HW_LINUX_READ_DEADLINE_NS, &slot->rd);
	if (r < 0)
		return r;
	slot->users = 1;
	*out = slot->rd;
	return 0;
}

void hw_linux_reader_put(struct hw *hw, struct hw_linux_reader *rd)
{
	struct hw_linux_state *st = hw_linux_state(hw);

	if (!rd)
		return;
	for (unsigned i = 0; i < HW_LINUX_READERS_MAX; i++) {
		struct hw_linux_reader_ent *e = &st->readers[i];

		if (e->rd != rd)
			continue;
		assert(e->users > 0);
		/* a stuck reader stays: the chip's next open finds it instead of starting another */
		if (--e->users == 0 && hw_linux_reader_idle(rd)) {
			hw_linux_reader_free(rd);
			e->rd = NULL;
		}
		return;
	}
	assert(!"reader not registered");
}

/* The reader of the file's directory, kept for the hw's life (explicit files are few). */
static int hw_linux_reader_file(struct hw *hw, const char *path, struct hw_linux_reader **out)
{
	struct hw_linux_state *st = hw_linux_state(hw);
	char dir[HW_LINUX_PATH_MAX];
	int r = hw_linux_reader_dir(path, dir, sizeof(dir));

	if (r < 0)
		return r;
	for (unsigned i = 0; i < HW_LINUX_READERS_MAX; i++) {
		struct hw_linux_reader_ent *e = &st->readers[i];

		if (e->rd && e->pinned && strcmp(e->dir, dir) == 0) {
			*out = e->rd;
			return 0;
		}
	}
	r = hw_linux_reader_get(hw, dir, out);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < HW_LINUX_READERS_MAX; i++)
		if (st->readers[i].rd == *out)
			st->readers[i].pinned = true;
	return 0;
}

int hw_linux_file_slot(struct hw *hw, const char *path, struct hw_linux_reader **rd)
{
	int r = hw_linux_reader_file(hw, path, rd);

	return r < 0 ? r : hw_linux_reader_slot(*rd, path);
}

int hw_linux_file_read_bounded(struct hw *hw, const char *path, long *value)
{
	struct hw_linux_reader *rd;
	int idx = hw_linux_file_slot(hw, path, &rd);

	if (idx < 0)
		return idx;
	return hw_linux_reader_read(rd, idx, value);
}

struct hw_linux_reader *hw_linux_reader_of_file(struct hw *hw, const char *path)
{
	struct hw_linux_reader *rd;

	return hw_linux_reader_file(hw, path, &rd) < 0 ? NULL : rd;
}

void hw_linux_readers_free(struct hw *hw)
{
	struct hw_linux_state *st = hw_linux_state(hw);

	for (unsigned i = 0; i < HW_LINUX_READERS_MAX; i++) {
		hw_linux_reader_free(st->readers[i].rd);
		st->readers[i].rd = NULL;
	}
}
