/* nic_pcie.h - the NIC's PCI Express link from its config space, and Mellanox model names. */
#ifndef H2BOX_NIC_PCIE_H
#define H2BOX_NIC_PCIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/pci.h"

struct hw;
struct hw_pci_dev;

/* Decoded PCI Express capability; register fields keep their PCIe encodings. */
struct nic_pcie_info {
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint8_t revision;
	uint32_t class_code; /* base<<16 | sub<<8 | prog-if */
	uint8_t cap_offset;  /* where the PCI Express capability sits */
	int cap_version;     /* PCIe capability version (1 or 2) */
	int port_type;	     /* 0 endpoint, 1 legacy endpoint, 4 root port, ... */
	int devcap_mps;	     /* Max_Payload_Size supported, bytes */
	int devctl_mps;	     /* Max_Payload_Size in use, bytes */
	int devctl_mrrs;     /* Max_Read_Request_Size in use, bytes */
	int lnkcap_speed;    /* 1 = 2.5 GT/s, 2 = 5, 3 = 8, 4 = 16, 5 = 32, 6 = 64 */
	int lnkcap_width;    /* lanes */
	int lnkcap_port;     /* "Port #8" */
	int lnksta_speed;
	int lnksta_width;
};

/*
 * Parse `len` bytes of configuration space (offset 0 onwards).  The
 * capability list is walked with bounds and loop checks, so a hostile or
 * corrupt dump cannot make it read out of range or spin.  Returns 0 or:
 *   -EINVAL   fewer than 64 bytes, or no device (vendor 0xffff/0x0000)
 *   -ENOENT   no capability list or no PCI Express capability in it
 *   -ENODATA  the list leads beyond `len` (a 64-byte dump, as non-root gets)
 *   -EBADMSG  a capability pointer into the header or past 0xff
 *   -ELOOP    the capability list loops
 * On -ENODATA the header fields of *out are valid.
 */
int nic_pcie_parse(const uint8_t *cfg, size_t len, struct nic_pcie_info *out);
/* A sentence for the errors above, for `h2box ib link`. */
const char *nic_pcie_strerror(int err);

/* Read 256 bytes of the device at slot through the hw bus and parse them. */
int nic_pcie_read(struct hw *hw, const char *slot, struct nic_pcie_info *out);
/* Mellanox devices on the bus (hw_pci_find with the Mellanox vendor id). */
int nic_pcie_find(struct hw *hw, struct hw_pci_dev *out, int max);

struct nic_pcie_model {
	uint16_t device;
	const char *family; /* "ConnectX-3"; "ConnectX/ConnectX-2" where the id is shared */
	const char *name;   /* pci.ids style description */
	const char *driver; /* Linux driver: "mlx4_core", "mlx5_core", "ib_mthca" */
};
/* The model of a vendor:device pair, or NULL when it is not a known Mellanox part. */
const struct nic_pcie_model *nic_pcie_model_lookup(uint16_t vendor, uint16_t device);

#endif
