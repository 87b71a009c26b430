/* ib-probe.c - one RDMA device's link as the probe sees it: port rate, PCIe link, the verdict. */
#include "supervisor/report/ib-probe.h"

#include "drivers/ib_port.h"
#include "hw/pci.h"

#include <errno.h>
#include <math.h>
#include <string.h>

void ib_probe_pcie_read(struct hw *hw, const char *dev, struct ib_probe_pcie *p)
{
	memset(p, 0, sizeof(*p));
	p->slot_r = hw_ib_device_pci_slot(hw, dev, p->slot, sizeof(p->slot));
	p->parse_r = -ENODEV;
	p->config_r = -ENODEV;
	if (p->slot_r < 0) {
		p->slot[0] = '\0';
		return;
	}
	p->parse_r = nic_pcie_read(hw, p->slot, &p->info);
	p->config_r = p->parse_r;
	if (p->parse_r == 0 || p->parse_r == -ENODATA)
		p->model = nic_pcie_model_lookup(p->info.vendor, p->info.device);
	if (p->parse_r != 0) {
		struct hw_pci_link l;

		if (hw_pci_link_read(hw, p->slot, &l) == 0 && l.cur_speed > 0 && l.cur_width > 0) {
			p->info.lnksta_speed = l.cur_speed;
			p->info.lnksta_width = l.cur_width;
			p->info.lnkcap_speed = l.max_speed;
			p->info.lnkcap_width = l.max_width;
			p->info.devctl_mps = 0;
			p->info.devcap_mps = 0;
			p->info.devctl_mrrs = 0;
			p->link_from_sysfs = true;
			p->parse_r = 0;
		}
	}
}

bool ib_probe_pcie_link(const struct ib_probe_pcie *p, struct linkmath_pcie_link *l)
{
	if (p->parse_r != 0)
		return false;
	l->cap_speed = p->info.lnkcap_speed;
	l->cap_width = p->info.lnkcap_width;
	l->sta_speed = p->info.lnksta_speed;
	l->sta_width = p->info.lnksta_width;
	l->mps = p->info.devctl_mps;
	return true;
}

void ib_probe_port_verdict(const struct hw_ib_port_attr *a, const struct ib_probe_pcie *p,
			   bool narrow_expected, struct linkmath_rate *rate, bool *rate_ok,
			   struct linkmath_verdict *v)
{
	struct linkmath_pcie_link l;
	bool have_pcie = ib_probe_pcie_link(p, &l);

	/* a port that is not up has no meaningful width/speed (4X SDR while polling) */
	*rate_ok = (a->phys_state == HW_IB_PORT_PHYS_LINK_UP ||
		    a->state == HW_IB_PORT_STATE_ACTIVE) &&
		   linkmath_port_rate((enum linkmath_layer)a->link_layer, a->active_width,
				      a->active_speed, rate) == 0;
	linkmath_assess(*rate_ok ? rate : NULL, have_pcie ? &l : NULL, narrow_expected, v);
}

double ib_probe_ceiling_gbps(struct hw *hw, const char *dev, int port)
{
	struct hw_ib_port_attr a;
	struct ib_probe_pcie p;
	struct linkmath_rate rate;
	struct linkmath_verdict v;
	bool rate_ok;

	if (hw_ib_port_query(hw, dev, port, &a) < 0)
		return NAN;
	ib_probe_pcie_read(hw, dev, &p);
	ib_probe_port_verdict(&a, &p, false, &rate, &rate_ok, &v);
	return v.ceiling_gbps;
}
