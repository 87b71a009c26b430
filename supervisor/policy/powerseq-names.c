/* powerseq-names.c - the sequencer's names: states, reasons, faults, requested states, the H2. */
#include "supervisor/policy/powerseq.h"

#include <errno.h>
#include <string.h>

static const char *const powerseq_state_names[] = {
	[POWERSEQ_OFF] = "off",
	[POWERSEQ_PSU_STARTING] = "psu_starting",
	[POWERSEQ_NIC_WAIT] = "nic_wait",
	[POWERSEQ_IB_WAIT] = "ib_wait",
	[POWERSEQ_HOST_STARTING] = "host_starting",
	[POWERSEQ_ON] = "on",
	[POWERSEQ_HOST_STOPPING] = "host_stopping",
	[POWERSEQ_FORCE_OFF] = "force_off",
	[POWERSEQ_PSU_STOPPING] = "psu_stopping",
	[POWERSEQ_CYCLE_WAIT] = "cycle_wait",
	[POWERSEQ_FAULT] = "fault",
};

static const char *const powerseq_reason_names[] = {
	[POWERSEQ_R_NONE] = "none",
	[POWERSEQ_R_STARTUP] = "startup",
	[POWERSEQ_R_RESTORE] = "restore",
	[POWERSEQ_R_ADOPT] = "adopt",
	[POWERSEQ_R_FINISH_OFF] = "finish-off",
	[POWERSEQ_R_RESTORED_FAULT] = "restored-fault",
	[POWERSEQ_R_BUTTON] = "button",
	[POWERSEQ_R_LONG_PRESS] = "long-press",
	[POWERSEQ_R_CMD_ON] = "command-on",
	[POWERSEQ_R_CMD_OFF] = "command-off",
	[POWERSEQ_R_CMD_CYCLE] = "command-cycle",
	[POWERSEQ_R_CMD_FORCE_OFF] = "command-force-off",
	[POWERSEQ_R_CMD_CLEAR] = "command-clear",
	[POWERSEQ_R_PSU_OK] = "psu-ok",
	[POWERSEQ_R_PSU_OK_TIMEOUT] = "psu-ok-timeout",
	[POWERSEQ_R_PSU_OK_DROP] = "psu-ok-drop",
	[POWERSEQ_R_HOST_ALIVE] = "host-alive",
	[POWERSEQ_R_HOST_STARTED] = "host-started",
	[POWERSEQ_R_HOST_BOOT_TIMEOUT] = "host-boot-timeout",
	[POWERSEQ_R_HOST_OFF] = "host-off",
	[POWERSEQ_R_HOST_POWEROFF] = "host-poweroff",
	[POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT] = "host-shutdown-timeout",
	[POWERSEQ_R_FORCE_OFF_DONE] = "force-off-done",
	[POWERSEQ_R_PSU_OFF_DELAY] = "psu-off-delay",
	[POWERSEQ_R_CYCLE_DELAY] = "cycle-delay",
	[POWERSEQ_R_NIC_PRESENT] = "nic-present",
	[POWERSEQ_R_NIC_TIMEOUT] = "nic-timeout",
	[POWERSEQ_R_IB_ACTIVE] = "ib-active",
	[POWERSEQ_R_IB_TIMEOUT] = "ib-timeout",
	[POWERSEQ_R_THERMAL_EMERGENCY] = "thermal-emergency",
	[POWERSEQ_R_BLIND] = "blind",
};

/* A state or reason added without a name fails here (designated initializers leave holes
 * silently, so the last entry sizes the table; test_powerseq checks every entry is set). */
_Static_assert(sizeof(powerseq_state_names) / sizeof(powerseq_state_names[0]) ==
		       POWERSEQ_STATE_COUNT,
	       "every powerseq state needs a name");
_Static_assert(sizeof(powerseq_reason_names) / sizeof(powerseq_reason_names[0]) ==
		       POWERSEQ_R_COUNT,
	       "every powerseq reason needs a name");

const char *powerseq_state_name(enum powerseq_state s)
{
	return (unsigned)s < POWERSEQ_STATE_COUNT && powerseq_state_names[s] ? powerseq_state_names[s]
								     : "?";
}

const char *powerseq_reason_name(enum powerseq_reason r)
{
	return (unsigned)r < POWERSEQ_R_COUNT && powerseq_reason_names[r] ? powerseq_reason_names[r] : "?";
}

const char *powerseq_fault_name(enum powerseq_fault f)
{
	switch (f) {
	case POWERSEQ_FAULT_NONE:
		return "none";
	case POWERSEQ_FAULT_PSU_OK_TIMEOUT:
		return "psu-ok-timeout";
	case POWERSEQ_FAULT_PSU_OK_DROP:
		return "psu-ok-drop";
	case POWERSEQ_FAULT_HOST_BOOT_TIMEOUT:
		return "host-boot-timeout";
	case POWERSEQ_FAULT_UNKNOWN:
		return "unknown";
	}
	return "?";
}

const char *powerseq_fault_describe(enum powerseq_fault f)
{
	switch (f) {
	case POWERSEQ_FAULT_NONE:
		return "no fault";
	case POWERSEQ_FAULT_PSU_OK_TIMEOUT:
		return "PWR_OK did not come up in time after PS_ON";
	case POWERSEQ_FAULT_PSU_OK_DROP:
		return "PWR_OK dropped while the box was on";
	case POWERSEQ_FAULT_HOST_BOOT_TIMEOUT:
		return "the H2 did not come up (power LED) in time";
	case POWERSEQ_FAULT_UNKNOWN:
		return "a fault latched before this start, its name unreadable in the state file";
	}
	return "?";
}

const char *powerseq_requested_name(enum powerseq_requested r)
{
	switch (r) {
	case POWERSEQ_REQUESTED_OFF:
		return "off";
	case POWERSEQ_REQUESTED_ON:
		return "on";
	default:
		return "unknown";
	}
}

int powerseq_requested_parse(const char *s, enum powerseq_requested *out)
{
	if (!s)
		return -EINVAL;
	if (strcmp(s, "on") == 0)
		*out = POWERSEQ_REQUESTED_ON;
	else if (strcmp(s, "off") == 0)
		*out = POWERSEQ_REQUESTED_OFF;
	else
		return -EINVAL;
	return 0;
}

int powerseq_fault_parse(const char *s, enum powerseq_fault *out)
{
	static const enum powerseq_fault all[] = {
		POWERSEQ_FAULT_PSU_OK_TIMEOUT, POWERSEQ_FAULT_PSU_OK_DROP,
		POWERSEQ_FAULT_HOST_BOOT_TIMEOUT, POWERSEQ_FAULT_UNKNOWN,
	};

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, powerseq_fault_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

const char *powerseq_host_name(enum powerseq_host h)
{
	switch (h) {
	case POWERSEQ_H2_OFF:
		return "off";
	case POWERSEQ_H2_BOOTING:
		return "booting";
	case POWERSEQ_H2_ON:
		return "on";
	case POWERSEQ_H2_STOPPING:
		return "stopping";
	default:
		return "unknown";
	}
}
