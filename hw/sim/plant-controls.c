/* plant-controls.c - the operator's handles on the simulated box: workloads, faults, truth. */
#include "hw/sim/plant-private.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	const char *desc;
} fault_defs[] = {
	[SIM_FAULT_PSU_OK_TIMEOUT] = { "psu-ok-timeout", "PWR_OK never rises after PS_ON" },
	[SIM_FAULT_PSU_OK_DROP] = { "psu-ok-drop",
		"the PSU trips: PWR_OK and the rails drop now if up, else 2 s after they rise; "
		"latched until PS_ON is released" },
	[SIM_FAULT_HOST_NO_BOOT] = { "host-no-boot",
		"the H2 ignores power-button pulses; its LED never lights" },
	[SIM_FAULT_HOST_HANG_SHUTDOWN] = { "host-hang-shutdown",
		"ACPI shutdown never completes; only a 4 s button hold turns the H2 off" },
	[SIM_FAULT_FAN_STALL] = { "fan-stall", "the NIC fan is stuck: 0 RPM whatever the duty" },
	[SIM_FAULT_SENSOR_NIC] = { "sensor-nic",
		"the lm75 on the NIC heatsink fails: temp1_input reads -EIO" },
	[SIM_FAULT_I2C_ERROR] = { "i2c-error",
		"every transfer on I2C bus 1 fails with -EIO (INA226, lm75, emc2305)" },
	[SIM_FAULT_INA_GARBAGE] = { "ina-garbage",
		"the INA226 returns 0xFFFF from every register" },
	[SIM_FAULT_IB_NO_SM] = { "ib-no-sm",
		"no subnet manager on the fabric: the ports train (LinkUp) but stay INIT, no traffic" },
	[SIM_FAULT_SENSOR_HANG] = { "sensor-hang",
		"the next hwmon read hangs, and the daemon with it, until released through "
		"STATE_DIR/sim-sensor-hang.in; once" },
	[SIM_FAULT_I2C_INA_BUS] = { "i2c-ina-bus",
		"reads of the INA2xx bus-voltage register fail with -EIO; the others answer" },
	[SIM_FAULT_I2C_INA_CURRENT] = { "i2c-ina-current",
		"reads of the INA2xx current register (INA260: 0x01) fail with -EIO, part way "
		"through a sample" },
	[SIM_FAULT_I2C_INA_POWER] = { "i2c-ina-power",
		"reads of the INA2xx power register, the last of a sample, fail with -EIO" },
};
_Static_assert(sizeof(fault_defs) / sizeof(fault_defs[0]) == SIM_FAULT_COUNT,
	       "one row per enum sim_fault");

/* ---- operator controls ---- */

int sim_plant_button_press(struct sim_plant *p, int64_t hold_ns)
{
	if (hold_ns <= 0)
		return -EINVAL;
	plant_sync(p);
	if (p->front_pressed)
		return -EBUSY;
	p->front_pressed = true;
	p->front_release_at = p->now + hold_ns;
	plant_host_header_sync(p);
	plant_settle(p);
	return 0;
}

int sim_plant_workload_set(struct sim_plant *p, const char *name)
{
	for (int i = 0; name && i < SIM_WL_COUNT; i++) {
		if (strcmp(name, sim_workloads[i].name) != 0)
			continue;
		plant_sync(p);
		p->workload = (enum sim_workload)i;
		plant_settle(p);
		return 0;
	}
	return -EINVAL;
}

const char *sim_plant_workload_get(const struct sim_plant *p)
{
	return sim_workloads[p->workload].name;
}

int sim_plant_ambient_set(struct sim_plant *p, double celsius)
{
	if (!(celsius >= -40 && celsius <= 80))
		return -EINVAL;
	plant_sync(p);
	p->ambient_c = celsius;
	return 0;
}

int sim_plant_load_set(struct sim_plant *p, double watts)
{
	if (!(watts >= 0 && watts <= 1000))
		return -EINVAL;
	plant_sync(p);
	p->extra_load_w = watts;
	return 0;
}

static int fault_index(const char *name)
{
	for (int i = 0; name && i < SIM_FAULT_COUNT; i++)
		if (strcmp(name, fault_defs[i].name) == 0)
			return i;
	return -EINVAL;
}

static void plant_fault_apply(struct sim_plant *p, enum sim_fault f, bool on)
{
	switch (f) {
	case SIM_FAULT_PSU_OK_TIMEOUT:
		if (on)
			p->psu_ok_at = SIM_NEVER;
		else if (p->psu_on && !p->psu_ok && !p->psu_latched && p->psu_ok_at == SIM_NEVER)
			p->psu_ok_at = p->now + p->cfg.psu_ok_delay_ns; /* the PSU recovers */
		break;
	case SIM_FAULT_PSU_OK_DROP:
		if (on && p->psu_ok)
			p->psu_drop_at = p->now;
		else if (!on)
			p->psu_drop_at = SIM_NEVER;
		break;
	case SIM_FAULT_HOST_HANG_SHUTDOWN:
		if (p->host == SIM_HOST_STOPPING)
			p->stop_done_at = on ? SIM_NEVER : p->now + p->cfg.host_shutdown_ns;
		break;
	case SIM_FAULT_FAN_STALL:
		if (on) {
			p->rpm = 0;
			p->fan_spinning = false;
		}
		break;
	default:
		break; /* the rest act when a device is read */
	}
}

int sim_plant_fault_set(struct sim_plant *p, const char *name, bool on)
{
	int i = fault_index(name);

	if (i < 0)
		return i;
	plant_sync(p);
	if (p->fault[i] == on)
		return 0;
	p->fault[i] = on;
	plant_fault_apply(p, (enum sim_fault)i, on);
	plant_fire_due(p);
	plant_settle(p);
	return 0;
}

bool sim_plant_fault_get(const struct sim_plant *p, const char *name)
{
	int i = fault_index(name);

	return i >= 0 && p->fault[i];
}

const char *const *sim_plant_fault_names(void)
{
	static const char *const names[] = {
		"psu-ok-timeout", "psu-ok-drop", "host-no-boot", "host-hang-shutdown",
		"fan-stall", "sensor-nic", "i2c-error", "ina-garbage", "ib-no-sm", "sensor-hang",
		"i2c-ina-bus", "i2c-ina-current", "i2c-ina-power", NULL,
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == SIM_FAULT_COUNT + 1,
		       "one name per enum sim_fault, and the NULL");

	return names;
}

int sim_plant_hang_fifo_set(struct sim_plant *p, const char *path)
{
	if (strlen(path) >= sizeof(p->hang_fifo))
		return -ENAMETOOLONG;
	snprintf(p->hang_fifo, sizeof(p->hang_fifo), "%s", path);
	return 0;
}

const char *sim_plant_hang_fifo(const struct sim_plant *p)
{
	return p->hang_fifo;
}

const char *sim_plant_fault_describe(const char *name)
{
	int i = fault_index(name);

	return i >= 0 ? fault_defs[i].desc : NULL;
}

/* ---- single-transfer I2C faults (an error part way through a multi-register sample) ---- */

void sim_plant_i2c_fail_nth(struct sim_plant *p, int n)
{
	p->i2c_fail_in = n > 0 ? n : 0;
}

int sim_plant_i2c_transfer_fault(struct sim_plant *p, int bus, uint8_t reg, bool read)
{
	if (bus != 1)
		return 0;
	if (p->i2c_fail_in > 0 && --p->i2c_fail_in == 0)
		return -EIO;
	if (!read)
		return 0;
	if ((reg == 0x02 && p->fault[SIM_FAULT_I2C_INA_BUS]) ||
	    ((reg == 0x04 || reg == 0x01) && p->fault[SIM_FAULT_I2C_INA_CURRENT]) ||
	    (reg == 0x03 && p->fault[SIM_FAULT_I2C_INA_POWER]))
		return -EIO;
	return 0;
}

int sim_plant_host_poweroff(struct sim_plant *p)
{
	plant_sync(p);
	switch (p->host) {
	case SIM_HOST_OFF:
		return -EALREADY;
	case SIM_HOST_BOOTING:
		return -EBUSY;
	case SIM_HOST_STOPPING:
		return 0;
	case SIM_HOST_ON:
		break;
	}
	plant_host_shutdown(p);
	plant_settle(p);
	return 0;
}

int sim_plant_ipoib_rate_limit(struct sim_plant *p, double gbps)
{
	if (isnan(gbps))
		return -EINVAL;
	plant_sync(p);
	p->rate_limit_gbps = gbps > 0 ? gbps : 0;
	plant_settle(p);
	return 0;
}

int sim_plant_cpu_cap_pct(struct sim_plant *p, double pct)
{
	if (isnan(pct))
		return -EINVAL;
	plant_sync(p);
	p->cpu_cap_pct = pct > 0 && pct < 100 ? pct : 0;
	plant_settle(p);
	return 0;
}

int sim_plant_rdma_set(struct sim_plant *p, const double gbps[2][2], int pollers)
{
	if (pollers < 0 || pollers > 64)
		return -EINVAL;
	for (int port = 0; gbps && port < 2; port++)
		for (int d = 0; d < 2; d++)
			if (!(gbps[port][d] >= 0.0) || gbps[port][d] > 1e4)
				return -EINVAL;
	plant_sync(p);
	for (int port = 0; port < 2; port++)
		for (int d = 0; d < 2; d++)
			p->rdma_gbps[port][d] = gbps ? gbps[port][d] : 0.0;
	p->rdma_pollers = pollers;
	plant_settle(p);
	return 0;
}

/* ---- truth ---- */

void sim_plant_truth_get(struct sim_plant *p, struct sim_plant_truth *t)
{
	plant_sync(p);
	memset(t, 0, sizeof(*t));
	t->now_ns = p->now;
	t->psu_on = p->psu_on;
	t->psu_ok = p->psu_ok;
	t->host_on = p->host != SIM_HOST_OFF;
	t->host_booting = p->host == SIM_HOST_BOOTING;
	t->host_stopping = p->host == SIM_HOST_STOPPING;
	t->link_up = p->link_up;
	t->button_led = p->out_level[SIM_LINE_PWR_LED] != 0;
	t->monitored_w = plant_monitored_w(p);
	t->monitored_v = plant_monitored_v(p, t->monitored_w);
	t->energy_j = p->energy_j;
	t->nic_w = plant_nic_w(p);
	t->nic_temp_c = p->nic_c;
	t->cpu_temp_c = p->cpu_c;
	t->disk_temp_c = p->disk_c;
	t->ambient_c = p->ambient_c;
	t->fan_duty_pct = plant_fan_duty_pct(p);
	t->fan_rpm = p->rpm;
	t->ib_tx_gbps = (double)p->ctr[0][0].rate_bps / 1e9;
	t->ib_rx_gbps = (double)p->ctr[0][1].rate_bps / 1e9;
	for (int port = 0; port < 2 && plant_traffic_flows(p); port++)
		for (int d = 0; d < 2; d++)
			t->rdma_gbps += p->rdma_gbps[port][d];
	t->workload = sim_workloads[p->workload].name;
}
