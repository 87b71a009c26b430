/* daemon.h - h2boxd's runtime: profile, backends, services, sd_notify, reload and shutdown. */
#ifndef H2BOX_DAEMON_H
#define H2BOX_DAEMON_H

#include <stdbool.h>

struct daemon_options {
	const char *config;      /* NULL: /etc/h2box/h2box.conf, else the built-in sim profile */
	const char *socket;      /* overrides the profile and H2BOX_SOCKET */
	const char *admin_group; /* who may change the box besides root (name or gid; default h2box) */
	bool force_sim;          /* --sim */
	bool status_line;        /* --status-line: a live one-line status on stdout */
	bool verbose;
	double sim_speed;        /* --sim-speed, < 0 = from the profile */
	const char *state_dir;   /* --state-dir: overrides the profile's [daemon] state_dir */
	const char *argv0;       /* how h2boxd was started: names the client in the welcome */
};

/* The profile h2boxd uses when none is named (after /etc/h2box/h2box.conf). */
extern const char h2box_default_profile[];
extern const char h2box_default_profile_name[];

/* Resolve which profile file to use; NULL means the built-in default. */
const char *daemon_profile_path(const struct daemon_options *o);
/* The systemd-shutdown hook's one-shot: release PS_ON as the very last step. */
int daemon_release_psu(const struct daemon_options *o);
/*
 * h2boxd --i2c-instantiate: create the profile's absent I2C devices and exit (the unit runs it
 * as root before each start: new_device is root's).  1 when one could not be created.
 */
int daemon_i2c_instantiate(const struct daemon_options *o);
/* Run until SIGTERM/SIGINT; returns the process exit status. */
int daemon_run(const struct daemon_options *o);

#endif
