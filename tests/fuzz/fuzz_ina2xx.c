/* fuzz_ina2xx.c - libFuzzer harness: the INA2xx driver's identify, setup and register decoding
 * against a scripted chip whose every register read comes from the input. */
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <math.h>

#include "drivers/ina2xx.h"
#include "hw/hw-private.h"

/*
 * The input: a header choosing the configuration, then one script entry per bus read.
 * An entry is a control byte: 0xFF fails the transfer (-EIO), bit 7 set returns what was
 * last written to the register (a chip that keeps its calibration), otherwise the next two
 * bytes are the register's value as the chip sends it (MSB first).  Past the end of the
 * input, reads return what was written (0 for a register never written).
 */
struct fuzz_ina_script {
	const uint8_t *p, *end;
	uint16_t written[256]; /* host order */
};

static struct fuzz_ina_script fuzz_script;

static uint8_t fuzz_ina_byte(void)
{
	return fuzz_script.p < fuzz_script.end ? *fuzz_script.p++ : 0;
}

static int fuzz_i2c_open(struct hw *hw, int bus, uint8_t addr, struct hw_i2c_dev **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static int fuzz_i2c_read_word(struct hw_i2c_dev *dev, uint8_t reg, uint16_t *val)
{
	uint16_t v;
	uint8_t c;

	if (fuzz_script.p >= fuzz_script.end) {
		v = fuzz_script.written[reg];
	} else {
		c = fuzz_ina_byte();
		if (c == 0xFF)
			return -EIO;
		if (c & 0x80) {
			v = fuzz_script.written[reg];
		} else {
			v = (uint16_t)(fuzz_ina_byte() << 8);
			v |= fuzz_ina_byte();
		}
	}
	*val = ina2xx_swap16(v); /* on the wire: the first byte is the low byte of the word */
	return 0;
}

static int fuzz_i2c_write_word(struct hw_i2c_dev *dev, uint8_t reg, uint16_t val)
{
	fuzz_script.written[reg] = ina2xx_swap16(val);
	return 0;
}

static int fuzz_i2c_read_byte(struct hw_i2c_dev *dev, uint8_t reg, uint8_t *val)
{
	return -EOPNOTSUPP;
}

static int fuzz_i2c_write_byte(struct hw_i2c_dev *dev, uint8_t reg, uint8_t val)
{
	return -EOPNOTSUPP;
}

static void fuzz_i2c_close(struct hw_i2c_dev *dev)
{
	free(dev);
}

static const struct hw_i2c_ops fuzz_i2c_ops = {
	.open = fuzz_i2c_open,
	.read_word = fuzz_i2c_read_word,
	.write_word = fuzz_i2c_write_word,
	.read_byte = fuzz_i2c_read_byte,
	.write_byte = fuzz_i2c_write_byte,
	.close = fuzz_i2c_close,
};

/* hwmon mode: the chip's name and every value read come from the input too. */
static const char *const fuzz_hwmon_names[] = { "ina226", "ina219", "ina260", "ina231" };

static int fuzz_hwmon_open(struct hw *hw, const char *pattern, struct hw_hwmon_chip **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	snprintf((*out)->name, sizeof((*out)->name), "%s", fuzz_hwmon_names[fuzz_ina_byte() % 4]);
	return 0;
}

static int fuzz_hwmon_read(struct hw_hwmon_chip *chip, enum hw_hwmon_kind kind, const char *label,
			   double *value)
{
	uint64_t bits = 0;
	uint8_t c = fuzz_ina_byte();

	if (c == 0xFF)
		return -ENODATA;
	if (c == 0xFE)
		return -EIO;
	for (int i = 0; i < 8; i++)
		bits = bits << 8 | fuzz_ina_byte();
	memcpy(value, &bits, sizeof(*value));
	return 0;
}

static void fuzz_hwmon_close(struct hw_hwmon_chip *chip)
{
	free(chip);
}

static const struct hw_hwmon_ops fuzz_hwmon_ops = {
	.open = fuzz_hwmon_open,
	.read = fuzz_hwmon_read,
	.close = fuzz_hwmon_close,
};

/* What any caller may rely on after a read (drivers/ina2xx.h). */
static void fuzz_ina_check_reading(int r, const struct ina2xx_reading *rd)
{
	if (r < 0) {
		FUZZ_CHECK(isnan(rd->volts) && isnan(rd->amps) && isnan(rd->watts));
		FUZZ_CHECK(!rd->fresh);
		return;
	}
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(isfinite(rd->volts) && isfinite(rd->amps) && isfinite(rd->watts));
	FUZZ_CHECK(rd->volts >= 0 && rd->volts <= 36.0);
	FUZZ_CHECK(rd->watts >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int averages[] = { 1, 4, 16, 64, 128, 256, 512, 1024, 0, 3, 2000, -1 };
	struct hw hw = { .kind = HW_KIND_SIM, .i2c = &fuzz_i2c_ops, .hwmon = &fuzz_hwmon_ops };
	struct ina2xx_config cfg;
	struct ina2xx_reading rd;
	struct ina2xx *d = NULL;
	char err[256];
	int r;

	if (size < 6 || size > 512)
		return 0;
	memset(&fuzz_script, 0, sizeof(fuzz_script));
	fuzz_script.p = data + 6;
	fuzz_script.end = data + size;

	ina2xx_config_defaults(&cfg);
	cfg.mode = data[0] & 0x80 ? INA2XX_MODE_HWMON : INA2XX_MODE_I2C;
	cfg.chip = (enum ina2xx_chip)(data[0] & 3);
	cfg.shunt_ohm = (double)(data[1] + 1) * 0.0005;   /* 0.5 .. 128 mOhm */
	cfg.max_current_a = (double)(data[2] + 1) * 0.25; /* 0.25 .. 64 A */
	if (data[0] & 0x40)
		cfg.max_current_a = data[2] & 1 ? 0.0 : -1.0; /* nonsense a profile should refuse */
	cfg.averages = averages[data[3] % (sizeof(averages) / sizeof(averages[0]))];
	cfg.conv_us = (int)(data[4] << 8 | data[5]) - 100;

	err[0] = '\0';
	r = ina2xx_open(&hw, &cfg, &d, err, sizeof(err));
	if (r < 0) {
		FUZZ_CHECK(d == NULL);
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)) != NULL);
		return 0;
	}
	FUZZ_CHECK(d != NULL);
	FUZZ_CHECK(ina2xx_describe(d)[0] != '\0');
	if (cfg.mode == INA2XX_MODE_I2C && ina2xx_chip_get(d) != INA2XX_INA260)
		FUZZ_CHECK(ina2xx_current_lsb(d) > 0 && isfinite(ina2xx_current_lsb(d)));
	/* at most 32 samples: the script usually ends sooner, then registers read as written */
	for (int i = 0; i < 32 && fuzz_script.p < fuzz_script.end; i++) {
		r = ina2xx_read(d, &rd);
		fuzz_ina_check_reading(r, &rd);
		FUZZ_CHECK(r == 0 || r == -EAGAIN || r == -EIO || r == -ENODATA);
		FUZZ_CHECK((r == 0) == (ina2xx_last_error(d)[0] == '\0'));
	}
	ina2xx_close(d);
	return 0;
}
