/* logind.h - ask systemd-logind to power the machine off (self topology). */
#ifndef H2BOX_LOGIND_H
#define H2BOX_LOGIND_H

#include <stddef.h>

/*
 * Call org.freedesktop.login1.Manager.PowerOff(interactive=false) on the
 * system bus.  The call returns once logind has queued the shutdown job; the
 * daemon then receives SIGTERM like every other service.  0 or -errno, with
 * the D-Bus error message in err (may be NULL).
 */
int logind_power_off(char *err, size_t errlen);

#endif
