/* ib.h - RDMA devices, port attributes and traffic counters (libibverbs + sysfs). */
#ifndef H2BOX_HW_IB_H
#define H2BOX_HW_IB_H

#include <stdint.h>

struct hw;

#define HW_IB_NAME_MAX 64

/* Values follow the IBTA encodings that ibv_query_port() returns. */
struct hw_ib_port_attr {
	int state;        /* 1 DOWN, 2 INIT, 3 ARMED, 4 ACTIVE, 5 ACTIVE_DEFER */
	int phys_state;   /* 2 POLLING, 3 DISABLED, 5 LINKUP, ... */
	int active_width; /* IBTA code: 1=1x 2=4x 4=8x 8=12x 16=2x */
	int active_speed; /* IBTA code: 1 SDR 2 DDR 4 QDR 8 FDR10 16 FDR 32 EDR 64 HDR 128 NDR */
	int link_layer;   /* 1 InfiniBand, 2 Ethernet */
	int max_mtu;      /* IBTA mtu code 1..5 = 256..4096 */
	int active_mtu;
	uint16_t lid;
	char rate[64];    /* sysfs "rate", e.g. "40 Gb/sec (4X QDR)" */
};

/* Device names (mlx4_0, rxe_lo) into names[0..max). Returns the count (may exceed max) or -errno. */
int hw_ib_devices(struct hw *hw, char names[][HW_IB_NAME_MAX], int max);
/* Number of physical ports of a device, or -errno. */
int hw_ib_port_count(struct hw *hw, const char *dev);
int hw_ib_port_query(struct hw *hw, const char *dev, int port, struct hw_ib_port_attr *attr);
/* The PCI slot behind a device ("0000:01:00.0"); -ENODEV for a soft device such as rxe. */
int hw_ib_device_pci_slot(struct hw *hw, const char *dev, char *slot, int len);
/*
 * Read one sysfs counter of a port by its kernel name: first
 * counters_ext/<name>_64 style 64-bit counters where asked
 * ("port_xmit_data_64"), then counters/<name>, then hw_counters/<name>.
 * *bits is set to the counter width (32 or 64) as far as it is known.
 * 0, -ENOENT when the port has no such counter, or -errno.
 */
int hw_ib_counter_read(struct hw *hw, const char *dev, int port, const char *name, uint64_t *value,
		       int *bits);

#endif
