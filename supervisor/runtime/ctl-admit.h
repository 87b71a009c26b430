/* ctl-admit.h - who gets a control-socket slot: reserves for privileged peers, a share per uid. */
#ifndef H2BOX_CTL_ADMIT_H
#define H2BOX_CTL_ADMIT_H

#include <stdint.h>

/*
 * The daemon serves at most CTL_ADMIT_SLOTS connections at once.  A power supervisor must stay
 * reachable by the people who may switch the box off, whatever an ordinary local user does, so:
 *  - the last CTL_ADMIT_RESERVE_PRIVILEGED slots are kept for privileged peers (root, the
 *    daemon's user, the h2box group), the last CTL_ADMIT_RESERVE_ROOT of them for root and the
 *    daemon's user alone (a group member cannot lock root out either);
 *  - a uid other than root and the daemon's user holds at most CTL_ADMIT_UID_SHARE slots (a
 *    quarter: one user's streams and idle sockets leave room for three others);
 *  - when fewer than CTL_ADMIT_LOW_FREE slots are free, a connection that has not sent its
 *    request within CTL_ADMIT_IDLE_SHORT_USEC is closed (a real client sends at once), instead
 *    of the relaxed CTL_ADMIT_IDLE_USEC.
 */
#define CTL_ADMIT_SLOTS 64
#define CTL_ADMIT_RESERVE_PRIVILEGED 8
#define CTL_ADMIT_RESERVE_ROOT 4
#define CTL_ADMIT_UID_SHARE (CTL_ADMIT_SLOTS / 4)
#define CTL_ADMIT_LOW_FREE (CTL_ADMIT_SLOTS / 4)
#define CTL_ADMIT_IDLE_USEC (10ULL * 1000000ULL)
#define CTL_ADMIT_IDLE_SHORT_USEC (2ULL * 1000000ULL)

_Static_assert(CTL_ADMIT_RESERVE_ROOT < CTL_ADMIT_RESERVE_PRIVILEGED &&
		       CTL_ADMIT_RESERVE_PRIVILEGED + CTL_ADMIT_UID_SHARE <= CTL_ADMIT_SLOTS,
	       "the reserves must leave room for one unprivileged user's share");

/* How much a peer may take: ranks in increasing trust. */
enum ctl_admit_rank {
	CTL_ADMIT_ANYONE,     /* any local user */
	CTL_ADMIT_GROUP,      /* privileged through the h2box group */
	CTL_ADMIT_ROOT,       /* root or the daemon's own user: no share limit */
};

enum ctl_admit_verdict {
	CTL_ADMIT_OK,
	CTL_ADMIT_FULL,      /* no slot left for this rank */
	CTL_ADMIT_SHARE,     /* this uid holds its share already */
};

/* used: connections open now; used_by_uid: those of the same uid. */
enum ctl_admit_verdict ctl_admit_decide(int used, int used_by_uid, enum ctl_admit_rank rank);
/* How long a connection may stay silent before its request, with `used` slots taken. */
uint64_t ctl_admit_idle_usec(int used);

#endif
