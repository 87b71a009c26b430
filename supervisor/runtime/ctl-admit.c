/* ctl-admit.c - who gets a control-socket slot: reserves for privileged peers, a share per uid. */
#include "supervisor/runtime/ctl-admit.h"

enum ctl_admit_verdict ctl_admit_decide(int used, int used_by_uid, enum ctl_admit_rank rank)
{
	int limit = CTL_ADMIT_SLOTS;

	if (rank == CTL_ADMIT_ANYONE)
		limit -= CTL_ADMIT_RESERVE_PRIVILEGED;
	else if (rank == CTL_ADMIT_GROUP)
		limit -= CTL_ADMIT_RESERVE_ROOT;
	if (used >= limit)
		return CTL_ADMIT_FULL;
	if (rank != CTL_ADMIT_ROOT && used_by_uid >= CTL_ADMIT_UID_SHARE)
		return CTL_ADMIT_SHARE;
	return CTL_ADMIT_OK;
}

uint64_t ctl_admit_idle_usec(int used)
{
	return CTL_ADMIT_SLOTS - used < CTL_ADMIT_LOW_FREE ? CTL_ADMIT_IDLE_SHORT_USEC
							  : CTL_ADMIT_IDLE_USEC;
}
