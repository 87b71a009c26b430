/* reader-sched.c - a reader's periodic sampling: the worker reads a set of slots on a grid into a ring the loop drains. */
#include "hw/linux/reader-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/clock.h"

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
bool hw_linux_reader_tick(struct hw_linux_reader *rd)
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

/*
 * Nothing to do (the lock held, let go while asleep): sleep until a kick, or the schedule's next
 * tick.  A kick posted after the caller's last look under the lock is counted by the semaphore,
 * so the sleep returns at once for it; the kicks already counted are taken here too, the caller
 * rechecking everything they were for.
 */
void hw_linux_reader_sleep(struct hw_linux_reader *rd)
{
	struct timespec until;
	bool timed = rd->sched != NULL;

	if (timed) {
		until.tv_sec = (time_t)(rd->sched->next_ns / HW_NSEC_PER_SEC);
		until.tv_nsec = (long)(rd->sched->next_ns % HW_NSEC_PER_SEC);
	}
	pthread_mutex_unlock(&rd->mu);
	if (timed)
		(void)sem_clockwait(&rd->kick, CLOCK_MONOTONIC, &until);
	else
		(void)sem_wait(&rd->kick);
	while (sem_trywait(&rd->kick) == 0)
		;
	pthread_mutex_lock(&rd->mu);
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
	hw_linux_reader_kick(rd);
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
