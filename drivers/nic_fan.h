/* nic_fan.h - the NIC fan: hwmon pwmN (manual mode) + fanN_input tach on a chip found by name. */
#ifndef H2BOX_DRIVERS_NIC_FAN_H
#define H2BOX_DRIVERS_NIC_FAN_H

/*
 * Why it works this way (the decisions docs/ARCHITECTURE.md points to).
 *
 * The fan's duty is read back, not assumed. Fan chips round, clamp or ignore a duty: Linux 6.1's
 * emc2305 driver (with `CONFIG_THERMAL`, as Debian builds it) turns a `pwm1` write into one of 10
 * cooling states, so 47 % (pwm 120) runs the fan at 50.2 % (128). `nic_fan` reads `pwmN` back
 * after every write; `h2box fan status` keeps `duty_pct` as the commanded duty and adds
 * `duty_actual_pct` (null when unknown, never a guess), the text says `47% (chip holds 50%)`
 * beyond one pwm step, and the first rounded write is logged once (`H2BOX_EVENT=fan-chip
 * H2BOX_STATE=quantises`). A rounded duty is not a fault; a failed read-back is one, handled like
 * a failed write (full duty, `fan-chip` alarm, reopen with back-off). The sim's hwmon backend
 * rounds `pwmN` of its emc2305 the same way (the driver's job, so the plant's chip keeps any byte
 * the kernel rig mirrors into it); the controller itself still works in commanded duty.
 */

#include <stdbool.h>

struct hw;
struct nic_fan;

/* What a clean close leaves behind. */
enum nic_fan_on_exit {
	NIC_FAN_EXIT_RESTORE, /* the pwmN_enable (and pwmN) found at open */
	NIC_FAN_EXIT_FULL,    /* manual mode, full duty */
	NIC_FAN_EXIT_KEEP,    /* the last duty we wrote */
};

/* "restore", "full", "keep" -> 0 or -EINVAL. */
int nic_fan_on_exit_parse(const char *s, enum nic_fan_on_exit *out);
const char *nic_fan_on_exit_name(enum nic_fan_on_exit e);

/*
 * Open the first chip matching pattern (e.g. "emc2305-*"), remember
 * pwmN_enable and pwmN, switch to manual mode (pwmN_enable = 1) at full
 * duty and read pwmN back.  A chip without pwmN_enable is driven through
 * pwmN alone.  0, -ENOENT when no chip matches, or -errno (the chip is then
 * left at full duty when it could still be written).
 */
int nic_fan_open(struct hw *hw, const char *pattern, int pwm, struct nic_fan **out);
const char *nic_fan_chip_name(const struct nic_fan *f);
/*
 * Write duty percent (0..100 -> pwm 0..255), then read pwmN back: chips
 * quantise (Linux 6.1's emc2305 keeps one of 10 steps), clamp or ignore a
 * write, and the read-back is what the fan gets.  Re-asserts manual mode
 * when something else changed pwmN_enable (returns 1 then).  On any
 * failure, a failed read-back included, it tries full duty before
 * returning the -errno.
 */
int nic_fan_duty_set(struct nic_fan *f, double pct);
/* Percent pwmN held at the last read-back; NAN when there was none since the last write. */
double nic_fan_duty_held(const struct nic_fan *f);
/*
 * The last read-back differs from the last write by more than one pwm step
 * (the chip quantised, clamped or ignored it).  false when either is unknown.
 */
bool nic_fan_duty_differs(const struct nic_fan *f);
/*
 * RPM from fanN_input.  0 or -errno.  pwmN_enable is read in the same trip to the chip and
 * used by the next nic_fan_duty_set() instead of a read of its own (a cycle reads the tach,
 * then sets the duty): one hand-off less a cycle on the linux backend.
 */
int nic_fan_rpm_read(struct nic_fan *f, double *rpm);
/* Best effort full duty in manual mode (failure paths). */
int nic_fan_full(struct nic_fan *f);
/*
 * Close; how says what to leave on a clean exit.  A failed restore falls
 * back to full duty (best effort: a vanished chip cannot be written).
 */
void nic_fan_close(struct nic_fan *f, enum nic_fan_on_exit how);

#endif
