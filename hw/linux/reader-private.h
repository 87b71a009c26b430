/* reader-private.h - the reader's objects, shared by reader.c (requests), reader-slot.c (one file's I/O), reader-sched.c (periodic sampling) and reader-dirs.c (one reader per directory). */
#ifndef H2BOX_HW_LINUX_READER_PRIVATE_H
#define H2BOX_HW_LINUX_READER_PRIVATE_H

#include "hw/linux/linux.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>

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
	uint64_t stamp; /* the reader's completion count when the last request completed */
	long wrote;     /* a write slot: the value its last write put in the file, */
	bool wrote_ok;  /* and whether that write succeeded */
	/* requester side of posted writes (hw_linux_reader_post) */
	bool wslot;      /* a write slot: its path's writes only, never found by a read's lookup */
	uint64_t posted; /* the posted write whose result nobody was told of yet, 0 none */
};

struct hw_linux_reader {
	pthread_mutex_t mu;
	/*
	 * The worker sleeps on this, outside the lock, for requests: a condition variable would
	 * take the mutex back marked contended after every wait, so each wake-up of the worker
	 * (ten a second for a 10 Hz schedule) cost one more futex call to let go of it.
	 */
	sem_t kick;
	pthread_cond_t done; /* the loop waits here for completions */
	int refs;            /* the owner and the worker: the last one out frees */
	bool quit;
	int64_t io_since; /* CLOCK_MONOTONIC ns the worker's current call began, 0 between calls */
	int64_t deadline_ns;
	uint64_t completed;   /* requests completed, the slots' stamps */
	uint64_t last_write;  /* the stamp of the last write completed, on any slot */
	unsigned nslots;
	struct hw_linux_slot *slots[HW_LINUX_READER_SLOTS];
	struct hw_linux_reader_stats stats;
	struct hw_linux_sched *sched;   /* periodic sampling, NULL without (see its block) */
	struct hw_linux_sched *ticking; /* the schedule whose tick the worker reads unlocked */
};

#define HW_LINUX_READER_STACK (64 * 1024)

/* reader-slot.c: the worker's I/O on one slot (outside the lock), and CLOCK_MONOTONIC in ns */
int64_t hw_linux_reader_now(void);
int hw_linux_slot_read(struct hw_linux_slot *s, long *value, unsigned *opens);
int hw_linux_slot_write(struct hw_linux_slot *s, long value, unsigned *opens);
/* reader-sched.c: the worker's side of the schedule, called with the reader's lock held */
bool hw_linux_reader_tick(struct hw_linux_reader *rd);
void hw_linux_reader_sleep(struct hw_linux_reader *rd);
/*
 * Wake the worker (the lock not held: it does not wake into a held mutex).  It rechecks
 * everything under the lock after a kick: extra kicks are harmless.  Inline: reader.c and
 * reader-sched.c both kick, and neither links the other for it.
 */
static inline void hw_linux_reader_kick(struct hw_linux_reader *rd)
{
	sem_post(&rd->kick);
}

#endif
