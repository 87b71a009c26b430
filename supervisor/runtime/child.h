/* child.h - a command the daemon started, watched through the loop: reaped on exit, killed at its deadline. */
#ifndef H2BOX_CHILD_H
#define H2BOX_CHILD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hw/clock.h"

struct loop;
struct spawn_opts;
struct child;

/* The profile's default for hook_timeout and command_timeout. */
#define CHILD_TIMEOUT_DEFAULT_NS (10 * HW_NSEC_PER_SEC)
/* Between SIGTERM and SIGKILL to the child's process group (in child_wait: CHILD_STOP_GRACE_NS). */
#define CHILD_GRACE_NS (2 * HW_NSEC_PER_SEC)
/*
 * What a stop or reload gives the children it waits for, at most (less when their timeout is
 * shorter), and the grace after SIGTERM there: the loop does not run meanwhile, and systemd's
 * WatchdogSec (10 s) and TimeoutStopSec (15 s) bound the daemon itself.
 */
#define CHILD_STOP_WAIT_NS (3 * HW_NSEC_PER_SEC)
#define CHILD_STOP_GRACE_NS (HW_NSEC_PER_SEC / 2)

/* status: the wait status (WIFEXITED, WIFSIGNALED, ...), or -1 if it could not be collected. */
typedef void (*child_exit_fn)(struct child *c, int status, void *userdata);

/*
 * Start argv through spawn_start() in a process group of its own and watch it: its exit
 * (a pidfd in the loop, so it never blocks a cycle) is reaped and logged when it is not a clean
 * 0, then fn runs and the child is freed (fn must not free it; drop the pointer there).  At
 * timeout_ns the group gets SIGTERM, CHILD_GRACE_NS later SIGKILL; both are logged.  These are
 * real time (CLOCK_MONOTONIC), which box time is on real hardware: on the simulator box time
 * jumps with `sim advance`, and a jump must not kill a process that had no time to run.
 * `what` names it in the log ("throttle slow: hook apply").  0 or -errno.
 */
int child_start(struct loop *l, const char *what, char *const argv[], const struct spawn_opts *o,
		int64_t timeout_ns, child_exit_fn fn, void *userdata, struct child **out);
/*
 * Block until the child ends, at most *budget_ns of real time (less what was used is left there),
 * then SIGTERM, CHILD_STOP_GRACE_NS, SIGKILL: for stop and reload, where the loop does not run.
 * Ends like an exit seen by the loop (logged, fn, freed).  Returns the wait status or -1.
 */
int child_wait(struct child *c, int64_t *budget_ns);
pid_t child_pid(const struct child *c);

#endif
