/* ib-probe.h - one RDMA device's link as the probe sees it: port rate, PCIe link, the verdict. */
#ifndef H2BOX_IB_PROBE_H
#define H2BOX_IB_PROBE_H

#include <stdbool.h>

#include "drivers/nic_pcie.h"
#include "hw/ib.h"
#include "supervisor/policy/linkmath.h"

struct hw;

/* The PCIe side of a device: slot, config space, model. */
struct ib_probe_pcie {
	char slot[32];
	int slot_r;  /* hw_ib_device_pci_slot() result */
	int parse_r; /* nic_pcie_read() result; 0 when the link registers are known */
	int config_r; /* what config space alone gave (parse_r before the sysfs fallback) */
	bool link_from_sysfs; /* width/speed from sysfs: payload size (devctl_mps) unknown, 0 */
	struct nic_pcie_info info;
	const struct nic_pcie_model *model;
};

/*
 * Config space first (it has the payload size); when that stops short (64
 * bytes without CAP_SYS_ADMIN, as under the sandboxed unit) the link's width
 * and speed come from sysfs (hw_pci_link_read) and the payload stays unknown.
 */
void ib_probe_pcie_read(struct hw *hw, const char *dev, struct ib_probe_pcie *p);
/* The link registers as linkmath takes them; false when they are unknown. */
bool ib_probe_pcie_link(const struct ib_probe_pcie *p, struct linkmath_pcie_link *l);
/* Port rate (rate_ok: the port is up and its rate known) and the verdict over both links. */
void ib_probe_port_verdict(const struct hw_ib_port_attr *a, const struct ib_probe_pcie *p,
			   bool narrow_expected, struct linkmath_rate *rate, bool *rate_ok,
			   struct linkmath_verdict *v);
/*
 * The expected ceiling of one direction of dev:port (the slower of the port's
 * data rate and the PCIe payload rate), in Gb/s; NAN when neither is known.
 */
double ib_probe_ceiling_gbps(struct hw *hw, const char *dev, int port);

#endif
