/* ib_preflight.c - pre-flight rules for an IB port and a bench, and the hints that go with them. */
#include "drivers/ib_preflight.h"

#include <stdio.h>
#include <string.h>

/* Per endpoint: CQ and QP rings, doorbell pages (mlx4 needs about 100 KiB at a 128-deep queue). */
#define IB_PREFLIGHT_QUEUE_BYTES (256u << 10)
#define IB_PREFLIGHT_PAGE	 4096u
#define IB_PREFLIGHT_MIB	 (1024u * 1024u)

static const char *const ib_preflight_level_names[] = {
	[IB_PREFLIGHT_OK] = "ok",
	[IB_PREFLIGHT_WARN] = "warn",
	[IB_PREFLIGHT_FAIL] = "fail",
};
_Static_assert(sizeof(ib_preflight_level_names) / sizeof(ib_preflight_level_names[0]) ==
		       IB_PREFLIGHT_LEVEL_COUNT,
	       "one name per pre-flight level");

const char *ib_preflight_level_name(enum ib_preflight_level l)
{
	return (unsigned)l < IB_PREFLIGHT_LEVEL_COUNT ? ib_preflight_level_names[l] : "unknown";
}

bool ib_preflight_no_sm(const struct hw_ib_port_attr *a)
{
	if (a->link_layer == HW_IB_PORT_LINK_LAYER_ETHERNET)
		return false;
	if (a->state < HW_IB_PORT_STATE_INIT)
		return false;
	return a->sm_lid == 0 || a->state == HW_IB_PORT_STATE_INIT;
}

const char *ib_preflight_no_sm_hint(void)
{
	return IB_PREFLIGHT_NO_SM " on one host of the fabric (`systemctl enable --now opensm`;"
				  " two cards cabled back to back need one too)";
}

bool ib_preflight_is_vpi(const char *dev, const char *pci_driver)
{
	if (pci_driver)
		return strcmp(pci_driver, "mlx4_core") == 0;
	return dev && strncmp(dev, "mlx4_", 5) == 0;
}

bool ib_preflight_vpi_ethernet(const struct hw_ib_port_attr *a, bool vpi, const char *slot,
			       int port, char *hint, size_t len)
{
	const char *bdf = slot && *slot ? slot : "<bdf>";

	if (!vpi || a->link_layer != HW_IB_PORT_LINK_LAYER_ETHERNET)
		return false;
	/* mlx4_core: port_type_array 1 = IB, 2 = Ethernet; mlx4_portN takes "ib", "eth", "auto" */
	snprintf(hint, len,
		 "port %d of this VPI card runs Ethernet: set it to InfiniBand with"
		 " `echo ib > /sys/bus/pci/devices/%s/mlx4_port%d` (now, as root), and for every"
		 " boot `options mlx4_core port_type_array=1,1` in /etc/modprobe.d/mlx4.conf"
		 " (both ports IB; then update-initramfs -u)%s",
		 port, bdf, port,
		 slot && *slot ? "" : " (<bdf>: the card's PCI address, `lspci -d 15b3:`)");
	return true;
}

uint64_t ib_preflight_memlock_need(size_t buf_len, int endpoints)
{
	/* a buffer that does not start on a page pins one more */
	uint64_t pages = ((uint64_t)buf_len + IB_PREFLIGHT_PAGE - 1) / IB_PREFLIGHT_PAGE + 1;

	if (endpoints < 1)
		endpoints = 1;
	return (uint64_t)endpoints * (pages * IB_PREFLIGHT_PAGE + IB_PREFLIGHT_QUEUE_BYTES);
}

enum ib_preflight_level ib_preflight_memlock(uint64_t need, const struct hw_verbs_memlock *m,
					     char *hint, size_t len)
{
	uint64_t mib = (need + IB_PREFLIGHT_MIB - 1) / IB_PREFLIGHT_MIB;

	if (len)
		hint[0] = '\0';
	if (m->cap_ipc_lock || m->limit == UINT64_MAX || m->limit >= need)
		return IB_PREFLIGHT_OK;
	snprintf(hint, len,
		 "RDMA buffers need %llu KiB locked but RLIMIT_MEMLOCK is %llu KiB: raise it to at"
		 " least %llu MiB: LimitMEMLOCK=%lluM in h2boxd.service (`systemctl edit h2boxd`),"
		 " `ulimit -l %llu` in the shell for `--local` (or memlock in"
		 " /etc/security/limits.conf), or run as root",
		 (unsigned long long)((need + 1023) / 1024),
		 (unsigned long long)(m->limit / 1024), (unsigned long long)mib,
		 (unsigned long long)mib, (unsigned long long)(mib * 1024));
	return IB_PREFLIGHT_FAIL;
}
