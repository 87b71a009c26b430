/* plant-mirror.c - h2box-plant: runs the simulated box and mirrors it onto the rig's gpio-sim lines and i2c-stub chips. */
/*
 * The kernel rig's h2boxd runs with its linux backends against real drivers
 * (gpio-sim, i2c-dev, ina2xx, lm75, emc2305).  This process closes the loop:
 * every period it brings the plant (hw/sim's model, running at a speed
 * factor in real time) up to date, feeds it what the daemon drove (output
 * lines, the monitor chip's config/calibration, the fan drive byte) and
 * writes what the plant shows back into the devices (input line pulls, the
 * monitor's measurement registers (INA226, INA219 or INA260: --chip), the
 * LM75 temperature, the EMC2305 tach count).
 *
 * Control: lines on a FIFO (--cmd), e.g. "button 200ms", "ambient 35",
 * "fault fan-stall on".  Durations are guest (real) time: the daemon times
 * pulses and debounce in real time, so a 200 ms press must last 200 ms of
 * the daemon's time whatever the plant's speed.  Truth: key=value lines in
 * --state, rewritten atomically every pass.  --ready appears after the first
 * full pass, when the FIFO exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <i2c/smbus.h>
#include <linux/i2c-dev.h>

#include "hw/sim/plant.h"
#include "supervisor/util/parse.h"

#define MIRROR_PATH_MAX 256
#define MIRROR_CMD_MAX 256
#define PLANT_BUS 1          /* the plant's INA226 and hwmon chips live on its bus 1 */
#define PLANT_INA 0x40
#define PLANT_FAN_CHIP "emc2305-i2c-1-2e"
#define KSTUB_SHUNT_OHM 0.01 /* ina2xx's default shunt_resistor */
#define EMC_RPM_FACTOR 3932160L
#define EMC_COUNT_MAX 8191L

struct mirror_line {
	char sysfs[MIRROR_PATH_MAX]; /* .../sim_gpioN, "" = line not on the rig */
	int last;                    /* last level mirrored, -1 = never */
	unsigned long rises;         /* output lines: 0 -> 1 edges seen (a pulse the model missed?) */
};

/* Which registers of the monitor chip flow where (datasheet maps: hw/sim/ina*-model.c). */
struct mirror_chip {
	const char *name;
	enum sim_monitor_chip chip;
	uint8_t preset[4]; /* the model's power-on values, identity included, into the stub */
	size_t npreset;
	uint8_t in[3];     /* written by the chip's driver: stub -> model */
	size_t nin;
	uint8_t out[5];    /* measured: model -> stub */
	size_t nout;
};

static const struct mirror_chip mirror_chips[] = {
	{ "ina226", SIM_MONITOR_INA226, { 0x00, 0x05, 0xfe, 0xff }, 4, { 0x00, 0x05, 0x07 }, 3,
	  { 0x01, 0x02, 0x03, 0x04, 0x06 }, 5 },
	/* no ID registers; CNVR/OVF ride in the bus register */
	{ "ina219", SIM_MONITOR_INA219, { 0x00, 0x05 }, 2, { 0x00, 0x05 }, 2,
	  { 0x01, 0x02, 0x03, 0x04 }, 4 },
	/* no shunt-voltage or calibration register: 0x01 is the current */
	{ "ina260", SIM_MONITOR_INA260, { 0x00, 0xfe, 0xff }, 3, { 0x00, 0x07 }, 2,
	  { 0x01, 0x02, 0x03, 0x06 }, 4 },
};

struct mirror_opts {
	enum sim_build build;
	const struct mirror_chip *chip; /* the monitor at --ina */
	double speed;
	int64_t period_ns;
	int bus; /* i2c-stub adapter, -1 = no I2C mirroring */
	int ina_user, ina_kernel, lm75, emc; /* addresses, -1 = absent */
	bool host_running, own_supply;
	const char *gpio_cfg, *cmd_path, *state_path, *ready_path;
};

struct mirror {
	struct mirror_opts o;
	struct sim_plant *p;
	struct mirror_line line[SIM_LINE_COUNT];
	int fd_ina_user, fd_ina_kernel, fd_lm75, fd_emc;
	uint16_t ina_seen[8]; /* stub words (wire order) last forwarded to the model */
	int emc_pwm_seen;
	int ina_kernel_cal;
	unsigned long passes, cmds, cmd_errors;
	int64_t pass_last_ns, pass_gap_max_ns; /* the longest time between two passes (starved?) */
	char last_cmd[MIRROR_CMD_MAX], last_err[128];
	int cmd_fd;
	char cmd_buf[MIRROR_CMD_MAX];
	size_t cmd_len;
	bool cmd_discard; /* an over-long line is being skipped up to its newline */
	unsigned io_errors;
};

static volatile sig_atomic_t mirror_stop;

static void mirror_on_signal(int sig)
{
	(void)sig;
	mirror_stop = 1;
}

static int64_t mirror_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint16_t swab16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

/* Complain once per kind of failure and keep going: a missing device must not stop the loop. */
static void mirror_io_warn(struct mirror *m, unsigned bit, const char *what, int r)
{
	if (m->io_errors & (1u << bit))
		return;
	m->io_errors |= 1u << bit;
	fprintf(stderr, "h2box-plant: %s: %s\n", what, strerror(r < 0 ? -r : r));
}

/* ---- sysfs files ---- */

static int file_read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int file_write_str(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

/* ---- gpio-sim: find every named line through configfs ---- */

static int mirror_gpio_scan(struct mirror *m)
{
	char path[MIRROR_PATH_MAX], dev[64], chip[64], name[64];
	struct dirent *de, *be, *le;
	DIR *d, *bd, *ld;
	int found = 0;

	d = opendir(m->o.gpio_cfg);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%.64s/dev_name", m->o.gpio_cfg, de->d_name);
		if (file_read_small(path, dev, sizeof(dev)) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%.64s", m->o.gpio_cfg, de->d_name);
		bd = opendir(path);
		if (!bd)
			continue;
		while ((be = readdir(bd))) {
			if (strncmp(be->d_name, "bank", 4) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%.64s/%.32s/chip_name", m->o.gpio_cfg,
				 de->d_name, be->d_name);
			if (file_read_small(path, chip, sizeof(chip)) < 0)
				continue;
			snprintf(path, sizeof(path), "%s/%.64s/%.32s", m->o.gpio_cfg, de->d_name,
				 be->d_name);
			ld = opendir(path);
			if (!ld)
				continue;
			while ((le = readdir(ld))) {
				unsigned off;
				int l;

				if (sscanf(le->d_name, "line%u", &off) != 1)
					continue;
				snprintf(path, sizeof(path), "%s/%.64s/%.32s/%.32s/name",
					 m->o.gpio_cfg, de->d_name, be->d_name, le->d_name);
				if (file_read_small(path, name, sizeof(name)) < 0)
					continue;
				l = sim_plant_line_lookup(name);
				if (l < 0)
					continue;
				snprintf(m->line[l].sysfs, sizeof(m->line[l].sysfs),
					 "/sys/devices/platform/%.48s/%.48s/sim_gpio%u", dev, chip,
					 off);
				found++;
			}
			closedir(ld);
		}
		closedir(bd);
	}
	closedir(d);
	return found;
}

static int mirror_gpio_pull(struct mirror_line *l, int level)
{
	char path[MIRROR_PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s/pull", l->sysfs);
	return file_write_str(path, level ? "pull-up" : "pull-down");
}

static int mirror_gpio_value(struct mirror_line *l, int *level)
{
	char path[MIRROR_PATH_MAX + 8], buf[8];
	int r;

	snprintf(path, sizeof(path), "%s/value", l->sysfs);
	r = file_read_small(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (strcmp(buf, "0") != 0 && strcmp(buf, "1") != 0)
		return -EBADMSG;
	*level = buf[0] == '1';
	return 0;
}

/* Released outputs fall back to their pull: make that the hardware's idle level. */
static void mirror_gpio_idle_pulls(struct mirror *m)
{
	static const struct {
		enum sim_line line;
		int level;
	} idle[] = {
		{ SIM_LINE_PSU_ON_N, 1 },   /* the PSU's own pull-up: PS_ON# released = off */
		{ SIM_LINE_PWR_LED, 0 },
		{ SIM_LINE_H2_PWR_BTN, 0 }, /* optocoupler dark = not pressed */
	};

	for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++) {
		struct mirror_line *l = &m->line[idle[i].line];

		if (l->sysfs[0] && mirror_gpio_pull(l, idle[i].level) < 0)
			mirror_io_warn(m, 0, l->sysfs, -errno);
	}
}

static void mirror_gpio_pass(struct mirror *m)
{
	for (int i = 0; i < SIM_LINE_COUNT; i++) {
		struct mirror_line *l = &m->line[i];
		int v, r;

		if (!l->sysfs[0])
			continue;
		if (sim_plant_line_is_output((enum sim_line)i)) {
			r = mirror_gpio_value(l, &v);
			if (r < 0) {
				mirror_io_warn(m, 1, "reading an output line", r);
				continue;
			}
			if (v != l->last && sim_plant_line_set(m->p, (enum sim_line)i, v) == 0) {
				l->rises += l->last == 0 && v == 1;
				l->last = v;
			}
		} else {
			v = sim_plant_line_get(m->p, (enum sim_line)i);
			if (v < 0 || v == l->last)
				continue;
			r = mirror_gpio_pull(l, v);
			if (r < 0) {
				mirror_io_warn(m, 2, "setting an input pull", r);
				continue;
			}
			l->last = v;
		}
	}
}

/* ---- i2c-stub ---- */

static int mirror_i2c_open(struct mirror *m, int addr, int *fd)
{
	char path[32];

	*fd = -1;
	if (addr < 0 || m->o.bus < 0)
		return 0;
	snprintf(path, sizeof(path), "/dev/i2c-%d", m->o.bus);
	*fd = open(path, O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	/* FORCE: kernel drivers own 0x41/0x48/0x2e; the stub is where we change what they read */
	if (ioctl(*fd, I2C_SLAVE_FORCE, (unsigned long)addr) < 0) {
		int r = -errno;

		close(*fd);
		*fd = -1;
		return r;
	}
	return 0;
}

/* Stub words in SMBus (wire) order: what i2c_smbus_*_word_data moves, no swap. */
static int stub_get(int fd, uint8_t reg, uint16_t *v)
{
	int r = i2c_smbus_read_word_data(fd, reg);

	if (r < 0)
		return errno ? -errno : r;
	*v = (uint16_t)r;
	return 0;
}

static int stub_set(int fd, uint8_t reg, uint16_t v)
{
	int r = i2c_smbus_write_word_data(fd, reg, v);

	return r < 0 ? (errno ? -errno : r) : 0;
}

/* Chip (big-endian, datasheet) order: what the kernel's swapped reads see. */
static int stub_set_be(int fd, uint8_t reg, uint16_t v)
{
	return stub_set(fd, reg, swab16(v));
}

static int mirror_i2c_preset(struct mirror *m)
{
	const uint8_t *regs = m->o.chip->preset;
	uint16_t v;
	int r;

	if (m->fd_ina_user >= 0) {
		/* the model's power-on registers, identity included, in wire order */
		for (size_t i = 0; i < m->o.chip->npreset; i++) {
			r = sim_plant_i2c_read_word(m->p, PLANT_BUS, PLANT_INA, regs[i], &v);
			if (r == 0)
				r = stub_set(m->fd_ina_user, regs[i], v);
			if (r < 0)
				return r;
			if (regs[i] < 8)
				m->ina_seen[regs[i]] = v;
		}
	}
	if (m->fd_ina_kernel >= 0) {
		/* identity of the second INA226, should the kernel driver look (it does not) */
		stub_set_be(m->fd_ina_kernel, 0xfe, 0x5449);
		stub_set_be(m->fd_ina_kernel, 0xff, 0x2260);
	}
	return 0;
}

/*
 * The monitor #1 (INA226, INA219 or INA260): whichever driver talks to the stub (the daemon's
 * own over i2c-dev, or the kernel's ina2xx), the model does the chip.
 */
static void mirror_ina_user(struct mirror *m)
{
	const uint8_t *in_regs = m->o.chip->in, *out_regs = m->o.chip->out;
	uint16_t v;
	int r;

	if (m->fd_ina_user < 0)
		return;
	for (size_t i = 0; i < m->o.chip->nin; i++) {
		uint8_t reg = in_regs[i];

		if (stub_get(m->fd_ina_user, reg, &v) < 0 || v == m->ina_seen[reg])
			continue;
		r = sim_plant_i2c_write_word(m->p, PLANT_BUS, PLANT_INA, reg, v);
		if (r < 0)
			mirror_io_warn(m, 3, "monitor model write", r);
		m->ina_seen[reg] = v;
		if (reg == 0x00 && (swab16(v) & 0x8000)) {
			/* a reset: the chip clears the bit and reloads its defaults */
			if (sim_plant_i2c_read_word(m->p, PLANT_BUS, PLANT_INA, 0x00, &v) == 0 &&
			    stub_set(m->fd_ina_user, 0x00, v) == 0)
				m->ina_seen[0] = v;
			if (sim_plant_i2c_read_word(m->p, PLANT_BUS, PLANT_INA, 0x05, &v) == 0 &&
			    stub_set(m->fd_ina_user, 0x05, v) == 0)
				m->ina_seen[5] = v;
		}
	}
	for (size_t i = 0; i < m->o.chip->nout; i++) {
		r = sim_plant_i2c_read_word(m->p, PLANT_BUS, PLANT_INA, out_regs[i], &v);
		if (r == 0)
			r = stub_set(m->fd_ina_user, out_regs[i], v);
		if (r < 0)
			mirror_io_warn(m, 4, "monitor #1 registers", r);
	}
}

static uint16_t clamp_u16(double v, double lo, double hi)
{
	v = round(v);
	return (uint16_t)(int32_t)(v < lo ? lo : v > hi ? hi : v);
}

/* INA226 #2 under the kernel's ina2xx: registers from the truth, in its calibration's units. */
static void mirror_ina_kernel(struct mirror *m, const struct sim_plant_truth *t)
{
	double lsb_a, amps;
	uint16_t cal_raw;
	int cal = 0, r;

	if (m->fd_ina_kernel < 0)
		return;
	if (stub_get(m->fd_ina_kernel, 0x05, &cal_raw) == 0)
		cal = swab16(cal_raw) & 0x7fff;
	m->ina_kernel_cal = cal;
	if (cal == 0)
		cal = 0x0800; /* not calibrated yet: the driver's own default */
	lsb_a = 0.00512 / (cal * KSTUB_SHUNT_OHM);
	amps = t->monitored_v > 0 ? t->monitored_w / t->monitored_v : 0.0;
	r = stub_set_be(m->fd_ina_kernel, 0x01,
			clamp_u16(amps * KSTUB_SHUNT_OHM / 2.5e-6, -32768, 32767));
	if (r == 0)
		r = stub_set_be(m->fd_ina_kernel, 0x02, clamp_u16(t->monitored_v / 1.25e-3, 0, 0x7fff));
	if (r == 0)
		r = stub_set_be(m->fd_ina_kernel, 0x04, clamp_u16(amps / lsb_a, -32768, 32767));
	if (r == 0)
		r = stub_set_be(m->fd_ina_kernel, 0x03,
				clamp_u16(t->monitored_w / (25.0 * lsb_a), 0, 0xffff));
	if (r == 0)
		r = stub_set_be(m->fd_ina_kernel, 0x06, 0x0008); /* CVRF */
	if (r < 0)
		mirror_io_warn(m, 5, "INA226 #2 registers", r);
}

/* LM75: 9-bit two's complement in the top of a big-endian word, 0.5 C steps. */
static void mirror_lm75(struct mirror *m, const struct sim_plant_truth *t)
{
	double half = floor(t->nic_temp_c * 2.0);
	int r;

	if (m->fd_lm75 < 0)
		return;
	half = half < -110 ? -110 : half > 250 ? 250 : half;
	r = stub_set_be(m->fd_lm75, 0x00, (uint16_t)(int16_t)((int)half * 128));
	if (r < 0)
		mirror_io_warn(m, 6, "LM75 temperature", r);
}

/* EMC2305 channel 1: drive byte 0x30 in, tach word 0x3e out (the driver's rpm formula inverted). */
static void mirror_emc(struct mirror *m, const struct sim_plant_truth *t)
{
	long count;
	int v, r;

	if (m->fd_emc < 0)
		return;
	v = i2c_smbus_read_byte_data(m->fd_emc, 0x30);
	if (v >= 0 && v != m->emc_pwm_seen) {
		r = sim_plant_hwmon_attr_write(m->p, PLANT_FAN_CHIP, "pwm1", v);
		if (r < 0)
			mirror_io_warn(m, 7, "fan model pwm1", r);
		else
			m->emc_pwm_seen = v;
	}
	/* driver: rpm = 2 * (3932160 / (reg >> 3)); 0 at or below 960 rpm */
	count = t->fan_rpm >= 1.0 ? lround(2.0 * EMC_RPM_FACTOR / t->fan_rpm) : EMC_COUNT_MAX;
	count = count < 1 ? 1 : count > EMC_COUNT_MAX ? EMC_COUNT_MAX : count;
	r = stub_set_be(m->fd_emc, 0x3e, (uint16_t)(count << 3));
	if (r < 0)
		mirror_io_warn(m, 8, "EMC2305 tach", r);
}

/* ---- state file ---- */

static int mirror_state_write(struct mirror *m, const struct sim_plant_truth *t)
{
	char tmp[MIRROR_PATH_MAX + 8];
	const char *const *f;
	FILE *fp;
	int r = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", m->o.state_path);
	fp = fopen(tmp, "w");
	if (!fp)
		return -errno;
	fprintf(fp,
		"now_ns=%lld\nspeed=%g\npsu_on=%d\npsu_ok=%d\nhost_on=%d\nhost_booting=%d\n"
		"host_stopping=%d\nlink_up=%d\nbutton_led=%d\nmonitored_w=%.3f\n"
		"monitored_v=%.3f\nenergy_j=%.3f\nnic_w=%.3f\nnic_temp_c=%.2f\ncpu_temp_c=%.2f\n"
		"disk_temp_c=%.2f\nambient_c=%.2f\nfan_duty_pct=%.2f\nfan_rpm=%.0f\n"
		"ib_tx_gbps=%.3f\nib_rx_gbps=%.3f\nworkload=%s\n",
		(long long)t->now_ns, sim_plant_speed(m->p), t->psu_on, t->psu_ok, t->host_on,
		t->host_booting, t->host_stopping, t->link_up, t->button_led, t->monitored_w,
		t->monitored_v, t->energy_j, t->nic_w, t->nic_temp_c, t->cpu_temp_c, t->disk_temp_c,
		t->ambient_c, t->fan_duty_pct, t->fan_rpm, t->ib_tx_gbps, t->ib_rx_gbps,
		t->workload ? t->workload : "");
	for (int i = 0; i < SIM_LINE_COUNT; i++)
		fprintf(fp, "line_%s=%d\n", sim_plant_line_name((enum sim_line)i),
			sim_plant_line_get(m->p, (enum sim_line)i));
	for (int i = 0; i < SIM_LINE_COUNT; i++)
		if (m->line[i].sysfs[0] && sim_plant_line_is_output((enum sim_line)i))
			fprintf(fp, "line_%s_rises=%lu\n", sim_plant_line_name((enum sim_line)i),
				m->line[i].rises);
	fprintf(fp, "faults=");
	for (f = sim_plant_fault_names(); *f; f++)
		if (sim_plant_fault_get(m->p, *f))
			fprintf(fp, "%s,", *f);
	fprintf(fp, "\nemc_pwm=%d\nina_kernel_cal=%d\npasses=%lu\npass_gap_max_ms=%lld\ncmds=%lu\n"
		    "cmd_errors=%lu\nlast_cmd=%s\nlast_error=%s\n",
		m->emc_pwm_seen, m->ina_kernel_cal, m->passes,
		(long long)(m->pass_gap_max_ns / 1000000), m->cmds, m->cmd_errors, m->last_cmd,
		m->last_err);
	if (fflush(fp) != 0 || ferror(fp))
		r = -EIO;
	if (fclose(fp) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, m->o.state_path) < 0)
		r = -errno;
	return r;
}

static void mirror_pass(struct mirror *m)
{
	struct sim_plant_truth t;
	int64_t now = mirror_mono_ns();

	if (m->pass_last_ns && now - m->pass_last_ns > m->pass_gap_max_ns)
		m->pass_gap_max_ns = now - m->pass_last_ns;
	m->pass_last_ns = now;
	sim_plant_now(m->p);
	/* the daemon's outputs first: this pass's model step sees them */
	mirror_gpio_pass(m);
	mirror_ina_user(m);
	sim_plant_truth_get(m->p, &t);
	mirror_emc(m, &t);
	mirror_ina_kernel(m, &t);
	mirror_lm75(m, &t);
	m->passes++;
	if (mirror_state_write(m, &t) < 0)
		mirror_io_warn(m, 9, "writing the state file", -errno);
}

/* ---- commands ---- */

/* One command line; 0 or -errno with a message in m->last_err. */
static int mirror_cmd_run(struct mirror *m, char *line)
{
	char *argv[4], *save = NULL, *w;
	int argc = 0, r;
	char err[96] = "";
	double d;
	int64_t ns;
	bool on;

	for (w = strtok_r(line, " \t\r", &save); w && argc < 4; w = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = w;
	if (argc == 0)
		return 0;
	if (w) {
		snprintf(m->last_err, sizeof(m->last_err), "too many words");
		return -E2BIG;
	}
	if (!strcmp(argv[0], "button") && argc == 2) {
		r = parse_duration_ns(argv[1], 1000000, 60LL * 1000000000, &ns, err, sizeof(err));
		if (r == 0)
			r = sim_plant_button_press(m->p, (int64_t)((double)ns * sim_plant_speed(m->p)));
	} else if (!strcmp(argv[0], "workload") && argc == 2) {
		r = sim_plant_workload_set(m->p, argv[1]);
	} else if (!strcmp(argv[0], "load") && argc == 2) {
		r = parse_double(argv[1], 0, 1000, &d, err, sizeof(err));
		if (r == 0)
			r = sim_plant_load_set(m->p, d);
	} else if (!strcmp(argv[0], "ambient") && argc == 2) {
		r = parse_double(argv[1], -40, 125, &d, err, sizeof(err));
		if (r == 0)
			r = sim_plant_ambient_set(m->p, d);
	} else if (!strcmp(argv[0], "fault") && argc == 3) {
		r = parse_bool(argv[2], &on, err, sizeof(err));
		if (r == 0)
			r = sim_plant_fault_set(m->p, argv[1], on);
	} else if (!strcmp(argv[0], "poweroff") && argc == 1) {
		r = sim_plant_host_poweroff(m->p);
	} else if (!strcmp(argv[0], "speed") && argc == 2) {
		r = parse_double(argv[1], 0.01, 1000, &d, err, sizeof(err));
		if (r == 0)
			r = sim_plant_set_speed(m->p, d);
	} else if (!strcmp(argv[0], "quit") && argc == 1) {
		mirror_stop = 1;
		r = 0;
	} else {
		snprintf(m->last_err, sizeof(m->last_err), "unknown command or wrong arguments");
		return -EINVAL;
	}
	if (r < 0)
		snprintf(m->last_err, sizeof(m->last_err), "%s", err[0] ? err : strerror(-r));
	return r;
}

static void mirror_cmd_line(struct mirror *m, char *line)
{
	int r;

	snprintf(m->last_cmd, sizeof(m->last_cmd), "%s", line);
	m->last_cmd[strcspn(m->last_cmd, "\r")] = '\0';
	m->last_err[0] = '\0';
	r = mirror_cmd_run(m, line);
	if (r < 0) {
		m->cmd_errors++;
		fprintf(stderr, "h2box-plant: command '%s': %s\n", m->last_cmd, m->last_err);
	}
	/* counted after it took effect: a waiter on cmds sees the new plant state */
	m->cmds++;
}

static void mirror_cmd_read(struct mirror *m)
{
	char buf[512];
	ssize_t n;

	while ((n = read(m->cmd_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (!m->cmd_discard) {
					m->cmd_buf[m->cmd_len] = '\0';
					mirror_cmd_line(m, m->cmd_buf);
				}
				m->cmd_len = 0;
				m->cmd_discard = false;
			} else if (m->cmd_len + 1 >= sizeof(m->cmd_buf)) {
				if (!m->cmd_discard)
					fprintf(stderr, "h2box-plant: command line too long, dropped\n");
				m->cmd_discard = true;
			} else if (!m->cmd_discard) {
				m->cmd_buf[m->cmd_len++] = buf[i];
			}
		}
	}
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: h2box-plant [options]\n"
		"  --build sfx|brick   which build the plant reproduces (default sfx)\n"
		"  --self              the H2 runs from the start (h2boxd on it: self topology)\n"
		"  --own-supply        the H2 is on its own supply (brick build)\n"
		"  --speed F           virtual seconds per real second (default 10)\n"
		"  --period DURATION   mirror period (default 10ms)\n"
		"  --bus N             i2c-stub adapter number (default: no I2C mirroring)\n"
		"  --ina ADDR          the monitor the model answers for (default 0x40, 'none')\n"
		"  --chip NAME         that monitor: ina226 (default), ina219 or ina260\n"
		"  --ina-hwmon ADDR    INA226 under the kernel ina2xx driver (default 0x41)\n"
		"  --lm75 ADDR         NIC heatsink LM75 (default 0x48)\n"
		"  --emc ADDR          EMC2305 fan controller, channel 1 (default 0x2e)\n"
		"  --gpio-sim DIR      gpio-sim configfs root (default /sys/kernel/config/gpio-sim)\n"
		"  --cmd PATH          command FIFO (default /run/h2box-plant.cmd)\n"
		"  --state PATH        truth file (default /run/h2box-plant.state)\n"
		"  --ready PATH        marker written after the first pass (default /run/h2box-plant.ready)\n"
		"commands: button DURATION | workload NAME | load WATTS | ambient C |\n"
		"          fault NAME on|off | poweroff | speed F | quit\n");
}

static int parse_addr(const char *s, int *out)
{
	unsigned long ul;

	if (!strcmp(s, "none")) {
		*out = -1;
		return 0;
	}
	if (parse_uint_any_base(s, 0x03, 0x77, &ul, NULL, 0) < 0)
		return -EINVAL;
	*out = (int)ul;
	return 0;
}

static int mirror_parse_args(int argc, char **argv, struct mirror_opts *o)
{
	static const struct option opts[] = {
		{ "build", required_argument, NULL, 'b' },
		{ "self", no_argument, NULL, 'S' },
		{ "own-supply", no_argument, NULL, 'O' },
		{ "speed", required_argument, NULL, 's' },
		{ "period", required_argument, NULL, 'p' },
		{ "bus", required_argument, NULL, 'B' },
		{ "ina", required_argument, NULL, 'i' },
		{ "chip", required_argument, NULL, 'C' },
		{ "ina-hwmon", required_argument, NULL, 'k' },
		{ "lm75", required_argument, NULL, 'l' },
		{ "emc", required_argument, NULL, 'e' },
		{ "gpio-sim", required_argument, NULL, 'g' },
		{ "cmd", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 't' },
		{ "ready", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char err[96];
	long l;
	int c, r = 0;

	*o = (struct mirror_opts){
		.build = SIM_BUILD_SFX, .chip = &mirror_chips[0], .speed = 10,
		.period_ns = 10000000, .bus = -1,
		.ina_user = 0x40, .ina_kernel = 0x41, .lm75 = 0x48, .emc = 0x2e,
		.gpio_cfg = "/sys/kernel/config/gpio-sim", .cmd_path = "/run/h2box-plant.cmd",
		.state_path = "/run/h2box-plant.state", .ready_path = "/run/h2box-plant.ready",
	};
	while (r == 0 && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		err[0] = '\0';
		switch (c) {
		case 'b':
			if (!strcmp(optarg, "sfx"))
				o->build = SIM_BUILD_SFX;
			else if (!strcmp(optarg, "brick"))
				o->build = SIM_BUILD_BRICK;
			else
				r = -EINVAL;
			break;
		case 'S': o->host_running = true; break;
		case 'O': o->own_supply = true; break;
		case 's': r = parse_double(optarg, 0.01, 1000, &o->speed, err, sizeof(err)); break;
		case 'p':
			r = parse_duration_ns(optarg, 1000000, 1000000000, &o->period_ns, err,
					      sizeof(err));
			break;
		case 'B':
			r = parse_int(optarg, 0, 1023, &l, err, sizeof(err));
			o->bus = (int)l;
			break;
		case 'i': r = parse_addr(optarg, &o->ina_user); break;
		case 'C':
			r = -EINVAL;
			for (size_t i = 0; i < sizeof(mirror_chips) / sizeof(mirror_chips[0]); i++)
				if (!strcmp(optarg, mirror_chips[i].name)) {
					o->chip = &mirror_chips[i];
					r = 0;
				}
			break;
		case 'k': r = parse_addr(optarg, &o->ina_kernel); break;
		case 'l': r = parse_addr(optarg, &o->lm75); break;
		case 'e': r = parse_addr(optarg, &o->emc); break;
		case 'g': o->gpio_cfg = optarg; break;
		case 'c': o->cmd_path = optarg; break;
		case 't': o->state_path = optarg; break;
		case 'r': o->ready_path = optarg; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -EINVAL;
		}
		if (r < 0)
			fprintf(stderr, "h2box-plant: bad option value '%s': %s\n", optarg,
				err[0] ? err : "invalid");
	}
	if (r == 0 && optind < argc) {
		fprintf(stderr, "h2box-plant: unexpected argument '%s'\n", argv[optind]);
		r = -EINVAL;
	}
	return r;
}

static int mirror_setup(struct mirror *m)
{
	struct sim_plant_config cfg;
	int r;

	m->fd_ina_user = m->fd_ina_kernel = m->fd_lm75 = m->fd_emc = m->cmd_fd = -1;
	m->emc_pwm_seen = -1;
	for (int i = 0; i < SIM_LINE_COUNT; i++)
		m->line[i].last = -1;
	sim_plant_config_defaults(&cfg, m->o.build);
	cfg.monitor_chip = m->o.chip->chip;
	cfg.speed = m->o.speed;
	if (m->o.host_running)
		cfg.host_running = true;
	if (m->o.own_supply)
		cfg.host_on_own_supply = true;
	r = sim_plant_new(&cfg, &m->p);
	if (r < 0)
		return fprintf(stderr, "h2box-plant: plant: %s\n", strerror(-r)), r;
	/* the 6.1 emc2305 driver has no pwm1_enable: the drive byte is always in charge */
	sim_plant_hwmon_attr_write(m->p, PLANT_FAN_CHIP, "pwm1_enable", 1);
	r = mirror_gpio_scan(m);
	if (r < 0)
		fprintf(stderr, "h2box-plant: %s: %s (no GPIO mirroring)\n", m->o.gpio_cfg,
			strerror(-r));
	else if (r == 0)
		fprintf(stderr, "h2box-plant: no gpio-sim line with a plant name\n");
	mirror_gpio_idle_pulls(m);
	if ((r = mirror_i2c_open(m, m->o.ina_user, &m->fd_ina_user)) < 0 ||
	    (r = mirror_i2c_open(m, m->o.ina_kernel, &m->fd_ina_kernel)) < 0 ||
	    (r = mirror_i2c_open(m, m->o.lm75, &m->fd_lm75)) < 0 ||
	    (r = mirror_i2c_open(m, m->o.emc, &m->fd_emc)) < 0)
		return fprintf(stderr, "h2box-plant: /dev/i2c-%d: %s\n", m->o.bus, strerror(-r)), r;
	r = mirror_i2c_preset(m);
	if (r < 0)
		return fprintf(stderr, "h2box-plant: presetting the %s: %s\n", m->o.chip->name,
			       strerror(-r)), r;
	return 0;
}

static int mirror_ready(struct mirror *m)
{
	int fd;

	unlink(m->o.cmd_path);
	if (mkfifo(m->o.cmd_path, 0600) < 0)
		return fprintf(stderr, "h2box-plant: mkfifo %s: %s\n", m->o.cmd_path, strerror(errno)),
		       -errno;
	/* O_RDWR: the FIFO never reports EOF when a writer goes away */
	m->cmd_fd = open(m->o.cmd_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (m->cmd_fd < 0)
		return -errno;
	fd = open(m->o.ready_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, "ready\n", 6) != 6) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static void mirror_teardown(struct mirror *m)
{
	int fds[] = { m->fd_ina_user, m->fd_ina_kernel, m->fd_lm75, m->fd_emc, m->cmd_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (m->cmd_fd >= 0)
		unlink(m->o.cmd_path);
	unlink(m->o.ready_path);
	sim_plant_free(m->p);
}

int main(int argc, char **argv)
{
	struct mirror m = { 0 };
	struct sigaction sa = { .sa_handler = mirror_on_signal };
	int64_t next;
	int r;

	r = mirror_parse_args(argc, argv, &m.o);
	if (r != 0)
		return r > 0 ? 0 : 2;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = mirror_setup(&m);
	if (r == 0) {
		mirror_pass(&m);
		r = mirror_ready(&m);
	}
	next = mirror_mono_ns() + m.o.period_ns;
	while (r == 0 && !mirror_stop) {
		struct pollfd pfd = { .fd = m.cmd_fd, .events = POLLIN };
		int64_t now = mirror_mono_ns();
		int ms = now >= next ? 0 : (int)((next - now + 999999) / 1000000);

		if (poll(&pfd, 1, ms) > 0)
			mirror_cmd_read(&m);
		if (mirror_mono_ns() < next)
			continue;
		mirror_pass(&m);
		next += m.o.period_ns;
		if (next < mirror_mono_ns())
			next = mirror_mono_ns() + m.o.period_ns; /* fell behind: do not burst */
	}
	mirror_teardown(&m);
	return r < 0 ? 1 : 0;
}
