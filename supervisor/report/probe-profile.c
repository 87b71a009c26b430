/* probe-profile.c - `h2box probe`'s findings as a box profile (every guess commented), JSON and text. */
#include "supervisor/report/probe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/ina2xx.h"
#include "supervisor/util/json.h"

/* The [gpio] keys and the line names the shipped profiles (h2-sfx.conf, h2-brick.conf) use. */
static const struct probe_gpio_key {
	const char *key;
	const char *line;
	bool required;   /* the loader wants it in every topology */
	bool controller; /* only topology = controller uses it */
	const char *what;
} probe_gpio_keys[] = {
	{ "psu_on", "PSU_ON_N", true, false, "ATX PS_ON#" },
	{ "psu_ok", "PSU_PWR_OK", true, false, "ATX PWR_OK" },
	{ "button", "PWR_BUTTON", true, false, "the front power button" },
	{ "button_led", "PWR_LED", false, false, "the button's LED" },
	{ "host_button", "H2_PWR_BTN", false, true, "the H2's power-button header" },
	{ "host_alive", "H2_PWR_LED", false, true, "the H2's power-LED header" },
};
#define PROBE_NGPIO_KEYS (sizeof(probe_gpio_keys) / sizeof(probe_gpio_keys[0]))

void probe_sensors_name(const struct probe_i2c_dev *d, char *buf, size_t len)
{
	const char *drv = d->kernel && d->driver[0] ? d->driver : probe_chip_name(d->id.chip);

	snprintf(buf, len, "%s-i2c-%d-%02x", drv, d->bus, d->addr);
}

static const struct probe_gpio_line *probe_line_named(const struct probe_result *r, const char *name)
{
	for (int i = 0; i < r->ngpio_lines; i++)
		if (strcmp(r->gpio_lines[i].name, name) == 0)
			return &r->gpio_lines[i];
	return NULL;
}

static bool probe_line_is_ours(const char *name)
{
	for (size_t k = 0; k < PROBE_NGPIO_KEYS; k++)
		if (strcmp(name, probe_gpio_keys[k].line) == 0)
			return true;
	return false;
}

/*
 * A placeholder for a required line the probe did not find by name: the
 * next free line of the chips seen, else gpiochip0:N.  *next walks on.
 */
static void probe_line_placeholder(const struct probe_result *r, int *next, char *buf, size_t len)
{
	while (*next < r->ngpio_lines) {
		const struct probe_gpio_line *l = &r->gpio_lines[(*next)++];

		if (!l->used && !probe_line_is_ours(l->name)) {
			snprintf(buf, len, "%s:%u", l->chip, l->offset);
			return;
		}
	}
	snprintf(buf, len, "gpiochip0:%d", (*next)++ - r->ngpio_lines);
}

static void probe_profile_gpio(const struct probe_result *r, FILE *f)
{
	bool controller = probe_line_named(r, "H2_PWR_BTN") && probe_line_named(r, "H2_PWR_LED");
	int next = 0;

	fprintf(f, "[power]\n");
	if (controller)
		fprintf(f, "; lines H2_PWR_BTN and H2_PWR_LED exist: this board drives the H2's headers\n");
	else
		fprintf(f, "# guess: no lines named H2_PWR_BTN and H2_PWR_LED: h2boxd runs on the H2 itself\n");
	fprintf(f, "topology = %s\n\n[gpio]\n", controller ? "controller" : "self");
	for (size_t k = 0; k < PROBE_NGPIO_KEYS; k++) {
		const struct probe_gpio_key *g = &probe_gpio_keys[k];
		const struct probe_gpio_line *l = probe_line_named(r, g->line);
		char ph[48];

		if (g->controller && !controller)
			continue;
		if (l) {
			fprintf(f, "; %s: line %s on %s offset %u%s%s\n", g->what, g->line, l->chip,
				l->offset, l->used ? ", in use by " : "", l->used ? l->consumer : "");
			fprintf(f, "%s = %s\n", g->key, g->line);
		} else if (g->required) {
			probe_line_placeholder(r, &next, ph, sizeof(ph));
			fprintf(f, "# guess: no line named %s: %s is a placeholder, name the line %s is wired to\n",
				g->line, ph, g->what);
			fprintf(f, "%s = %s\n", g->key, ph);
		} else {
			fprintf(f, "; no line named %s: %s is left unwired\n", g->line, g->what);
		}
		if (strcmp(g->key, "psu_on") == 0) {
			fprintf(f, "# guess: PS_ON# is active low and wants an open-drain output (ATX)\n");
			fprintf(f, "psu_on_active_low = yes\npsu_on_open_drain = yes\n");
		} else if (strcmp(g->key, "button") == 0) {
			fprintf(f, "# guess: the button shorts its line to GND and needs the pull-up\n");
			fprintf(f, "button_active_low = yes\nbutton_pull_up = yes\n");
		}
	}
	fputc('\n', f);
}

static bool probe_dev_is_ina(const struct probe_i2c_dev *d)
{
	return d->id.chip == PROBE_CHIP_INA219 || d->id.chip == PROBE_CHIP_INA226 ||
	       d->id.chip == PROBE_CHIP_INA260;
}

/* How the probe knows what a device is: an ID register, a heuristic, or the kernel's client. */
static void probe_dev_comment(const struct probe_i2c_dev *d, FILE *f)
{
	if (d->kernel && d->bound)
		fprintf(f, "; %s at %d/0x%02x: the kernel's %s driver owns it (not touched)\n",
			probe_chip_name(d->id.chip), d->bus, d->addr, d->driver);
	else if (d->id.guess)
		fprintf(f, "# guess: %s at %d/0x%02x: %s\n", probe_chip_name(d->id.chip), d->bus,
			d->addr, d->id.why);
	else
		fprintf(f, "; %s at %d/0x%02x: %s\n", probe_chip_name(d->id.chip), d->bus, d->addr,
			d->id.why);
}

/* A chip h2boxd reads through hwmon needs its kernel driver: say how to bind one. */
static void probe_dev_bind_hint(const struct probe_i2c_dev *d, FILE *f)
{
	if (d->kernel && d->bound)
		return;
	fprintf(f, "# guess: h2boxd reads it through the kernel's %s driver, not bound yet:\n"
		   "#   echo %s 0x%02x > /sys/bus/i2c/devices/i2c-%d/new_device\n",
		probe_chip_name(d->id.chip), probe_chip_name(d->id.chip), d->addr, d->bus);
}

static void probe_profile_monitors(const struct probe_result *r, FILE *f)
{
	int n = 0;

	for (int i = 0; i < r->ndevs; i++) {
		const struct probe_i2c_dev *d = &r->devs[i];
		char sn[80];

		if (!probe_dev_is_ina(d))
			continue;
		fprintf(f, "[monitor ina-%d-%02x]\n", d->bus, d->addr);
		probe_dev_comment(d, f);
		if (d->kernel && d->bound) {
			probe_sensors_name(d, sn, sizeof(sn));
			fprintf(f, "type = hwmon\nhwmon_chip = %s\n", sn);
		} else {
			fprintf(f, "type = %s\nbus = %d\naddress = 0x%02x\n", probe_chip_name(d->id.chip),
				d->bus, d->addr);
			if (d->id.chip != PROBE_CHIP_INA260) {
				fprintf(f, "# guess: a 2 mOhm shunt (the H2 build's); read the value off the board\n");
				fprintf(f, "shunt = 0.002\n");
			}
		}
		fprintf(f, "# guess: 8 A full scale (a 12 V rail of the H2 build)\nmax_current = 8\n");
		if (n == 0)
			fprintf(f, "# guess: the first monitor found feeds the power budget\nbudget = yes\n\n");
		else
			fprintf(f, "budget = no\n\n");
		n++;
	}
	if (n == 0)
		fprintf(f, "# guess: no INA219/INA226/INA260 on the scanned buses: add a [monitor NAME]\n"
			   "# section for the one on the 12 V rail (h2box probe --i2c-bus N)\n\n");
}

static const struct probe_i2c_dev *probe_first(const struct probe_result *r, enum probe_chip chip)
{
	for (int i = 0; i < r->ndevs; i++)
		if (r->devs[i].id.chip == chip)
			return &r->devs[i];
	return NULL;
}

/* The output the [fan] section drives: the first that pairs with its own tach, else the first. */
static const struct probe_fan *probe_fan_pick(const struct probe_result *r, const char *chip)
{
	const struct probe_fan *any = NULL;

	for (int i = 0; i < r->nfans; i++) {
		const struct probe_fan *fan = &r->fans[i];

		if (strcmp(fan->chip, chip) != 0)
			continue;
		if (fan->tested && fan->tach == fan->pwm)
			return fan;
		if (!any || (fan->tach && !any->tach))
			any = fan;
	}
	return any;
}

static void probe_profile_fan(const struct probe_result *r, FILE *f)
{
	const struct probe_i2c_dev *d = probe_first(r, PROBE_CHIP_EMC2305);
	const struct probe_fan *fan;
	char sn[80];

	fprintf(f, "[fan]\n");
	if (!d) {
		fprintf(f, "# guess: no fan controller on the scanned buses: fan control off\n"
			   "enabled = no\n\n");
		return;
	}
	probe_dev_comment(d, f);
	probe_dev_bind_hint(d, f);
	probe_sensors_name(d, sn, sizeof(sn));
	fprintf(f, "chip = %s\n", sn);
	fan = probe_fan_pick(r, sn);
	if (!fan || !fan->tested)
		fprintf(f, "# guess: PWM/tach pairs not tested (h2box probe --pwm-test): pwm%d and fan%d\n"
			   "# assumed to be the NIC fan's\n",
			fan ? fan->pwm : 1, fan ? fan->pwm : 1);
	else if (fan->tach == fan->pwm)
		fprintf(f, "; pwm%d drives the fan on fan%d: %s\n", fan->pwm, fan->tach, fan->why);
	else if (fan->tach)
		fprintf(f, "# guess: pwm%d's tach is fan%d (%s), but h2boxd watches fan%d_input:\n"
			   "# move the tach wire or expect stall alarms\n",
			fan->pwm, fan->tach, fan->why, fan->pwm);
	else
		fprintf(f, "# guess: no tach followed any PWM output (%s): pwm%d assumed\n", fan->why,
			fan->pwm);
	fprintf(f, "pwm = %d\n\n", fan ? fan->pwm : 1);
}

static void probe_profile_input(const struct probe_result *r, FILE *f)
{
	const struct probe_i2c_dev *d = probe_first(r, PROBE_CHIP_LM75);
	char sn[80];

	if (!d) {
		fprintf(f, "# guess: no LM75 on the scanned buses: [input nic] keeps its default (lm75-*)\n\n");
		return;
	}
	fprintf(f, "[input nic]\n");
	probe_dev_comment(d, f);
	probe_dev_bind_hint(d, f);
	probe_sensors_name(d, sn, sizeof(sn));
	fprintf(f, "# guess: this LM75 is the one on the NIC heatsink\nchip = %s\nlabel = temp1\n\n", sn);
}

/* The RDMA device to watch: one on a Mellanox PCI function first, else the first. */
static const struct probe_ib_dev *probe_ib_pick(const struct probe_result *r)
{
	for (int i = 0; i < r->nib; i++)
		for (int c = 0; c < r->npci; c++)
			if (r->ib[i].slot[0] && strcmp(r->ib[i].slot, r->pci[c].slot) == 0)
				return &r->ib[i];
	return r->nib ? &r->ib[0] : NULL;
}

static void probe_profile_ib(const struct probe_result *r, FILE *f)
{
	const struct probe_ib_dev *ib = probe_ib_pick(r);

	if (!ib) {
		if (r->npci)
			fprintf(f, "# guess: ConnectX card at %s (15b3:%04x) has no RDMA device: load\n"
				   "# mlx4_ib (ConnectX-2/3) and add an [ib] section\n\n",
				r->pci[0].slot, r->pci[0].device);
		else
			fprintf(f, "; no ConnectX card (PCI vendor 15b3) and no RDMA device: no [ib] section\n\n");
		return;
	}
	fprintf(f, "[ib]\n");
	if (ib->slot[0])
		fprintf(f, "; %s is the card at %s, %d port(s)\n", ib->name, ib->slot, ib->ports);
	else
		fprintf(f, "# guess: %s is not on PCI (a soft RDMA device such as rxe): no ConnectX\n"
			   "# card was found\n",
			ib->name);
	fprintf(f, "device = %s\n", ib->name);
	if (ib->active_ports) {
		fprintf(f, "; the ports that are ACTIVE now\nports = ");
		for (int p = 1, first = 1; p < 31; p++)
			if (ib->active_ports & (1 << p)) {
				fprintf(f, "%s%d", first ? "" : ",", p);
				first = 0;
			}
		fputc('\n', f);
	} else {
		fprintf(f, "# guess: no port is ACTIVE now: watch them all\nports = all\n");
	}
	fputc('\n', f);
}

static void probe_profile_header(const struct probe_result *r, FILE *f)
{
	fprintf(f, "; h2box.conf written by `h2box probe`%s.\n"
		   "; Lines starting with '# guess:' mark what the probe could not see for itself:\n"
		   "; check each, then run `h2boxd -n -c FILE`.  See h2box.conf(5).\n",
		r->pwm_tested ? " --pwm-test" : "");
	fprintf(f, "; scanned I2C buses:");
	for (int i = 0; i < r->nbuses; i++) {
		fprintf(f, " %d", r->buses[i].bus);
		if (r->buses[i].err)
			fprintf(f, " (%s)", strerror(-r->buses[i].err));
	}
	fprintf(f, "%s\n\n", r->nbuses ? "" : " none (name them with --i2c-bus N)");
	fprintf(f, "[daemon]\nbackend = linux\nname = h2box (probed)\n\n");
}

int probe_profile_write(const struct probe_result *r, FILE *f)
{
	probe_profile_header(r, f);
	probe_profile_gpio(r, f);
	probe_profile_monitors(r, f);
	probe_profile_fan(r, f);
	probe_profile_input(r, f);
	probe_profile_ib(r, f);
	return ferror(f) ? -EIO : 0;
}

void probe_json(const struct probe_result *r, struct json *j)
{
	char addr[8], sn[80];

	json_object_begin(j, "gpio");
	json_array_begin(j, "chips");
	for (int i = 0; i < r->ngpio_chips; i++) {
		json_object_begin(j, NULL);
		json_string(j, "name", r->gpio_chips[i].name);
		json_string(j, "label", r->gpio_chips[i].label);
		json_int(j, "lines", r->gpio_chips[i].lines);
		json_object_end(j);
	}
	json_array_end(j);
	json_array_begin(j, "lines");
	for (int i = 0; i < r->ngpio_lines; i++) {
		const struct probe_gpio_line *l = &r->gpio_lines[i];

		json_object_begin(j, NULL);
		json_string(j, "chip", l->chip);
		json_int(j, "offset", l->offset);
		json_string(j, "name", l->name[0] ? l->name : NULL);
		json_bool(j, "used", l->used);
		json_string(j, "consumer", l->consumer[0] ? l->consumer : NULL);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
	json_object_begin(j, "i2c");
	json_array_begin(j, "buses");
	for (int i = 0; i < r->nbuses; i++) {
		json_object_begin(j, NULL);
		json_int(j, "bus", r->buses[i].bus);
		json_string(j, "error", r->buses[i].err ? strerror(-r->buses[i].err) : NULL);
		json_object_end(j);
	}
	json_array_end(j);
	json_array_begin(j, "devices");
	for (int i = 0; i < r->ndevs; i++) {
		const struct probe_i2c_dev *d = &r->devs[i];

		snprintf(addr, sizeof(addr), "0x%02x", d->addr);
		probe_sensors_name(d, sn, sizeof(sn));
		json_object_begin(j, NULL);
		json_int(j, "bus", d->bus);
		json_string(j, "address", addr);
		json_string(j, "chip", probe_chip_name(d->id.chip));
		if (d->id.channels)
			json_int(j, "channels", d->id.channels);
		json_bool(j, "kernel_driver", d->kernel && d->bound);
		json_string(j, "driver", d->kernel ? d->driver : NULL);
		json_string(j, "sensors_name", sn);
		json_bool(j, "guess", d->id.guess);
		json_string(j, "why", d->id.why);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
	json_array_begin(j, "pci");
	for (int i = 0; i < r->npci; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%04x:%04x", r->pci[i].vendor, r->pci[i].device);
		json_object_begin(j, NULL);
		json_string(j, "slot", r->pci[i].slot);
		json_string(j, "id", id);
		json_object_end(j);
	}
	json_array_end(j);
	json_array_begin(j, "ib");
	for (int i = 0; i < r->nib; i++) {
		json_object_begin(j, NULL);
		json_string(j, "device", r->ib[i].name);
		json_string(j, "slot", r->ib[i].slot[0] ? r->ib[i].slot : NULL);
		json_int(j, "ports", r->ib[i].ports);
		json_array_begin(j, "active_ports");
		for (int p = 1; p < 31; p++)
			if (r->ib[i].active_ports & (1 << p))
				json_int(j, NULL, p);
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_bool(j, "pwm_tested", r->pwm_tested);
	json_array_begin(j, "fans");
	for (int i = 0; i < r->nfans; i++) {
		const struct probe_fan *fan = &r->fans[i];

		json_object_begin(j, NULL);
		json_string(j, "chip", fan->chip);
		json_int(j, "pwm", fan->pwm);
		json_bool(j, "tested", fan->tested);
		if (fan->tach)
			json_int(j, "tach", fan->tach);
		else
			json_null(j, "tach");
		json_string(j, "why", fan->why[0] ? fan->why : NULL);
		json_object_end(j);
	}
	json_array_end(j);
}

void probe_text(const struct probe_result *r, FILE *f)
{
	char sn[80];

	fprintf(f, "GPIO: %d chip(s)%s\n", r->ngpio_chips,
		r->gpio_err ? " (listing failed)" : "");
	for (int i = 0; i < r->ngpio_chips; i++)
		fprintf(f, "  %s [%s] %d lines\n", r->gpio_chips[i].name, r->gpio_chips[i].label,
			r->gpio_chips[i].lines);
	for (int i = 0; i < r->ngpio_lines; i++)
		if (r->gpio_lines[i].name[0])
			fprintf(f, "    %s:%u %s%s%s\n", r->gpio_lines[i].chip, r->gpio_lines[i].offset,
				r->gpio_lines[i].name, r->gpio_lines[i].used ? " used by " : "",
				r->gpio_lines[i].used ? r->gpio_lines[i].consumer : "");
	for (int i = 0; i < r->nbuses; i++)
		fprintf(f, "I2C bus %d%s%s\n", r->buses[i].bus, r->buses[i].err ? ": " : "",
			r->buses[i].err ? strerror(-r->buses[i].err) : "");
	for (int i = 0; i < r->ndevs; i++) {
		const struct probe_i2c_dev *d = &r->devs[i];

		probe_sensors_name(d, sn, sizeof(sn));
		if (d->kernel && d->bound)
			fprintf(f, "  0x%02x %s: kernel driver %s bound (%s)\n", d->addr,
				probe_chip_name(d->id.chip), d->driver, sn);
		else
			fprintf(f, "  0x%02x %s%s: %s\n", d->addr, probe_chip_name(d->id.chip),
				d->id.guess ? " (guess)" : "", d->id.why);
	}
	for (int i = 0; i < r->npci; i++)
		fprintf(f, "PCI %s %04x:%04x (Mellanox)\n", r->pci[i].slot, r->pci[i].vendor,
			r->pci[i].device);
	for (int i = 0; i < r->nib; i++)
		fprintf(f, "RDMA %s%s%s, %d port(s)\n", r->ib[i].name, r->ib[i].slot[0] ? " at " : "",
			r->ib[i].slot, r->ib[i].ports);
	for (int i = 0; i < r->nfans; i++)
		fprintf(f, "fan %s pwm%d -> %s%.0d%s%s\n", r->fans[i].chip, r->fans[i].pwm,
			r->fans[i].tach ? "fan" : (r->fans[i].tested ? "no tach" : "not tested"),
			r->fans[i].tach, r->fans[i].why[0] ? ": " : "", r->fans[i].why);
}
