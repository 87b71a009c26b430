/* pci.c - the sim PCI backend: the ConnectX-2 at 0000:01:00.0 while the PSU powers it. */
#include "hw/sim/sim-state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int sim_pci_find(struct hw *hw, uint16_t vendor, uint16_t device, struct hw_pci_dev *out,
			int max)
{
	uint8_t cs[64];
	struct hw_pci_dev d;
	int r = sim_plant_pci_config(hw_sim_state(hw)->plant, cs, sizeof(cs));

	if (r == -ENODEV)
		return 0; /* unpowered card: not on the bus */
	if (r < 0)
		return r;
	memset(&d, 0, sizeof(d));
	snprintf(d.slot, sizeof(d.slot), "%s", SIM_PLANT_NIC_SLOT);
	d.vendor = (uint16_t)(cs[0x00] | cs[0x01] << 8);
	d.device = (uint16_t)(cs[0x02] | cs[0x03] << 8);
	d.subsys_vendor = (uint16_t)(cs[0x2c] | cs[0x2d] << 8);
	d.subsys_device = (uint16_t)(cs[0x2e] | cs[0x2f] << 8);
	d.class_code = (uint32_t)cs[0x0b] << 16 | (uint32_t)cs[0x0a] << 8 | cs[0x09];
	if ((vendor != 0xffff && vendor != d.vendor) || (device != 0xffff && device != d.device))
		return 0;
	if (max > 0)
		out[0] = d;
	return 1;
}

static int sim_pci_config_read(struct hw *hw, const char *slot, uint8_t *buf, size_t len)
{
	if (!slot || strcmp(slot, SIM_PLANT_NIC_SLOT) != 0)
		return -ENODEV;
	return sim_plant_pci_config(hw_sim_state(hw)->plant, buf, len);
}

static int sim_pci_rescan(struct hw *hw)
{
	(void)hw;
	return 0; /* the sim bus always shows what is powered */
}

/* The sim answers its whole config space to anyone: the link is read from there. */
static int sim_pci_link_read(struct hw *hw, const char *slot, struct hw_pci_link *link)
{
	(void)hw;
	(void)slot;
	(void)link;
	return -EOPNOTSUPP;
}

const struct hw_pci_ops hw_pci_sim_ops = {
	.link_read = sim_pci_link_read,
	.find = sim_pci_find,
	.config_read = sim_pci_config_read,
	.rescan = sim_pci_rescan,
};
