/* pci.h - PCI devices by id and their configuration space (libpci). */
#ifndef H2BOX_HW_PCI_H
#define H2BOX_HW_PCI_H

#include <stddef.h>
#include <stdint.h>

struct hw;

/* Mellanox Technologies' PCI vendor id (ConnectX-2: device 0x673c); the one copy in the tree. */
#define HW_PCI_VENDOR_MELLANOX 0x15b3

struct hw_pci_dev {
	char slot[16]; /* "0000:01:00.0" */
	uint16_t vendor;
	uint16_t device;
	uint16_t subsys_vendor;
	uint16_t subsys_device;
	uint32_t class_code; /* base<<16 | sub<<8 | prog-if */
};

/*
 * List devices matching vendor (0xffff = any) and device (0xffff = any)
 * into out[0..max).  Returns the number found (may exceed max) or -errno.
 */
int hw_pci_find(struct hw *hw, uint16_t vendor, uint16_t device, struct hw_pci_dev *out, int max);
/*
 * Read `len` bytes of configuration space from offset 0 of the device at
 * `slot` (256 bytes need no privilege on Linux beyond the first 64 only as
 * root; 4096 for extended space).  Returns bytes read or -errno.
 */
int hw_pci_config_read(struct hw *hw, const char *slot, uint8_t *buf, size_t len);
/*
 * The PCI Express link as the kernel publishes it in sysfs
 * (current_link_speed/width, max_link_speed/width): readable without
 * privilege, where config space past its first 64 bytes is not.  Speeds are
 * the LnkCap/LnkSta codes (1 = 2.5 GT/s, 2 = 5, 3 = 8, 4 = 16, 5 = 32, 6 = 64),
 * 0 when unknown; widths are lanes, 0 when unknown.
 */
struct hw_pci_link {
	int cur_speed, cur_width;
	int max_speed, max_width;
};
/* 0, -ENODEV (no such device), -ENOENT (no link files: not PCI Express), -EOPNOTSUPP, -errno. */
int hw_pci_link_read(struct hw *hw, const char *slot, struct hw_pci_link *link);
/* Ask the bus to rescan (after the PSU switched a card on). 0 or -errno. */
int hw_pci_rescan(struct hw *hw);

#endif
