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

/*
 * The sysfs `rate` file as Linux writes it (rate_show() in drivers/infiniband/core/sysfs.c):
 * the per-lane signalling rate times the width, "10 Gb/sec (4X SDR)", "2.5 Gb/sec (1X SDR)",
 * "40 Gb/sec (4X QDR)", "56 Gb/sec (4X FDR)"; an unknown speed code counts as SDR.
 */
static int sim_ib_rate(int width, int speed, char *buf, size_t len)
{
	static const struct {
		int code, deci_gbps;
		const char *name;
	} speeds[] = {
		{ 2, 50, "DDR" },    { 4, 100, "QDR" },  { 8, 100, "FDR10" }, { 16, 140, "FDR" },
		{ 32, 250, "EDR" },  { 64, 500, "HDR" }, { 128, 1000, "NDR" },
	};
	int lanes = width == 1 ? 1 : width == 16 ? 2 : width == 2 ? 4 : width == 4 ? 8 :
		    width == 8 ? 12 : 0;
	int rate = 25;
	const char *name = "SDR";

	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (speeds[i].code == speed) {
			rate = speeds[i].deci_gbps;
			name = speeds[i].name;
		}
	if (!lanes) {
		/* the kernel fails the read: an empty string, as the linux backend leaves it */
		if (len)
			buf[0] = '\0';
		return 0;
	}
	rate *= lanes;
	return snprintf(buf, len, "%d%s Gb/sec (%dX %s)", rate / 10, rate % 10 ? ".5" : "", lanes,
			name);
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
	attr->active_mtu = attr->state == HW_IB_PORT_STATE_ACTIVE ? 4 : 1; /* opensm's default 2048 partition */
	attr->lid = attr->state == HW_IB_PORT_STATE_ACTIVE ? (uint16_t)port : 0;
	/* opensm runs on the fabric's other end (LID 3): only a configured port knows it */
	attr->sm_lid = attr->state == HW_IB_PORT_STATE_ACTIVE ? 3 : 0;
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

/* The ConnectX-2 MHQH29B of the article, with the last firmware Mellanox released for it. */
static int sim_ib_device_info(struct hw *hw, const char *dev, struct hw_ib_device_info *info)
{
	int r = sim_ib_check(hw, dev);

	if (r < 0)
		return r;
	snprintf(info->fw_ver, sizeof(info->fw_ver), "2.9.1000");
	snprintf(info->hca_type, sizeof(info->hca_type), "MT26428");
	snprintf(info->board_id, sizeof(info->board_id), "MT_0D90110009");
	return 0;
}

/* The simulated box runs no opensm itself: the fabric's subnet manager is elsewhere. */
static int sim_ib_sm_process(struct hw *hw)
{
	(void)hw;
	return 0;
}

const struct hw_ib_ops hw_ib_sim_ops = {
	.device_info = sim_ib_device_info,
	.sm_process = sim_ib_sm_process,
	.devices = sim_ib_devices,
	.port_count = sim_ib_port_count,
	.port_query = sim_ib_port_query,
	.pci_slot = sim_ib_pci_slot,
	.counter_read = sim_ib_counter_read,
};
