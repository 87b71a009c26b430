/* host.h - the machine h2boxd runs on: asking its own OS to power off. */
#ifndef H2BOX_HW_HOST_H
#define H2BOX_HW_HOST_H

#include <stdbool.h>
#include <stddef.h>

struct hw;

/*
 * Ask the OS of the machine this daemon runs on to shut down and power off
 * (self topology: the H2 is that machine).  Linux: systemd-logind's
 * org.freedesktop.login1.Manager.PowerOff(interactive=false) on the system
 * bus (DBUS_SYSTEM_BUS_ADDRESS is honoured); the call returns once logind
 * has queued the shutdown job, and the daemon then gets SIGTERM like every
 * other service.  Sim: the plant's H2 starts its ACPI shutdown.
 * 0 or -errno, with the reason in err ("" on success; err may be NULL).
 */
int hw_host_poweroff(struct hw *hw, char *err, size_t errlen);

/*
 * Is the OS of the machine this daemon runs on up?  Linux: always (the daemon
 * runs on it).  Sim: the plant's H2 is on and done booting; the simulated
 * h2boxd watches a dark or booting H2 and acts only once its OS is up, as a
 * daemon started at the H2's boot would.
 */
bool hw_host_os_up(struct hw *hw);

/*
 * The GPIO line showing the power LED of the machine this daemon runs on, where the backend
 * watches that machine from outside; NULL otherwise.  Linux: NULL (the daemon runs on it, so
 * never sees it dark).  Sim: the plant's H2 power LED, which the self topology watches to see
 * the OS finish shutting down (when the shutdown hook releases PS_ON) and to stand for a
 * daemon that is not running yet while the H2 is dark or booting.
 */
const char *hw_host_alive_line(struct hw *hw);

#endif
