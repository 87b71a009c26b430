/* knob.h - host throttle knobs: a tbf qdisc on a network interface, and sysfs control files. */
#ifndef H2BOX_HW_KNOB_H
#define H2BOX_HW_KNOB_H

#include <stddef.h>
#include <stdint.h>

struct hw;

/*
 * Replace the root qdisc of `ifname` with a token bucket filter at
 * rate_bps bits per second and a bucket of `burst` bytes (rtnetlink
 * RTM_NEWQDISC, no tc binary).  Only traffic through the kernel IP stack is
 * shaped: RDMA bypasses every qdisc.  Only the kernel's default root qdisc
 * (or our own tbf) is replaced: -EBUSY when someone configured a root qdisc
 * there, which is left as it was.  0, -ENODEV for an unknown interface, or
 * -errno (-EPERM without CAP_NET_ADMIN).
 */
int hw_knob_qdisc_tbf_set(struct hw *hw, const char *ifname, uint64_t rate_bps, uint32_t burst);
/* Remove the root qdisc this module installed (the kernel default returns). 0 if none. */
int hw_knob_qdisc_clear(struct hw *hw, const char *ifname);
/*
 * Control files such as cpufreq scaling_max_freq, intel_pstate
 * max_perf_pct, powercap constraint_0_power_limit_uw: write a value /
 * read the current one (trailing newline stripped).  0 or -errno.
 */
int hw_knob_write(struct hw *hw, const char *path, const char *value);
int hw_knob_read(struct hw *hw, const char *path, char *buf, size_t len);

/* Sim: forget the values written for a plant (before it is freed; tests). */
struct sim_plant;
void hw_knob_sim_forget(const struct sim_plant *plant);

/* The simulated CPU's maximum frequency (kHz, as cpufreq reports it). */
#define HW_KNOB_SIM_MAX_KHZ 2500000L

#endif
