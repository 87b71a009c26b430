/* watts-metrics.c - the watts service's Prometheus figures: each monitor's readings, energy, budget. */
#include "supervisor/services/watts-svc.h"
#include "supervisor/services/watts-priv.h"

#include "supervisor/policy/budget.h"
#include "supervisor/util/prom.h"

#include <math.h>

static const enum budget_state watts_metrics_budget_states[] = {
	BUDGET_OK, BUDGET_WARN, BUDGET_THROTTLE, BUDGET_CRITICAL,
};

/*
 * Per monitor (label monitor, the profile's [monitor NAME]): power, bus voltage, current and the
 * energy since install (persisted in the state file, so the counter survives restarts).  A
 * monitor without a valid reading gives NaN.  The budget: its state as a state set, the ladder.
 */
void watts_svc_metrics(struct watts_svc *s, struct prom *p)
{
	enum budget_state st;

	prom_family(p, "h2box_power_watts", PROM_GAUGE, "Power measured by the monitor.");
	prom_family(p, "h2box_voltage_volts", PROM_GAUGE, "Bus voltage measured by the monitor.");
	prom_family(p, "h2box_current_amperes", PROM_GAUGE, "Current measured by the monitor.");
	prom_family(p, "h2box_energy_joules_total", PROM_COUNTER,
		    "Energy through the monitor since install (kept across restarts).");
	for (int i = 0; i < s->nmon; i++) {
		const struct watts_monitor *m = &s->mon[i];
		const char *name = m->cfg.name;

		prom_sample(p, "h2box_power_watts", m->valid ? m->last.watts : NAN, "monitor",
			    name, NULL);
		prom_sample(p, "h2box_voltage_volts", m->valid ? m->last.volts : NAN, "monitor",
			    name, NULL);
		prom_sample(p, "h2box_current_amperes", m->valid ? m->last.amps : NAN, "monitor",
			    name, NULL);
		prom_sample(p, "h2box_energy_joules_total", m->energy.install_j, "monitor", name,
			    NULL);
	}
	if (!s->budget_on)
		return;
	prom_family(p, "h2box_budget_state", PROM_GAUGE,
		    "The power budget governor's state: 1 for the current one, 0 for the others.");
	prom_family(p, "h2box_budget_limit_watts", PROM_GAUGE, "The power budget's limit.");
	prom_family(p, "h2box_budget_throttle_steps_applied", PROM_GAUGE,
		    "Throttle ladder steps applied now.");
	prom_family(p, "h2box_budget_throttle_steps", PROM_GAUGE, "Throttle ladder steps configured.");
	st = budget_state_get(&s->budget);
	for (size_t i = 0; i < sizeof(watts_metrics_budget_states) / sizeof(watts_metrics_budget_states[0]); i++)
		prom_sample(p, "h2box_budget_state", watts_metrics_budget_states[i] == st, "state",
			    budget_state_name(watts_metrics_budget_states[i]), NULL);
	prom_sample(p, "h2box_budget_limit_watts", s->cfg.budget.limit_w, NULL);
	prom_sample(p, "h2box_budget_throttle_steps_applied", budget_applied(&s->budget), NULL);
	prom_sample(p, "h2box_budget_throttle_steps", s->nladder, NULL);
}
