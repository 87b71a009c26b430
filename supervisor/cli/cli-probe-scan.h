/* cli-probe-scan.h - what `h2box probe` reads from the box: GPIO, I2C, PCI/RDMA, and the PWM step. */
#ifndef H2BOX_CLI_PROBE_SCAN_H
#define H2BOX_CLI_PROBE_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "supervisor/report/probe.h"

struct hw;

/* Waits ns of real time; true when the user asked to stop (Ctrl-C) meanwhile. */
typedef bool (*cli_probe_wait_fn)(void *userdata, int64_t ns);

/* GPIO chips and lines, the named I2C buses (read-only), Mellanox PCI functions, RDMA devices. */
void cli_probe_scan(struct hw *hw, const int *buses, int nbuses, struct probe_result *r);
/* The PWM outputs of the fan chips a kernel driver owns (r->fans), untested. */
void cli_probe_fans_list(struct hw *hw, struct probe_result *r);
/*
 * Step each output in r->fans to full and to a quarter duty, settle_ns
 * each, reading every tach of its chip, and pair it with the tach that
 * followed (probe_pair_decide).  Every output is restored to its value
 * (and pwmN_enable) before returning, also when wait reports a stop.
 * 0, -EINTR when stopped, or the first write's -errno.
 */
int cli_probe_pwm_test(struct hw *hw, struct probe_result *r, int64_t settle_ns,
		       cli_probe_wait_fn wait, void *userdata);

#endif
