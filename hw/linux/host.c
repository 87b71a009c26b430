/* host.c - the linux host backend: systemd-logind's PowerOff over the system bus (sd-bus). */
#include "hw/linux/linux.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

/* logind answers at once; a stuck bus must not stall the daemon for sd-bus's default 25 s. */
#define LOGIND_TIMEOUT_USEC (5ULL * 1000000ULL)

static int linux_host_poweroff(struct hw *hw, char *err, size_t errlen)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus *bus = NULL;
	int r;

	(void)hw;
	r = sd_bus_open_system(&bus);
	if (r < 0) {
		snprintf(err, errlen, "logind PowerOff: cannot connect to the system bus: %s",
			 strerror(-r));
		return r;
	}
	r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.login1",
					   "/org/freedesktop/login1",
					   "org.freedesktop.login1.Manager", "PowerOff");
	if (r < 0)
		goto out;
	/* interactive=false: never wait for a polkit prompt, we are a daemon. */
	r = sd_bus_message_append(m, "b", 0);
	if (r < 0)
		goto out;
	r = sd_bus_call(bus, m, LOGIND_TIMEOUT_USEC, &error, &reply);
out:
	if (r < 0)
		snprintf(err, errlen, "logind PowerOff: %s",
			 error.message ? error.message : strerror(-r));
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? r : 0;
}

/* h2boxd runs on this machine, so its OS is up */
static bool linux_host_os_up(struct hw *hw)
{
	return true;
}

const struct hw_host_ops hw_host_linux_ops = {
	.poweroff = linux_host_poweroff,
	.os_up = linux_host_os_up,
};
