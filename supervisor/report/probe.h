/* probe.h - `h2box probe`'s findings and its pure decisions: chip identity, PWM/tach pairs, profile. */
#ifndef H2BOX_REPORT_PROBE_H
#define H2BOX_REPORT_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hw/gpio.h"

struct json;

/* The parts a box profile can name, identified on an I2C bus. */
enum probe_chip {
	PROBE_CHIP_NONE = 0,
	PROBE_CHIP_INA219,
	PROBE_CHIP_INA226,
	PROBE_CHIP_INA260,
	PROBE_CHIP_EMC2305, /* the EMC230x family: channels says which */
	PROBE_CHIP_LM75,
	PROBE_CHIP_OTHER,   /* a kernel client of another kind: shown, never used */
	PROBE_CHIP_COUNT
};

/* "ina226", "emc2305", ... (the kernel driver's name), "none", "other". */
const char *probe_chip_name(enum probe_chip chip);
/* The kernel client name ("ina226", "lm75", "tmp75") as a chip; PROBE_CHIP_OTHER when unknown. */
enum probe_chip probe_chip_from_driver(const char *name);

/*
 * Read one register of the device under test, read-only: an SMBus read word
 * (as on the wire, low byte first) when word, else a read byte.  0 or -errno.
 */
typedef int (*probe_read_fn)(void *userdata, uint8_t reg, bool word, uint16_t *val);

struct probe_ident {
	enum probe_chip chip;
	int channels;     /* EMC230x: 1, 2, 3 or 5 PWM/tach channels */
	bool guess;       /* a heuristic, not an ID register, named the chip */
	char why[160];    /* what the registers said */
};

/* The addresses a scan visits (ascending), and whether addr is one of them. */
bool probe_addr_scanned(uint8_t addr);
/*
 * Identify what answers at addr from its registers (read-only): INA226/INA260
 * by their TI manufacturer and die IDs, EMC230x by its SMSC vendor and product
 * IDs, an INA219 (no ID registers) by its config power-on value, an LM75 by
 * sensors-detect style plausibility.  Returns 0 with out->chip NONE when
 * nothing known answers, or the first read's -errno when nothing answers at all.
 */
int probe_ident_decide(uint8_t addr, probe_read_fn read, void *userdata, struct probe_ident *out);

/*
 * Which tach follows a PWM output: rpm_low[t] and rpm_high[t] are tach t's
 * readings with the output at a low and at a high duty (NAN = unreadable).
 * The tach whose rpm rose the most, by at least min_delta_rpm and by at
 * least a quarter of its high reading, and clearly more (twice) than any
 * other tach.  The tach index, or -1 with why filled.
 */
int probe_pair_decide(const double *rpm_low, const double *rpm_high, int ntach,
		      double min_delta_rpm, char *why, size_t whylen);

struct probe_fan;
/*
 * One tach that followed several outputs of a chip (a driver that drives
 * them together, as 6.1's emc2305 does without pwm_separate): it stays
 * paired with the output of its own number (else the first), the others
 * lose the pair, with the reason in their why.
 */
void probe_pairs_resolve(struct probe_fan *fans, int nfans);

/* ---- what a probe found ---- */

#define PROBE_GPIO_CHIPS_MAX 16
#define PROBE_GPIO_LINES_MAX 256
#define PROBE_I2C_BUSES_MAX 8
#define PROBE_I2C_DEVS_MAX 32
#define PROBE_IB_MAX 4
#define PROBE_PCI_MAX 4
#define PROBE_FANS_MAX 16

/* A named line, or an unnamed one that is free (placeholders come from these). */
struct probe_gpio_line {
	char chip[32];
	unsigned offset;
	char name[64];
	char consumer[64];
	bool used;
};

struct probe_i2c_bus {
	int bus;
	int err; /* 0, or why the bus could not be scanned (-ENOENT: no /dev/i2c-N) */
};

struct probe_i2c_dev {
	int bus;
	uint8_t addr;
	bool kernel;       /* the kernel has a client there: read through sysfs, never touched */
	bool bound;        /* ... and a driver is attached to it */
	char driver[32];   /* the kernel client's name */
	struct probe_ident id;
};

struct probe_pci_card {
	char slot[16];
	uint16_t vendor, device;
};

struct probe_ib_dev {
	char name[64];
	char slot[16]; /* "" for a soft device (rxe) */
	int ports;
	int active_ports; /* bit p set: port p ACTIVE */
};

/* One PWM output of a fan chip under a kernel driver, and the tach that follows it. */
struct probe_fan {
	char chip[64]; /* libsensors name, "emc2305-i2c-1-2e" */
	int pwm;       /* pwmN */
	int tach;      /* fanM_input that follows it, 0 = none found or not tested */
	bool tested;
	double rpm_low, rpm_high; /* of the paired tach */
	char why[160];
};

struct probe_result {
	struct hw_gpio_chip_info gpio_chips[PROBE_GPIO_CHIPS_MAX];
	int ngpio_chips;
	struct probe_gpio_line gpio_lines[PROBE_GPIO_LINES_MAX];
	int ngpio_lines;
	int gpio_err;
	struct probe_i2c_bus buses[PROBE_I2C_BUSES_MAX];
	int nbuses;
	struct probe_i2c_dev devs[PROBE_I2C_DEVS_MAX];
	int ndevs;
	struct probe_pci_card pci[PROBE_PCI_MAX];
	int npci;
	struct probe_ib_dev ib[PROBE_IB_MAX];
	int nib;
	struct probe_fan fans[PROBE_FANS_MAX];
	int nfans;
	bool pwm_tested;
};

/* The libsensors name of a kernel client: "<driver>-i2c-<bus>-<addr>". */
void probe_sensors_name(const struct probe_i2c_dev *d, char *buf, size_t len);
/*
 * The box profile the findings suggest, as `h2boxd -n` accepts it: every
 * value the probe did not see for itself has a "# guess: ..." line above it.
 * 0, or -EIO when f failed.
 */
int probe_profile_write(const struct probe_result *r, FILE *f);
/* The findings as JSON members of the current object. */
void probe_json(const struct probe_result *r, struct json *j);
/* The findings for a person, one line per thing found. */
void probe_text(const struct probe_result *r, FILE *f);

#endif
