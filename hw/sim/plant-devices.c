/* plant-devices.c - what the plant shows on the I2C, hwmon, IB and PCI buses (sysfs units). */
#include "hw/pci.h"
#include "hw/sim/plant-private.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* ---- I2C: the power monitor chip at bus 1, 0x40 ---- */

int sim_plant_i2c_probe(struct sim_plant *p, int bus, uint8_t addr)
{
	(void)p;
	if (bus != SIM_PLANT_INA_BUS)
		return -ENOENT;
	return addr == SIM_PLANT_INA_ADDR ? 0 : -ENXIO;
}

static int plant_i2c_check(struct sim_plant *p, int bus, uint8_t addr)
{
	int r = sim_plant_i2c_probe(p, bus, addr);

	if (r < 0)
		return -ENXIO; /* nobody acknowledges the address */
	if (p->fault[SIM_FAULT_I2C_ERROR])
		return -EIO;
	return 0;
}

static uint16_t plant_swab16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

int sim_plant_i2c_read_word(struct sim_plant *p, int bus, uint8_t addr, uint8_t reg, uint16_t *v)
{
	uint16_t val;
	int r;

	plant_sync(p);
	r = plant_i2c_check(p, bus, addr);
	if (r < 0)
		return r;
	r = ina_model_reg_read(&p->monitor, p->now, reg, &val);
	if (r < 0)
		return r;
	if (p->fault[SIM_FAULT_INA_GARBAGE])
		val = 0xffff;
	/* big-endian chip: the MSB comes first on the wire and lands in the low byte */
	*v = plant_swab16(val);
	return 0;
}

int sim_plant_i2c_write_word(struct sim_plant *p, int bus, uint8_t addr, uint8_t reg, uint16_t v)
{
	int r;

	plant_sync(p);
	r = plant_i2c_check(p, bus, addr);
	if (r < 0)
		return r;
	return ina_model_reg_write(&p->monitor, p->now, reg, plant_swab16(v));
}

/* ---- hwmon ---- */

enum sim_chip {
	CHIP_LM75,
	CHIP_CORETEMP,
	CHIP_DRIVETEMP,
	CHIP_EMC2305,
	CHIP_INA226, /* the power monitor as the kernel's ina2xx driver shows it ([monitor] type = hwmon) */
	CHIP_COUNT,
};

static const char *const chip_names[] = {
	[CHIP_LM75] = "lm75-i2c-1-48",
	[CHIP_CORETEMP] = "coretemp-isa-0000",
	[CHIP_DRIVETEMP] = "drivetemp-scsi-0-0",
	[CHIP_EMC2305] = "emc2305-i2c-1-2e",
	[CHIP_INA226] = "ina226-i2c-1-40",
};
_Static_assert(sizeof(chip_names) / sizeof(chip_names[0]) == CHIP_COUNT,
	       "one name per enum sim_chip");

static const struct {
	enum sim_chip chip;
	const char *feature;
	const char *label;
} chip_labels[] = {
	{ CHIP_LM75, "temp1", "temp1" },
	{ CHIP_CORETEMP, "temp1", "Package id 0" },
	{ CHIP_DRIVETEMP, "temp1", "temp1" },
	{ CHIP_EMC2305, "fan1", "fan1" },
	{ CHIP_EMC2305, "pwm1", "pwm1" },
	{ CHIP_INA226, "in1", "in1" },
	{ CHIP_INA226, "curr1", "curr1" },
	{ CHIP_INA226, "power1", "power1" },
};

static int chip_index(const char *chip)
{
	for (int i = 0; chip && i < CHIP_COUNT; i++)
		if (strcmp(chip, chip_names[i]) == 0)
			return i;
	return -ENODEV;
}

int sim_plant_hwmon_chip_count(void)
{
	return CHIP_COUNT;
}

const char *sim_plant_hwmon_chip_name(int index)
{
	return index >= 0 && index < CHIP_COUNT ? chip_names[index] : NULL;
}

const char *sim_plant_hwmon_label(const char *chip, const char *attr_prefix)
{
	int c = chip_index(chip);
	size_t n = sizeof(chip_labels) / sizeof(chip_labels[0]);

	for (size_t i = 0; c >= 0 && attr_prefix && i < n; i++)
		if ((int)chip_labels[i].chip == c &&
		    strcmp(chip_labels[i].feature, attr_prefix) == 0)
			return chip_labels[i].label;
	return NULL;
}

static bool chip_on_i2c(int c)
{
	return c == CHIP_LM75 || c == CHIP_EMC2305 || c == CHIP_INA226;
}

static long milli_c(double c, double step)
{
	/* sensors report in steps: lm75 0.5 C (9 bit), coretemp and drivetemp 1 C */
	return (long)(floor(c / step) * step * 1000.0);
}

int sim_plant_hwmon_attr_read(struct sim_plant *p, const char *chip, const char *attr, long *v)
{
	int c = chip_index(chip);

	if (c < 0)
		return c;
	if (!attr)
		return -EINVAL;
	plant_sync(p);
	if (chip_on_i2c(c) && p->fault[SIM_FAULT_I2C_ERROR])
		return -EIO;
	switch (c) {
	case CHIP_LM75:
		if (strcmp(attr, "temp1_input") == 0) {
			if (p->fault[SIM_FAULT_SENSOR_NIC])
				return -EIO;
			*v = milli_c(p->nic_c * plant_noise(p, 10, p->now), 0.5);
		} else if (strcmp(attr, "temp1_max") == 0) {
			*v = 80000;
		} else if (strcmp(attr, "temp1_max_hyst") == 0) {
			*v = 75000;
		} else {
			return -ENOENT;
		}
		return 0;
	case CHIP_CORETEMP:
		if (strcmp(attr, "temp1_input") == 0)
			*v = milli_c(p->cpu_c * plant_noise(p, 11, p->now), 1.0);
		else if (strcmp(attr, "temp1_max") == 0 || strcmp(attr, "temp1_crit") == 0)
			*v = 105000;
		else if (strcmp(attr, "temp1_crit_alarm") == 0)
			*v = p->cpu_c >= 105.0;
		else
			return -ENOENT;
		return 0;
	case CHIP_DRIVETEMP:
		if (strcmp(attr, "temp1_input") != 0)
			return -ENOENT;
		*v = milli_c(p->disk_c * plant_noise(p, 12, p->now), 1.0);
		return 0;
	case CHIP_INA226: {
		/* the rail now, in the driver's units (mV, mA, uW); garbage from the chip: no value */
		double w = plant_monitored_w(p), volts = plant_monitored_v(p, w);

		if (p->fault[SIM_FAULT_INA_GARBAGE])
			return -EIO;
		if (strcmp(attr, "in1_input") == 0)
			*v = lround(volts * 1000.0);
		else if (strcmp(attr, "curr1_input") == 0)
			*v = volts > 0 ? lround(w / volts * 1000.0) : 0;
		else if (strcmp(attr, "power1_input") == 0)
			*v = lround(w * 1e6);
		else
			return -ENOENT;
		return 0;
	}
	case CHIP_EMC2305:
	default:
		if (strcmp(attr, "pwm1") == 0)
			*v = p->pwm;
		else if (strcmp(attr, "pwm1_enable") == 0)
			*v = p->pwm_enable;
		else if (strcmp(attr, "fan1_input") == 0)
			*v = lround(p->rpm * plant_noise(p, 13, p->now));
		else
			return -ENOENT;
		return 0;
	}
}

int sim_plant_hwmon_attr_write(struct sim_plant *p, const char *chip, const char *attr, long v)
{
	int c = chip_index(chip);
	long probe;
	int r;

	if (c < 0)
		return c;
	if (!attr)
		return -EINVAL;
	plant_sync(p);
	if (chip_on_i2c(c) && p->fault[SIM_FAULT_I2C_ERROR])
		return -EIO;
	if (c == CHIP_EMC2305 && strcmp(attr, "pwm1") == 0) {
		if (v < 0 || v > 255)
			return -EINVAL;
		p->pwm = v;
		return 0;
	}
	if (c == CHIP_EMC2305 && strcmp(attr, "pwm1_enable") == 0) {
		if (v < 0 || v > 2)
			return -EINVAL;
		p->pwm_enable = v;
		return 0;
	}
	/* sysfs: existing read-only files refuse writes, missing ones do not exist */
	r = sim_plant_hwmon_attr_read(p, chip, attr, &probe);
	return r == -ENOENT ? -ENOENT : -EACCES;
}

/* ---- InfiniBand ---- */

int sim_plant_ib_port(struct sim_plant *p, int port, int *state, int *phys_state,
		      int *width_code, int *speed_code)
{
	plant_sync(p);
	if (!p->nic_powered)
		return -ENODEV;
	if (port < 1 || port > 2)
		return -EINVAL;
	/* both ports are cabled: to the switch, or to each other for iperf3-both */
	if (p->link_up && p->fault[SIM_FAULT_IB_NO_SM]) {
		*state = 2;      /* INIT: trained, never configured by a subnet manager */
		*phys_state = 5; /* LinkUp */
		*width_code = 2;
		*speed_code = 4;
	} else if (p->link_up) {
		*state = 4;      /* ACTIVE */
		*phys_state = 5; /* LinkUp */
		*width_code = 2; /* 4X */
		*speed_code = 4; /* QDR */
	} else {
		*state = 1;      /* DOWN */
		*phys_state = 2; /* Polling */
		*width_code = 2;
		*speed_code = 1;
	}
	return 0;
}

int sim_plant_ib_counter(struct sim_plant *p, int port, const char *name, uint64_t *v, int *bits)
{
	static const struct {
		const char *name;
		int dir;      /* 0 xmit, 1 rcv */
		bool packets; /* else data in 4-octet words */
		int bits;
	} ctrs[] = {
		{ "port_xmit_data", 0, false, 32 },
		{ "port_rcv_data", 1, false, 32 },
		{ "port_xmit_packets", 0, true, 32 },
		{ "port_rcv_packets", 1, true, 32 },
		{ "port_xmit_data_64", 0, false, 64 },
		{ "port_rcv_data_64", 1, false, 64 },
		{ "port_xmit_packets_64", 0, true, 64 },
		{ "port_rcv_packets_64", 1, true, 64 },
	};

	plant_sync(p);
	if (!p->nic_powered)
		return -ENODEV;
	if (port < 1 || port > 2 || !name)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(ctrs) / sizeof(ctrs[0]); i++) {
		uint64_t bytes, val;

		if (strcmp(name, ctrs[i].name) != 0)
			continue;
		bytes = p->ctr[port - 1][ctrs[i].dir].bytes;
		val = ctrs[i].packets ? bytes / 2048 : bytes / 4; /* 2048-byte IB MTU */
		if (ctrs[i].bits == 32 && val > UINT32_MAX)
			val = UINT32_MAX; /* mlx4's 32-bit counters stick at the top */
		*v = val;
		*bits = ctrs[i].bits;
		return 0;
	}
	return -ENOENT;
}

/* ---- PCI ---- */

static void put16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	put16(b, off, (uint16_t)v);
	put16(b, off + 2, (uint16_t)(v >> 16));
}

/* ConnectX-2 MT25408A0-FCC-QI (15b3:673c) behind the M.2 adapter: x8 card in an x4 link. */
static void pci_config_build(uint8_t cs[256])
{
	memset(cs, 0, 256);
	put16(cs, 0x00, HW_PCI_VENDOR_MELLANOX);
	put16(cs, 0x02, 0x673c);       /* MT26428 ConnectX-2 */
	put16(cs, 0x04, 0x0006);       /* memory space, bus master */
	put16(cs, 0x06, 0x0010);       /* capabilities list */
	cs[0x08] = 0xb0;               /* revision */
	cs[0x09] = 0x00;               /* prog-if */
	cs[0x0a] = 0x06;               /* InfiniBand */
	cs[0x0b] = 0x0c;               /* serial bus controller */
	cs[0x0c] = 0x10;               /* cache line, 64 bytes */
	put32(cs, 0x10, 0xdfa00004);   /* BAR0: 64-bit memory, 1 MiB */
	put32(cs, 0x18, 0xde80000c);   /* BAR2: 64-bit prefetchable, 8 MiB (UAR) */
	put16(cs, 0x2c, HW_PCI_VENDOR_MELLANOX);
	put16(cs, 0x2e, 0x0022);
	cs[0x34] = 0x40;               /* first capability */
	cs[0x3c] = 0x0b;
	cs[0x3d] = 0x01;               /* INTA */

	/* 0x40 power management v3, D0 */
	cs[0x40] = 0x01;
	cs[0x41] = 0x60;
	put16(cs, 0x42, 0x0003);
	put16(cs, 0x44, 0x0008);       /* PMCSR: No_Soft_Reset, D0 */

	/* 0x60 PCI Express v2 endpoint */
	cs[0x60] = 0x10;
	cs[0x61] = 0x9c;
	put16(cs, 0x62, 0x0002);       /* version 2, endpoint */
	put32(cs, 0x64, 0x00008021);   /* DevCap: MPS 256 B, ext tags, RBER */
	/* DevCtl: MPS 256 B, MRRS 512 B, RO, no-snoop.  256 B because the article measured
	 * 14.4 Gb/s, more than the 13.5 Gb/s a 128 B payload would leave of the x4 link */
	put16(cs, 0x68, 0x2830);
	put16(cs, 0x6a, 0x0000);
	put32(cs, 0x6c, 0x08000482);   /* LnkCap: port 8, L0s, x8, 5 GT/s */
	put16(cs, 0x70, 0x0000);
	put16(cs, 0x72, 0x1042);       /* LnkSta: slot clock, x4, 5 GT/s */
	put32(cs, 0x84, 0x0000001f);   /* DevCap2: completion timeout ranges */
	put16(cs, 0x90, 0x0002);       /* LnkCtl2: target 5 GT/s */

	/* 0x9c MSI-X, 128 vectors, table and PBA in BAR0; end of the list */
	cs[0x9c] = 0x11;
	cs[0x9d] = 0x00;
	put16(cs, 0x9e, 0x007f);
	put32(cs, 0xa0, 0x0007c000);
	put32(cs, 0xa4, 0x0007d000);
}

int sim_plant_pci_config(struct sim_plant *p, uint8_t *buf, size_t len)
{
	uint8_t cs[256];
	size_t n = len < sizeof(cs) ? len : sizeof(cs);

	plant_sync(p);
	if (!p->nic_powered)
		return -ENODEV;
	pci_config_build(cs);
	memcpy(buf, cs, n);
	return (int)n;
}
