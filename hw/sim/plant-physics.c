/* plant-physics.c - power, traffic, fan and heat of the simulated box as functions of its state. */
#include "hw/sim/plant-private.h"

#include <math.h>

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

double plant_noise(const struct sim_plant *p, uint64_t channel, int64_t t)
{
	uint64_t z;

	if (!p->cfg.seed)
		return 1.0;
	/* splitmix64 of (seed, channel, time): the same reading at the same time repeats */
	z = p->cfg.seed ^ (channel * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)t * 0xbf58476d1ce4e5b9ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return 1.0 + 0.002 * (2.0 * ((double)(z >> 11) / 9007199254740992.0) - 1.0);
}

double plant_fan_duty_pct(const struct sim_plant *p)
{
	if (p->pwm_enable == 0)
		return 100.0; /* hwmon convention: 0 = no control, full speed */
	return (double)p->pwm * 100.0 / 255.0;
}

static double fan_target_rpm(const struct sim_plant *p)
{
	double duty = plant_fan_duty_pct(p);
	double need = p->fan_spinning ? sim_fan_min_pct : sim_fan_start_pct;

	if (p->fault[SIM_FAULT_FAN_STALL] || !p->psu_ok || duty < need)
		return 0.0;
	return sim_fan_max_rpm * duty / 100.0;
}

double plant_fan_w(const struct sim_plant *p)
{
	double x = p->rpm / sim_fan_max_rpm;

	return sim_fan_max_w * x * x * x; /* fan affinity law */
}

static double sum_rates_gbps(const struct sim_plant *p)
{
	double s = 0;

	for (int port = 0; port < 2; port++)
		for (int d = 0; d < 2; d++)
			s += (double)p->ctr[port][d].rate_bps / 1e9;
	return s;
}

static double nic_traffic_w(double gbps)
{
	return (sim_nic_max_w - sim_nic_idle_w) * clampd(gbps / sim_nic_full_gbps, 0.0, 1.0);
}

double plant_nic_w(const struct sim_plant *p)
{
	if (!p->nic_powered)
		return 0.0;
	return sim_nic_idle_w + nic_traffic_w(sum_rates_gbps(p));
}

bool plant_traffic_flows(const struct sim_plant *p)
{
	/* without a subnet manager the ports never leave INIT: nothing moves */
	return p->link_up && p->host == SIM_HOST_ON && !p->fault[SIM_FAULT_IB_NO_SM];
}

static double cpu_factor(const struct sim_plant *p)
{
	return p->cpu_cap_pct > 0 && p->cpu_cap_pct < 100 ? p->cpu_cap_pct / 100.0 : 1.0;
}

/* Actual rate of the workload as a fraction of its nominal rate. */
double plant_traffic_fraction(const struct sim_plant *p)
{
	const struct sim_workload_def *w = &sim_workloads[p->workload];
	double f = 1.0, peak = 0;

	if (!w->ipoib)
		return f; /* RDMA bypasses both the qdisc and the CPU */
	f = cpu_factor(p);
	for (int port = 0; port < 2; port++)
		for (int d = 0; d < 2; d++)
			peak = fmax(peak, w->gbps[port][d]);
	if (p->rate_limit_gbps > 0 && peak > 0 && peak * f > p->rate_limit_gbps)
		f = p->rate_limit_gbps / peak;
	return f;
}

void plant_rates_update(struct sim_plant *p)
{
	const struct sim_workload_def *w = &sim_workloads[p->workload];
	bool flows = plant_traffic_flows(p);
	double f = flows ? plant_traffic_fraction(p) : 0.0;

	for (int port = 0; port < 2; port++)
		for (int d = 0; d < 2; d++)
			p->ctr[port][d].rate_bps = (uint64_t)llround(
				(w->gbps[port][d] * f + (flows ? p->rdma_gbps[port][d] : 0.0)) * 1e9);
}

void plant_counters_reset(struct sim_plant *p)
{
	for (int port = 0; port < 2; port++)
		for (int d = 0; d < 2; d++) {
			p->ctr[port][d].bytes = 0;
			p->ctr[port][d].rem = 0;
		}
}

void plant_derive_calibration(struct sim_plant *p)
{
	const struct sim_calib *c = p->cal;

	for (int i = 0; i < SIM_WL_COUNT; i++) {
		const struct sim_workload_def *w = &sim_workloads[i];
		double base = c->idle_w + c->link_w;
		double gbps = 0;

		for (int port = 0; port < 2; port++)
			for (int d = 0; d < 2; d++)
				gbps += w->gbps[port][d];
		if (c->rail_on_psu)
			base += c->disks_psu_w;
		if (c->nic_monitored)
			base += sim_nic_idle_w + nic_traffic_w(gbps);
		p->host_extra_w[i] = fmax(0.0, c->target_w[i] - base);
	}
}

static double workload_w(const struct sim_plant *p)
{
	const struct sim_workload_def *w = &sim_workloads[p->workload];
	double f, cs;

	if (!plant_traffic_flows(p))
		return 0.0;
	f = plant_traffic_fraction(p);
	cs = w->cpu_share;
	/* the CPU part follows the slower of traffic and CPU cap, the rest follows traffic */
	return p->host_extra_w[p->workload] * ((1.0 - cs) * f + cs * fmin(f, cpu_factor(p)));
}

double plant_host_w(const struct sim_plant *p)
{
	const struct sim_calib *c = p->cal;

	switch (p->host) {
	case SIM_HOST_BOOTING:
		return p->now - p->host_boot_t0 < c->burst_ns ? c->burst_w : c->boot_w;
	case SIM_HOST_ON:
		return c->idle_w + (p->link_up ? c->link_w : 0.0) + workload_w(p) +
		       p->rdma_pollers * sim_rdma_poll_w;
	case SIM_HOST_STOPPING:
		return c->stop_w;
	case SIM_HOST_OFF:
	default:
		return 0.0;
	}
}

double plant_monitored_w(const struct sim_plant *p)
{
	const struct sim_calib *c = p->cal;
	double w;

	if (c->rail_on_psu && !p->psu_ok)
		return 0.0;
	w = plant_host_w(p);
	if (p->host != SIM_HOST_OFF)
		w += p->extra_load_w;
	if (c->rail_on_psu)
		w += c->disks_psu_w;
	if (c->nic_monitored)
		w += plant_nic_w(p) + plant_fan_w(p);
	return w;
}

double plant_monitored_v(const struct sim_plant *p, double watts)
{
	const struct sim_calib *c = p->cal;
	double disc;

	if (c->rail_on_psu && !p->psu_ok)
		return 0.0;
	/* V = V0 - R * P / V */
	disc = c->bus_v * c->bus_v - 4.0 * c->droop_ohm * watts;
	if (disc < 0)
		disc = 0;
	return (c->bus_v + sqrt(disc)) / 2.0;
}

static double relax(double value, double target, double dt, double tau)
{
	return target + (value - target) * exp(-dt / tau);
}

static double nic_r_k_per_w(double rpm)
{
	double g0 = 1.0 / sim_nic_r_nofan, g1 = 1.0 / sim_nic_r_full;

	/* heatsink conductance grows linearly with airflow */
	return 1.0 / (g0 + (g1 - g0) * clampd(rpm / sim_fan_max_rpm, 0.0, 1.0));
}

static void counter_add(struct sim_counter *c, int64_t dt_ns)
{
	unsigned __int128 acc = (unsigned __int128)c->rate_bps * (uint64_t)dt_ns + c->rem;

	c->bytes += (uint64_t)(acc / 8000000000u);
	c->rem = (uint64_t)(acc % 8000000000u);
}

void plant_physics_step(struct sim_plant *p, int64_t t)
{
	int64_t from = p->now, dt_ns = t - from;
	double dt, w0, w1, target, nic_w, cpu_w, disk_target;
	bool disks_on;

	if (dt_ns <= 0)
		return;
	dt = (double)dt_ns / (double)HW_NSEC_PER_SEC;
	w0 = plant_monitored_w(p);
	nic_w = plant_nic_w(p);

	/* heat first, with the airflow at the start of the step */
	p->nic_c = relax(p->nic_c, p->ambient_c + nic_w * nic_r_k_per_w(p->rpm), dt,
			 sim_nic_tau_s);
	cpu_w = 0;
	if (p->host != SIM_HOST_OFF)
		cpu_w = sim_cpu_idle_w + fmax(0.0, plant_host_w(p) - p->cal->idle_w);
	p->cpu_c = relax(p->cpu_c, p->ambient_c + sim_cpu_k_per_w * cpu_w, dt, sim_cpu_tau_s);
	disks_on = p->cal->rail_on_psu ? p->psu_ok : p->host != SIM_HOST_OFF;
	disk_target = p->ambient_c;
	if (disks_on) {
		disk_target += sim_disk_rise_k;
		if (sim_workloads[p->workload].disks_busy && plant_traffic_flows(p))
			disk_target += sim_disk_busy_k;
	}
	p->disk_c = relax(p->disk_c, disk_target, dt, sim_disk_tau_s);

	/* fan */
	target = fan_target_rpm(p);
	if (p->fault[SIM_FAULT_FAN_STALL])
		p->rpm = 0;
	else
		p->rpm = relax(p->rpm, target, dt, sim_fan_tau_s);
	if (target == 0 && p->rpm < 50)
		p->rpm = 0;
	/* hysteresis: a fan turning over keeps running down to the minimum duty */
	p->fan_spinning = p->rpm >= 300;

	for (int port = 0; port < 2; port++)
		for (int d = 0; d < 2; d++)
			counter_add(&p->ctr[port][d], dt_ns);

	/* only the fan moves within a step: trapezoid on it, exact on the rest */
	w1 = plant_monitored_w(p);
	p->energy_j += 0.5 * (w0 + w1) * dt;
	plant_monitor_step(p, from, t);
	p->now = t;
}

/* ---- the power monitor chip on the monitored rail ---- */

void plant_monitor_reset(struct sim_plant *p)
{
	enum ina_model_chip chip;

	switch (p->cfg.monitor_chip) {
	case SIM_MONITOR_INA219: chip = INA_MODEL_INA219; break;
	case SIM_MONITOR_INA260: chip = INA_MODEL_INA260; break;
	case SIM_MONITOR_INA226:
	default: chip = INA_MODEL_INA226; break;
	}
	ina_model_reset(&p->monitor, chip, p->now);
}

/* What the chip measures at its conversion time c: the rail's current and volts, with noise. */
void plant_monitor_step(struct sim_plant *p, int64_t from, int64_t to)
{
	double w, v, amps;
	int64_t c;

	if (!ina_model_conversion(&p->monitor, from, to, &c))
		return;
	w = plant_monitored_w(p);
	v = plant_monitored_v(p, w);
	amps = (v > 0 ? w / v : 0.0) * plant_noise(p, 1, c);
	ina_model_latch(&p->monitor, amps, v * plant_noise(p, 2, c));
}
