/* ib.c - the sim IB backend: mlx4_0 with two ports, its counters and PCI slot, from the plant. */
#include "hw/sim/sim-state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int sim_ib_check(struct hw *hw, const char *dev)
{
	int st, ph, w, sp;

	if (!dev || strcmp(dev, SIM_PLANT_IB_DEV) != 0)
		return -ENODEV;
	return sim_plant_ib_port(hw_sim_state(hw)->plant, 1, &st, &ph, &w, &sp);
}

static int sim_ib_devices(struct hw *hw, char names[][HW_IB_NAME_MAX], int max)
{
	if (sim_ib_check(hw, SIM_PLANT_IB_DEV) < 0)
		return 0; /* unpowered card: no device */
	if (max > 0)
		snprintf(names[0], HW_IB_NAME_MAX, "%s", SIM_PLANT_IB_DEV);
	return 1;
}

static int sim_ib_port_count(struct hw *hw, const char *dev)
{
	int r = sim_ib_check(hw, dev);

	return r < 0 ? r : 2;
}

static int sim_ib_rate(int width, int speed, char *buf, size_t len)
{
	int lanes = width == 1 ? 1 : width == 2 ? 4 : width == 4 ? 8 : width == 8 ? 12 : 2;
	const char *name = speed == 1 ? "SDR" : speed == 2 ? "DDR" : speed == 4 ? "QDR" : "FDR";
	int gbps_lane = speed == 1 ? 2 : speed == 2 ? 5 : speed == 4 ? 10 : 14;

	/* sysfs style: "40 Gb/sec (4X QDR)" */
	return snprintf(buf, len, "%d Gb/sec (%dX %s)", lanes * gbps_lane, lanes, name);
}

static int sim_ib_port_query(struct hw *hw, const char *dev, int port,
			     struct hw_ib_port_attr *attr)
{
	int r;

	if (!dev || strcmp(dev, SIM_PLANT_IB_DEV) != 0)
		return -ENODEV;
	r = sim_plant_ib_port(hw_sim_state(hw)->plant, port, &attr->state, &attr->phys_state,
			      &attr->active_width, &attr->active_speed);
	if (r < 0)
		return r;
	attr->link_layer = 1;
	attr->max_mtu = 5;                           /* 4096 */
	attr->active_mtu = attr->state == 4 ? 4 : 1; /* opensm's default 2048 partition */
	attr->lid = attr->state == 4 ? (uint16_t)port : 0;
	sim_ib_rate(attr->active_width, attr->active_speed, attr->rate, sizeof(attr->rate));
	return 0;
}

static int sim_ib_pci_slot(struct hw *hw, const char *dev, char *slot, int len)
{
	int r = sim_ib_check(hw, dev);

	if (r < 0)
		return r;
	if (len <= 0 || snprintf(slot, (size_t)len, "%s", SIM_PLANT_NIC_SLOT) >= len)
		return -ERANGE;
	return 0;
}

static int sim_ib_counter_read(struct hw *hw, const char *dev, int port, const char *name,
			       uint64_t *value, int *bits)
{
	if (!dev || strcmp(dev, SIM_PLANT_IB_DEV) != 0)
		return -ENODEV;
	return sim_plant_ib_counter(hw_sim_state(hw)->plant, port, name, value, bits);
}

const struct hw_ib_ops hw_ib_sim_ops = {
	.devices = sim_ib_devices,
	.port_count = sim_ib_port_count,
	.port_query = sim_ib_port_query,
	.pci_slot = sim_ib_pci_slot,
	.counter_read = sim_ib_counter_read,
};
