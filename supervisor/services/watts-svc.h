/* watts-svc.h - the power meter service: monitors, energy, record, budget ladder, verbs. */
#ifndef H2BOX_WATTS_SVC_H
#define H2BOX_WATTS_SVC_H

/*
 * Its profile keys are in supervisor/config/watts-config.h; its files: watts-svc.c (life cycle
 * and the sample), watts-monitor.c, watts-record.c, watts-budget.c, watts-verbs.c; the
 * thermal levels are their own service (thermal-svc.c), which the watts sampler steps.
 *
 * Control verbs (text replies shown; JSON replies carry the same numbers, null when unknown):
 *   watts                      one line per monitor "main  24.03 W  12.010 V  2.001 A  (budget)",
 *                              budget and energy lines.  JSON: watts, volts, amps, budget_state,
 *                              avg_w, limit_w, energy_boot_j, energy_poweron_j, energy_total_j,
 *                              energy_since_real_ns, monitors[{name, chip, device, budget, valid,
 *                              watts, volts, amps, energy_boot_j, error?}]
 *   watts --follow [--interval S]   a stream: text "# every S s: ..." then one line per interval
 *                              "<ISO time> W V A  avg W  state  [name W ...]"; JSON: the reply
 *                              object {interval_ns}, then one JSON object per line: time, mono_s,
 *                              watts, volts, amps, avg_w, budget, ib_tx_gbps, ib_rx_gbps,
 *                              energy_j, monitors{name: W}.  Ends when the client hangs up.
 *   record begin               JSON {id, baseline_w, baseline_s, baseline_settled,
 *                              baseline_drift_w, start_mono_ns}; text "record N started; idle
 *                              baseline B W over the last S s[ (not settled: ...)]".  Settled:
 *                              the window's two halves agree within 0.5 W or 2 %; drift is the
 *                              later half's mean minus the earlier's (null when a half is empty)
 *   record end ID              JSON {id, duration_s, avg_w, peak_w, min_w, energy_j,
 *                              baseline_w, baseline_settled, baseline_drift_w, above_baseline_j,
 *                              below_baseline, ib_tx_bytes, ib_rx_bytes,
 *                              ib_bytes, avg_gbps, j_per_gb, j_per_gb_above_baseline, samples};
 *                              error 1 "no open record N".  above_baseline_j is never below 0:
 *                              a record below its baseline gives 0 and below_baseline = true
 *                              when it averaged more than the tolerance below (the baseline
 *                              was taken above idle, e.g. mid-transition)
 *   budget [status]            state, average, thresholds, release level, ladder with applied
 *                              flags.  JSON: enabled, state, avg_w, watts, limit_w, warn_w,
 *                              throttle_w, critical_w, release_w, window_s, warn_only,
 *                              thermal_throttle, applied, ladder[{name, action, applied}]
 *   alarms                     (registered by the alarm service) JSON {active[], history[]},
 *                              entries {id, level, value, message, mono_ns, time}
 */

#include <stdbool.h>
#include <stdint.h>

#include "supervisor/config/watts-config.h"
#include "supervisor/policy/energy.h"
#include "supervisor/services/alarm.h"
#include "supervisor/services/thermal-svc.h"

struct box;
struct svc_ops;
struct json;
struct prom;
struct ctl_reply;
struct watts_svc;

int watts_svc_new(struct box *b, const struct watts_config *cfg, struct watts_svc **out);
void watts_svc_free(struct watts_svc *s);
/* Its entry points for the daemon's service table (runtime/svc.h). */
extern const struct svc_ops watts_svc_ops;
/* Its Prometheus families (GET /metrics, `h2box metrics`). */
void watts_svc_metrics(struct watts_svc *s, struct prom *p);
void watts_svc_status_json(struct watts_svc *s, struct json *j);
void watts_svc_status_text(struct watts_svc *s, struct ctl_reply *rep);

/*
 * Thin wrappers over the thermal service this one owns (it has no place in the daemon's
 * service table yet): the fan service pulls the first (true while the thermal levels ask for
 * a 100 % floor, which the thermal service also pushes with fan_svc_floor_set); the daemon
 * sets the orderly power-off request handler through the second.
 */
bool watts_svc_fan_full_wanted(const struct watts_svc *s);
typedef thermal_svc_poweroff_fn watts_poweroff_fn;
void watts_svc_poweroff_handler_set(struct watts_svc *s, watts_poweroff_fn fn, void *userdata);
/* Run one sample now (tests and the scenario harness; the timer calls the same). */
void watts_svc_sample(struct watts_svc *s, int64_t now_ns);

/* The energy state file, written through statefile (atomic) and read back checked. */
int watts_energy_state_save(const char *path, const struct energy_state *st);
/* 0; -ENOENT when missing; -EBADMSG when corrupt (then *st is zeroed); or -errno. */
int watts_energy_state_load(const char *path, struct energy_state *st);

#endif
