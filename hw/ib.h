/* ib.h - RDMA devices, port attributes and traffic counters (libibverbs + sysfs). */
#ifndef H2BOX_HW_IB_H
#define H2BOX_HW_IB_H

#include <stdint.h>

struct hw;

#define HW_IB_NAME_MAX 64

/*
 * IBTA PortState and PortPhysicalState (ibv_port_state, sysfs "4: ACTIVE"), as
 * hw_ib_port_attr.state and .phys_state carry them: the one list of these codes
 * (drivers/ib_port.c names them, in tables checked against these enums).
 */
enum hw_ib_port_state {
	HW_IB_PORT_STATE_NOP = 0,
	HW_IB_PORT_STATE_DOWN = 1,
	HW_IB_PORT_STATE_INIT = 2,
	HW_IB_PORT_STATE_ARMED = 3,
	HW_IB_PORT_STATE_ACTIVE = 4,
	HW_IB_PORT_STATE_ACTIVE_DEFER = 5,
	HW_IB_PORT_STATE_COUNT
};

enum hw_ib_port_phys_state {
	HW_IB_PORT_PHYS_NOP = 0,
	HW_IB_PORT_PHYS_SLEEP = 1,
	HW_IB_PORT_PHYS_POLLING = 2,
	HW_IB_PORT_PHYS_DISABLED = 3,
	HW_IB_PORT_PHYS_TRAINING = 4,
	HW_IB_PORT_PHYS_LINK_UP = 5,
	HW_IB_PORT_PHYS_LINK_ERROR_RECOVERY = 6,
	HW_IB_PORT_PHYS_PHY_TEST = 7,
	HW_IB_PORT_PHYS_COUNT
};

/* hw_ib_port_attr.link_layer (IBV_LINK_LAYER_*). */
enum hw_ib_port_link_layer {
	HW_IB_PORT_LINK_LAYER_UNKNOWN = 0,
	HW_IB_PORT_LINK_LAYER_INFINIBAND = 1,
	HW_IB_PORT_LINK_LAYER_ETHERNET = 2,
};

/* Values follow the IBTA encodings that ibv_query_port() returns. */
struct hw_ib_port_attr {
	int state;        /* enum hw_ib_port_state */
	int phys_state;   /* enum hw_ib_port_phys_state */
	int active_width; /* IBTA code: 1=1x 2=4x 4=8x 8=12x 16=2x */
	int active_speed; /* IBTA code: 1 SDR 2 DDR 4 QDR 8 FDR10 16 FDR 32 EDR 64 HDR 128 NDR */
	int link_layer;   /* enum hw_ib_port_link_layer */
	int max_mtu;      /* IBTA mtu code 1..5 = 256..4096 */
	int active_mtu;
	uint16_t lid;
	uint16_t sm_lid;  /* the subnet manager's LID; 0: no subnet manager has configured the port */
	char rate[64];    /* sysfs "rate", e.g. "40 Gb/sec (4X QDR)" */
};

/* What a bug report needs about a device; "" where the kernel does not say. */
struct hw_ib_device_info {
	char fw_ver[64];   /* "2.9.1000" */
	char hca_type[64]; /* "MT26428" */
	char board_id[64]; /* the card's PSID, "MT_0D90110009" */
};

/* Device names (mlx4_0, rxe_lo) into names[0..max). Returns the count (may exceed max) or -errno. */
int hw_ib_devices(struct hw *hw, char names[][HW_IB_NAME_MAX], int max);
/* Number of physical ports of a device, or -errno. */
int hw_ib_port_count(struct hw *hw, const char *dev);
int hw_ib_port_query(struct hw *hw, const char *dev, int port, struct hw_ib_port_attr *attr);
/* The PCI slot behind a device ("0000:01:00.0"); -ENODEV for a soft device such as rxe. */
int hw_ib_device_pci_slot(struct hw *hw, const char *dev, char *slot, int len);
/* Firmware version, HCA type and board id of a device: 0 or -errno (-ENODEV: no such device). */
int hw_ib_device_info(struct hw *hw, const char *dev, struct hw_ib_device_info *info);
/*
 * Whether a process named opensm runs on this host: 1, 0, or -errno.  Only
 * one host of a fabric needs one; a port's sm_lid says whether any does.
 */
int hw_ib_sm_process(struct hw *hw);
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
