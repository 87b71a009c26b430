/* nic_fan.h - the NIC fan: hwmon pwmN (manual mode) + fanN_input tach on a chip found by name. */
#ifndef H2BOX_DRIVERS_NIC_FAN_H
#define H2BOX_DRIVERS_NIC_FAN_H

/*
 * Why it works this way (the decisions docs/ARCHITECTURE.md points to).
 *
 * The fan's duty is read back, not assumed. Fan chips round, clamp or ignore a duty: Linux 6.1's
 * emc2305 driver (with `CONFIG_THERMAL`, as Debian builds it) turns a `pwm1` write into one of 10
 * cooling states, so 47 % (pwm 120) runs the fan at 50.2 % (128). `nic_fan` reads `pwmN` back
 * with the tach at the start of every cycle, in the same trip to the chip (the duty write is
 * posted, not waited for): the duty the chip held through the period the tach reflects, and
 * what it made of the write before; `h2box fan status` keeps `duty_pct` as the commanded duty and adds
 * `duty_actual_pct` (null when unknown, never a guess), the text says `47% (chip holds 50%)`
 * beyond one pwm step, and the first rounded write is logged once (`H2BOX_EVENT=fan-chip
 * H2BOX_STATE=quantises`). A rounded duty is not a fault; a failed read-back is one, handled like
 * a failed write (full duty, `fan-chip` alarm, reopen with back-off). The sim's hwmon backend
 * rounds `pwmN` of its emc2305 the same way (the driver's job, so the plant's chip keeps any byte
 * the kernel rig mirrors into it); the controller itself still works in commanded duty.
 */

#include <stdbool.h>

struct hw;
struct hw_hwmon_read_req;
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
 * Write duty percent (0..100 -> pwm 0..255), posted to the chip without
 * waiting (hw_hwmon_attr_post): its failure comes back with the next read
 * (nic_fan_read_take), and that read's pwmN is what the chip made of it
 * (chips quantise: Linux 6.1's emc2305 keeps one of 10 steps; clamp or
 * ignore a write).  Re-asserts manual mode when something else changed
 * pwmN_enable (returns 1 then).  On any failure, the last read's pwmN
 * failure (unreadable, out of range, or the write before it failed)
 * included, it tries full duty at once before returning the -errno.
 */
int nic_fan_duty_set(struct nic_fan *f, double pct);
/*
 * Percent pwmN held at the last read (the duty the fan got through the last period); NAN when
 * unknown (the read failed, or full duty was forced since).
 */
double nic_fan_duty_held(const struct nic_fan *f);
/*
 * The last read's pwmN differs by more than one pwm step from the write it followed (the chip
 * quantised, clamped or ignored it).  false when either is unknown.
 */
bool nic_fan_duty_differs(const struct nic_fan *f);
/*
 * A cycle's read of the chip, for one hw_hwmon_read_batch() with the other inputs: reqs fills
 * at most NIC_FAN_READ_REQS requests (fanN_input, pwmN, pwmN_enable) and returns how many;
 * take reads the answers: the tach (RPM, 0 or its -errno), pwmN as the held duty (its failure
 * is kept for the next nic_fan_duty_set()) and pwmN_enable (which that duty_set checks instead
 * of reading it again).
 */
#define NIC_FAN_READ_REQS 3
unsigned nic_fan_read_reqs(struct nic_fan *f, struct hw_hwmon_read_req *req);
int nic_fan_read_take(struct nic_fan *f, const struct hw_hwmon_read_req *req, double *rpm);
/* The same for the chip alone: one trip to its worker.  RPM, 0 or the tach's -errno. */
int nic_fan_rpm_read(struct nic_fan *f, double *rpm);
/* Best effort full duty in manual mode (failure paths). */
int nic_fan_full(struct nic_fan *f);
/*
 * Close; how says what to leave on a clean exit.  A failed restore falls
 * back to full duty (best effort: a vanished chip cannot be written).
 */
void nic_fan_close(struct nic_fan *f, enum nic_fan_on_exit how);

#endif
