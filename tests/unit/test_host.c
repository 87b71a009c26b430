/* test_host.c - the host's power-off: the sim backend, and the linux one on a private D-Bus. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "hw/host.h"
#include "hw/hw.h"
#include "hw/sim/plant.h"
#include "sim-box.h"

extern char **environ;

/* ---- sim backend ---- */

static void test_sim_poweroff_stops_the_plant_host(void **state)
{
	struct sim_box b;
	struct sim_plant_truth t;
	char err[128] = "x";

	(void)state;
	assert_int_equal(sim_box_open(&b, SIM_BOX_BOOTED), 0);
	sim_plant_truth_get(b.plant, &t);
	assert_true(t.host_on);
	assert_false(t.host_stopping);
	assert_int_equal(hw_host_poweroff(b.hw, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	sim_plant_truth_get(b.plant, &t);
	assert_true(t.host_stopping);
	/* the ACPI shutdown runs its course: the H2's LED goes dark */
	sim_plant_advance_to(b.plant, sim_plant_now(b.plant) + 60000000000LL);
	sim_plant_truth_get(b.plant, &t);
	assert_false(t.host_on);
	assert_int_equal(sim_plant_line_get(b.plant, SIM_LINE_H2_PWR_LED), 0);
	/* an OS that is not running cannot be asked: the error says so */
	assert_int_equal(hw_host_poweroff(b.hw, err, sizeof(err)), -EALREADY);
	assert_non_null(strstr(err, "not running"));
	sim_box_close(&b);
}

/* ---- linux backend: a private bus and a logind stand-in ---- */

enum stub_mode {
	STUB_ACCEPT, /* PowerOff succeeds */
	STUB_DENY,   /* PowerOff answers AccessDenied, as logind does without polkit rights */
};

struct bus_fixture {
	char dir[64];
	char address[256];
	pid_t daemon, stub;
	int record_fd; /* the stand-in writes one line per call it received */
	char old_env[256];
	bool had_env;
};

/* Read one line from fd within about 10 s; 0 or -1. */
static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, 1);

		if (r <= 0)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

struct stub_ctx {
	int out;
	enum stub_mode mode;
	bool done;
};

static int stub_poweroff(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct stub_ctx *c = userdata;
	int interactive = -1, r;

	r = sd_bus_message_read(m, "b", &interactive);
	dprintf(c->out, "PowerOff sig=%s interactive=%d\n", sd_bus_message_get_signature(m, 1),
		r < 0 ? -1 : interactive);
	c->done = true;
	if (c->mode == STUB_DENY)
		return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
					"Interactive authentication required.");
	return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable stub_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("PowerOff", "b", "", stub_poweroff, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

/* The child: own org.freedesktop.login1, say "ready", serve until one call came. */
static void stub_run(const char *address, int out, enum stub_mode mode)
{
	struct stub_ctx c = { .out = out, .mode = mode };
	sd_bus *bus = NULL;
	int r;

	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, address);
	if (r >= 0)
		r = sd_bus_set_bus_client(bus, 1);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/login1",
					     "org.freedesktop.login1.Manager", stub_vtable, &c);
	if (r >= 0)
		r = sd_bus_request_name(bus, "org.freedesktop.login1", 0);
	if (r < 0) {
		dprintf(out, "stub failed: %s\n", strerror(-r));
		_exit(1);
	}
	dprintf(out, "ready\n");
	while (!c.done) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			_exit(1);
		if (r == 0 && sd_bus_wait(bus, 10000000) < 0)
			_exit(1);
	}
	sd_bus_flush(bus);
	sd_bus_flush_close_unref(bus);
	_exit(0);
}

static int bus_up(struct bus_fixture *f, enum stub_mode mode)
{
	posix_spawn_file_actions_t fa;
	char addr_arg[128], line[256], dir[sizeof(f->dir)];
	char *argv[] = { "dbus-daemon", "--session", "--nofork", "--nopidfile", addr_arg,
			 "--print-address=3", NULL };
	int p[2], q[2], r;
	const char *old = getenv("DBUS_SYSTEM_BUS_ADDRESS");

	memset(f, 0, sizeof(*f));
	f->daemon = f->stub = -1;
	f->record_fd = -1;
	f->had_env = old != NULL;
	if (old)
		snprintf(f->old_env, sizeof(f->old_env), "%s", old);
	snprintf(dir, sizeof(dir), "/tmp/h2box-host-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	memcpy(f->dir, dir, sizeof(dir));
	snprintf(addr_arg, sizeof(addr_arg), "--address=unix:path=%s/bus", f->dir);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 3);
	/* it complains that an unprivileged user cannot raise its fd limit: not our business */
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&f->daemon, "dbus-daemon", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		print_error("cannot run dbus-daemon: %s (package dbus-daemon)\n", strerror(r));
		f->daemon = -1;
		close(p[0]);
		return -1;
	}
	/* the daemon prints its address once it listens: that is the readiness */
	r = read_line(p[0], line, sizeof(line));
	close(p[0]);
	if (r < 0 || strncmp(line, "unix:", 5) != 0)
		return -1;
	snprintf(f->address, sizeof(f->address), "%s", line);

	if (pipe2(q, O_CLOEXEC) < 0)
		return -1;
	f->stub = fork();
	if (f->stub < 0)
		return -1;
	if (f->stub == 0) {
		close(q[0]);
		stub_run(f->address, q[1], mode);
	}
	close(q[1]);
	f->record_fd = q[0];
	if (read_line(f->record_fd, line, sizeof(line)) < 0 || strcmp(line, "ready") != 0) {
		print_error("logind stand-in: %s\n", line);
		return -1;
	}
	setenv("DBUS_SYSTEM_BUS_ADDRESS", f->address, 1);
	return 0;
}

static void bus_down(struct bus_fixture *f)
{
	char path[128];

	if (f->stub > 0) {
		kill(f->stub, SIGTERM);
		waitpid(f->stub, NULL, 0);
	}
	if (f->daemon > 0) {
		kill(f->daemon, SIGTERM);
		waitpid(f->daemon, NULL, 0);
	}
	if (f->record_fd >= 0)
		close(f->record_fd);
	snprintf(path, sizeof(path), "%s/bus", f->dir);
	unlink(path);
	if (f->dir[0])
		rmdir(f->dir);
	if (f->had_env)
		setenv("DBUS_SYSTEM_BUS_ADDRESS", f->old_env, 1);
	else
		unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

/* Fixtures: the teardown runs even when a check fails, so no bus outlives the test. */
static int bus_setup(void **state, enum stub_mode mode)
{
	static struct bus_fixture f;

	*state = &f;
	return bus_up(&f, mode);
}

static int bus_setup_accept(void **state)
{
	return bus_setup(state, STUB_ACCEPT);
}

static int bus_setup_deny(void **state)
{
	return bus_setup(state, STUB_DENY);
}

static int bus_teardown(void **state)
{
	bus_down(*state);
	return 0;
}

static void test_linux_poweroff_calls_logind(void **state)
{
	struct bus_fixture *f = *state;
	struct hw *hw = NULL;
	char err[160] = "x", rec[128];
	int r;

	assert_int_equal(hw_linux_new(&hw), 0);
	r = hw_host_poweroff(hw, err, sizeof(err));
	hw_free(hw);
	assert_int_equal(r, 0);
	assert_string_equal(err, "");
	/* logind got exactly PowerOff(b interactive=false): no polkit prompt from a daemon */
	assert_int_equal(read_line(f->record_fd, rec, sizeof(rec)), 0);
	assert_string_equal(rec, "PowerOff sig=b interactive=0");
}

static void test_linux_poweroff_reports_logind_refusal(void **state)
{
	struct bus_fixture *f = *state;
	struct hw *hw = NULL;
	char err[160] = "", rec[128];
	int r;

	assert_int_equal(hw_linux_new(&hw), 0);
	r = hw_host_poweroff(hw, err, sizeof(err));
	hw_free(hw);
	assert_int_equal(r, -EACCES);
	assert_non_null(strstr(err, "logind PowerOff: Interactive authentication required"));
	assert_int_equal(read_line(f->record_fd, rec, sizeof(rec)), 0);
	assert_string_equal(rec, "PowerOff sig=b interactive=0");
}

static void test_linux_poweroff_without_a_bus(void **state)
{
	struct hw *hw = NULL;
	char err[160] = "";

	(void)state;
	setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/h2box-no-bus", 1);
	assert_int_equal(hw_linux_new(&hw), 0);
	assert_true(hw_host_poweroff(hw, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "system bus"));
	hw_free(hw);
	unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_poweroff_stops_the_plant_host),
		cmocka_unit_test_setup_teardown(test_linux_poweroff_calls_logind, bus_setup_accept,
						bus_teardown),
		cmocka_unit_test_setup_teardown(test_linux_poweroff_reports_logind_refusal,
						bus_setup_deny, bus_teardown),
		cmocka_unit_test(test_linux_poweroff_without_a_bus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
