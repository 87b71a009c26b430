/* ina-model.h - register models of the INA226, INA219 and INA260: pure, they know no plant. */
#ifndef H2BOX_SIM_INA_MODEL_H
#define H2BOX_SIM_INA_MODEL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A chip model holds the registers and the conversion timing of one power
 * monitor.  It is given the time (virtual ns) and, at each conversion, what
 * the rail measures (amps through the shunt, bus volts); the plant decides
 * which rail, the noise and the I2C bus around it (plant-physics.c,
 * plant-devices.c).  Register values are in chip order (MSB in bit 15).
 */
enum ina_model_chip {
	INA_MODEL_INA226,
	INA_MODEL_INA219,
	INA_MODEL_INA260, /* the INA226's map and timing, an integrated 2 mOhm shunt */
};

/* INA226 / INA260 registers. */
struct sim_ina226 {
	uint16_t config, cal, mask, alert;
	int16_t shunt;       /* latched at the last completed conversion */
	uint16_t bus, power;
	int16_t current;
	int64_t anchor_ns;   /* conversions complete at anchor + k * period */
	int64_t prev_conv_ns; /* last conversion before the anchor moved */
	int64_t mask_read_conv_ns; /* last conversion seen by a read of the mask register */
};

/* INA219: no ID registers, CNVR/OVF in the bus voltage register, CNVR cleared by a power read. */
struct sim_ina219 {
	uint16_t config, cal;
	int16_t shunt, current; /* latched at the last completed conversion */
	uint16_t bus_mv4;       /* bus voltage in 4 mV steps (the register's bits 15..3) */
	uint16_t power;
	bool ovf;
	int64_t anchor_ns;
	int64_t prev_conv_ns;
	int64_t power_read_conv_ns; /* last conversion seen by a power read (clears CNVR) */
};

struct ina_model {
	enum ina_model_chip chip;
	struct sim_ina226 ina; /* the INA226, or the INA260 (no shunt, no calibration) */
	struct sim_ina219 ina219;
};

/* ina-models.c: the chip the model answers as, dispatched. */
/* Power-on state of `chip` at time now. */
void ina_model_reset(struct ina_model *m, enum ina_model_chip chip, int64_t now);
/* The latest conversion completed in (from, to]: true and its time in *c, false if none. */
bool ina_model_conversion(const struct ina_model *m, int64_t from, int64_t to, int64_t *c);
/* Latch a conversion of what the rail measured: shunt current (A) and bus voltage (V). */
void ina_model_latch(struct ina_model *m, double amps, double volts);
/* Register access at time now: 0, or -EIO for no such register (the transfer fails). */
int ina_model_reg_read(struct ina_model *m, int64_t now, uint8_t reg, uint16_t *val);
int ina_model_reg_write(struct ina_model *m, int64_t now, uint8_t reg, uint16_t val);

/* ina226-model.c: the INA226, whose map and timing the INA260 shares (ina-models.c). */
void ina226_model_reset(struct sim_ina226 *ina, int64_t now);
/* Virtual time of the last completed conversion at t, INT64_MIN if none. */
int64_t ina226_model_last_conv(const struct sim_ina226 *ina, int64_t t);
void ina226_model_latch(struct sim_ina226 *ina, double amps, double volts);
int ina226_model_read(struct sim_ina226 *ina, int64_t now, uint8_t reg, uint16_t *val);
int ina226_model_write(struct sim_ina226 *ina, int64_t now, uint8_t reg, uint16_t val);

/* A register's saturation. */
static inline long ina_model_clamp(long v, long lo, long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

#endif
