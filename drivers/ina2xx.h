/* ina2xx.h - INA219/INA226/INA260 power monitors over I2C, or bound to the kernel ina2xx driver. */
#ifndef H2BOX_DRIVERS_INA2XX_H
#define H2BOX_DRIVERS_INA2XX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hw;
struct hw_hwmon_sample;
struct ina2xx;

enum ina2xx_chip {
	INA2XX_AUTO = 0, /* identify on open */
	INA2XX_INA219,
	INA2XX_INA226,
	INA2XX_INA260,
};

enum ina2xx_mode {
	INA2XX_MODE_I2C,   /* registers through hw/i2c.h (i2c-dev, or the sim bus) */
	INA2XX_MODE_HWMON, /* a chip the kernel ina2xx hwmon driver owns, through hw/hwmon.h */
};

/* Register map shared by the family (INA260 has no shunt/calibration registers). */
#define INA2XX_REG_CONFIG 0x00
#define INA2XX_REG_SHUNT 0x01 /* INA260: current */
#define INA2XX_REG_BUS 0x02
#define INA2XX_REG_POWER 0x03
#define INA2XX_REG_CURRENT 0x04
#define INA2XX_REG_CALIB 0x05
#define INA2XX_REG_MASK 0x06 /* INA226/INA260 mask/enable; CVRF is bit 3 */
#define INA2XX_REG_MFG_ID 0xFE
#define INA2XX_REG_DIE_ID 0xFF

#define INA2XX_TI_ID 0x5449
#define INA226_DIE_ID 0x2260
#define INA260_DIE_ID 0x2270
#define INA219_CONFIG_RESET 0x399F
#define INA226_CONFIG_RESET 0x4127
#define INA260_CONFIG_RESET 0x6127
#define INA2XX_MASK_CVRF 0x0008
#define INA219_BUS_CNVR 0x0002
#define INA219_BUS_OVF 0x0001

struct ina2xx_config {
	enum ina2xx_mode mode;
	enum ina2xx_chip chip; /* expected chip; AUTO identifies it */
	int bus;               /* /dev/i2c-<bus> */
	uint8_t addr;          /* 7-bit address */
	double shunt_ohm;      /* INA219/INA226 external shunt; ignored for INA260 */
	double max_current_a;  /* sets the current LSB */
	int averages;          /* INA226/260: 1,4,16,64,128,256,512,1024; INA219: 1..128 */
	int conv_us;           /* INA226/260: 140..8244 (rounded up); INA219 ignores (averages) */
	char hwmon_chip[64];   /* hwmon mode: libsensors pattern, e.g. "ina226-*" */
	char label_in[32];     /* hwmon labels: "in1", "curr1", "power1" */
	char label_curr[32];
	char label_power[32];
};

struct ina2xx_reading {
	double volts; /* bus voltage */
	double amps;  /* signed: negative when current flows backwards through the shunt */
	double watts;
	bool fresh; /* a conversion finished since the previous read */
};

void ina2xx_config_defaults(struct ina2xx_config *c);

/*
 * Open and identify the chip, then program configuration and calibration.
 * 0, -ENODEV when the device is not the expected chip (with the reason in
 * err: bad manufacturer/die ID, unknown config reset value), -EINVAL for a
 * calibration that does not fit, or the bus' -errno.
 */
int ina2xx_open(struct hw *hw, const struct ina2xx_config *cfg, struct ina2xx **out, char *err,
		size_t errlen);
void ina2xx_close(struct ina2xx *d);
enum ina2xx_chip ina2xx_chip_get(const struct ina2xx *d);
const char *ina2xx_chip_name(enum ina2xx_chip chip);
/* "INA226 at 1/0x40 (ID registers TI 0x2260)", for logs and status. */
const char *ina2xx_describe(const struct ina2xx *d);
double ina2xx_current_lsb(const struct ina2xx *d);
uint16_t ina2xx_calibration(const struct ina2xx *d);

/*
 * One sample.  0 and a plausible reading; -EAGAIN before the first
 * conversion has finished; -EIO for an implausible reading (all ones,
 * negative or out-of-range bus voltage, math overflow, power that disagrees
 * with V x I) -- never a number; or the bus' -errno.  On error *r is all NAN.
 */
int ina2xx_read(struct ina2xx *d, struct ina2xx_reading *r);
/* Why the last read was rejected, "" after a good one. */
const char *ina2xx_last_error(const struct ina2xx *d);

/*
 * Periodic sampling of a hwmon-mode chip (hw/hwmon.h hw_hwmon_sampler_*): its bus, current and
 * power read every period_ns on the grid from first_ns, drained in batches; -EOPNOTSUPP for a
 * chip h2boxd reads over I2C itself.  ina2xx_sample_reading() turns one drained sample into a
 * reading exactly as ina2xx_read() does (same checks, same errors, ina2xx_last_error()).
 */
int ina2xx_sampler_start(struct ina2xx *d, int64_t period_ns, int64_t first_ns,
			 unsigned capacity);
int ina2xx_sampler_drain(struct ina2xx *d, int64_t now_ns, struct hw_hwmon_sample *out,
			 unsigned max, uint64_t *missed);
int ina2xx_sample_reading(struct ina2xx *d, const struct hw_hwmon_sample *smp,
			  struct ina2xx_reading *r);

/* ---- pure register math (exposed for tests) ---- */
/* INA226/INA260 from their manufacturer and die ID registers (host order); AUTO when neither. */
enum ina2xx_chip ina2xx_chip_from_ids(uint16_t mfg, uint16_t die);
static inline uint16_t ina2xx_swap16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}
/* max_current / 32768 rounded up to 1, 2, 2.5 or 5 x 10^n amperes. */
double ina2xx_current_lsb_for(double max_current_a);
/*
 * CAL register for a chip (INA226: 0.00512/(LSB R); INA219: 0.04096/(LSB R));
 * -EINVAL if it does not fit.
 */
int ina2xx_calibration_for(enum ina2xx_chip chip, double current_lsb, double shunt_ohm,
			   uint16_t *cal);
/* Configuration register value for averaging/conversion settings (mode: continuous shunt+bus). */
uint16_t ina2xx_config_word(enum ina2xx_chip chip, int averages, int conv_us);
/* Decoders take register values already in host order (after the byte swap). */
double ina2xx_decode_bus_volts(enum ina2xx_chip chip, uint16_t reg);
double ina2xx_decode_current(enum ina2xx_chip chip, uint16_t reg, double current_lsb);
double ina2xx_decode_power(enum ina2xx_chip chip, uint16_t reg, double current_lsb);
double ina2xx_decode_shunt_volts(enum ina2xx_chip chip, uint16_t reg);
/*
 * Check a raw register set for plausibility; 0 or -EIO with a reason.
 * regs: config, bus, current, power as read.
 */
int ina2xx_check_raw(enum ina2xx_chip chip, uint16_t bus, uint16_t current, uint16_t power,
		     const char **why);
int ina2xx_check_values(double volts, double amps, double watts, double max_current_a,
			const char **why);

#endif
