/* ib_preflight.h - the checks before an IB bench or in `ib link`: subnet manager, VPI port type, memlock. */
#ifndef H2BOX_IB_PREFLIGHT_H
#define H2BOX_IB_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/ib.h"
#include "hw/verbs.h"

/*
 * Pure rules over what the hw interfaces answered, each with the sentence a
 * user acts on.  They are the one copy used by the benchmark (before it
 * registers anything), `h2box ib link` and `h2box ib selftest`.
 */
enum ib_preflight_level {
	IB_PREFLIGHT_OK,
	IB_PREFLIGHT_WARN,
	IB_PREFLIGHT_FAIL,
	IB_PREFLIGHT_LEVEL_COUNT
};
const char *ib_preflight_level_name(enum ib_preflight_level l); /* "ok", "warn", "fail" */

/* The hint of the subnet-manager rule; every no-SM message starts with it. */
#define IB_PREFLIGHT_NO_SM "no subnet manager: run opensm"

/*
 * The subnet-manager rule: an InfiniBand port (not RoCE) that has left DOWN
 * and has sm_lid == 0 or is in state INIT has no subnet manager.  Only a
 * subnet manager assigns LIDs and moves ports past INIT; a DOWN port has no
 * link to configure (its hint is the cable), a RoCE port never has one.
 */
bool ib_preflight_no_sm(const struct hw_ib_port_attr *a);
/* The whole no-SM sentence (starts with IB_PREFLIGHT_NO_SM). */
const char *ib_preflight_no_sm_hint(void);

/*
 * A port of a VPI card (mlx4: ConnectX-2/3 run either protocol per port)
 * whose link layer is Ethernet: writes how to set it to InfiniBand, with the
 * card's PCI address (slot, "" when unknown) and the port, into hint and
 * returns true; false (hint untouched) when the rule does not apply.
 */
bool ib_preflight_vpi_ethernet(const struct hw_ib_port_attr *a, bool vpi, const char *slot,
			       int port, char *hint, size_t len);
/* Whether dev is a VPI (mlx4) device: its PCI driver, else the kernel's name "mlx4_N". */
bool ib_preflight_is_vpi(const char *dev, const char *pci_driver);

/*
 * Bytes a process pins to register `endpoints` buffers of buf_len bytes, with
 * the queues and completion rings the provider registers for each (a bound,
 * not the exact figure).
 */
uint64_t ib_preflight_memlock_need(size_t buf_len, int endpoints);
/*
 * RLIMIT_MEMLOCK against need: OK when the limit does not apply or holds
 * need, else FAIL with the limit needed (rounded up to MiB) and how to raise
 * it (LimitMEMLOCK= in the unit, `ulimit -l`, or root) in hint.
 */
enum ib_preflight_level ib_preflight_memlock(uint64_t need, const struct hw_verbs_memlock *m,
					     char *hint, size_t len);

#endif
