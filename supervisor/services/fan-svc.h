/* fan-svc.h - the NIC fan service: inputs, fanctl, the PWM chip, alarms and `h2box fan`. */
#ifndef H2BOX_FAN_SVC_H
#define H2BOX_FAN_SVC_H

#include <stdbool.h>
#include <stdint.h>

struct svc_ops;
struct box;
struct json;
struct prom;
struct ctl_reply;
struct fan_config;
struct fan_svc;

/*
 * One loop timer every [fan] period: read the tach (one period after the
 * last write), read every input (box_temp_set, NAN when invalid), run
 * fanctl_step(), write the duty, publish readings.fan_duty_pct/fan_rpm,
 * raise/clear the alarms fan-stall (crit), fan-rpm (warn), fan-tach (warn),
 * fan-chip (crit) and fan-sensor-<input> (crit, warn for required = no),
 * and log state changes only (mode, profile, failsafe, override, manual).
 *
 * A missing or vanished chip never stops the service: it is reopened with
 * back-off (1 s doubling to 60 s) under the fan-chip alarm.  While
 * b->power_off the service idles: no writes, no reads of the unpowered fan
 * controller and inputs (they publish unknown and "off", box_temp_set_off)
 * and no stall/sensor alarms; it clears its alarms on entry ("cleared:
 * powered off"), forgets the running fan's state and restarts from the
 * failsafe duty when power returns.  An input on the H2 ([input] powered_by
 * = host) is read while the H2 runs (b->host_off false), also while idle.
 *
 * ctl verb "fan": status (anyone), auto | set PCT [--for D] |
 * profile NAME [--until HH:MM] | calibrate (privileged).
 */
int fan_svc_new(struct box *b, const struct fan_config *cfg, struct fan_svc **out);
/* Clean exit: leaves the chip per [fan] on_exit (restore, full, keep). */
void fan_svc_free(struct fan_svc *s);
/* Its entry points for the daemon's service table (runtime/svc.h). */
extern const struct svc_ops fan_svc_ops;
/* Its Prometheus families (GET /metrics, `h2box metrics`). */
void fan_svc_metrics(struct fan_svc *s, struct prom *p);
void fan_svc_status_json(struct fan_svc *s, struct json *j);
void fan_svc_status_text(struct fan_svc *s, struct ctl_reply *rep);
/*
 * A minimum duty pushed by another service (a thermal alarm asking for full
 * cooling), with why ("thermal alarm temp-nic critical"); 0 clears it.
 * Applied from the next period on; status shows both, and "decided_by"
 * floor while it holds the duty up.  Changes are logged (fan-floor); the
 * same value pushed again is not.  s may be NULL (no fan service).
 */
void fan_svc_floor_set(struct fan_svc *s, double pct, const char *reason);

/*
 * Blind: the box powered, fan control enabled, the fan chip unreachable (it cannot be driven)
 * and a required input invalid (the card's temperature cannot be seen), as of the last period.
 * The thermal service acts on it (alarm nic-blind, the throttle ladder, [fan] blind_poweroff).
 */
struct fan_svc_blind {
	bool blind;
	int64_t since_ns;          /* box time it began */
	int64_t poweroff_after_ns; /* [fan] blind_poweroff, 0 = never */
	char why[128];             /* "chip emc2305-* (I/O error), input nic (I/O error)" */
};
/* s may be NULL (no fan service): never blind. */
void fan_svc_blind_get(const struct fan_svc *s, struct fan_svc_blind *out);

#endif
