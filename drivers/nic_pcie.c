/* nic_pcie.c - decodes DevCap/DevCtl/LnkCap/LnkSta of the NIC from config-space bytes. */
#include "drivers/nic_pcie.h"

#include "hw/pci.h"

#include <errno.h>
#include <string.h>

/* Type 0 header offsets and PCI Express capability registers (PCIe base spec, 7.5). */
#define CFG_VENDOR	    0x00
#define CFG_DEVICE	    0x02
#define CFG_STATUS	    0x06
#define CFG_STATUS_CAP_LIST 0x10
#define CFG_REVISION	    0x08
#define CFG_CLASS	    0x09
#define CFG_HEADER_TYPE	    0x0e
#define CFG_SUBSYS_VENDOR   0x2c
#define CFG_SUBSYS_ID	    0x2e
#define CFG_CAP_PTR	    0x34
#define CFG_HEADER_END	    0x40
#define CFG_STD_END	    0x100

#define CAP_ID_EXP  0x10
#define EXP_FLAGS   0x02
#define EXP_DEVCAP  0x04
#define EXP_DEVCTL  0x08
#define EXP_LNKCAP  0x0c
#define EXP_LNKSTA  0x12
#define EXP_MIN_LEN 0x14 /* through LnkSta */

/* At most this many 4-byte-aligned capabilities fit between 0x40 and 0x100. */
#define CAP_MAX ((CFG_STD_END - CFG_HEADER_END) / 4)

static uint16_t rd16(const uint8_t *b, size_t off)
{
	return (uint16_t)(b[off] | b[off + 1] << 8);
}

static uint32_t rd32(const uint8_t *b, size_t off)
{
	return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16 |
	       (uint32_t)b[off + 3] << 24;
}

static int payload_bytes(unsigned code)
{
	/* 128 << code for 0..5; 6 and 7 are reserved */
	return code <= 5 ? 128 << code : 0;
}

int nic_pcie_parse(const uint8_t *cfg, size_t len, struct nic_pcie_info *out)
{
	uint8_t seen[CFG_STD_END / 4] = { 0 };
	unsigned ptr;
	int hops;

	memset(out, 0, sizeof(*out));
	if (!cfg || len < CFG_HEADER_END)
		return -EINVAL;
	out->vendor = rd16(cfg, CFG_VENDOR);
	out->device = rd16(cfg, CFG_DEVICE);
	if (out->vendor == 0xffff || out->vendor == 0x0000)
		return -EINVAL;
	out->revision = cfg[CFG_REVISION];
	out->class_code = (uint32_t)cfg[CFG_CLASS + 2] << 16 | (uint32_t)cfg[CFG_CLASS + 1] << 8 |
			  cfg[CFG_CLASS];
	if ((cfg[CFG_HEADER_TYPE] & 0x7f) == 0) {
		out->subsys_vendor = rd16(cfg, CFG_SUBSYS_VENDOR);
		out->subsys_device = rd16(cfg, CFG_SUBSYS_ID);
	}
	if (!(rd16(cfg, CFG_STATUS) & CFG_STATUS_CAP_LIST))
		return -ENOENT;

	/* the two low bits of every pointer are reserved and must be masked */
	ptr = cfg[CFG_CAP_PTR] & 0xfc;
	for (hops = 0; ptr; hops++) {
		if (hops >= CAP_MAX || seen[ptr / 4])
			return -ELOOP;
		seen[ptr / 4] = 1;
		if (ptr < CFG_HEADER_END)
			return -EBADMSG;
		if (ptr + 2 > len)
			return -ENODATA;
		if (cfg[ptr] == CAP_ID_EXP)
			break;
		ptr = cfg[ptr + 1] & 0xfc;
	}
	if (!ptr)
		return -ENOENT;
	if (ptr + EXP_MIN_LEN > CFG_STD_END)
		return -EBADMSG;
	if (ptr + EXP_MIN_LEN > len)
		return -ENODATA;

	uint16_t flags = rd16(cfg, ptr + EXP_FLAGS);
	uint32_t devcap = rd32(cfg, ptr + EXP_DEVCAP);
	uint16_t devctl = rd16(cfg, ptr + EXP_DEVCTL);
	uint32_t lnkcap = rd32(cfg, ptr + EXP_LNKCAP);
	uint16_t lnksta = rd16(cfg, ptr + EXP_LNKSTA);

	out->cap_offset = (uint8_t)ptr;
	out->cap_version = flags & 0xf;
	out->port_type = (flags >> 4) & 0xf;
	out->devcap_mps = payload_bytes(devcap & 0x7);
	out->devctl_mps = payload_bytes((devctl >> 5) & 0x7);
	out->devctl_mrrs = payload_bytes((devctl >> 12) & 0x7);
	out->lnkcap_speed = lnkcap & 0xf;
	out->lnkcap_width = (lnkcap >> 4) & 0x3f;
	out->lnkcap_port = (lnkcap >> 24) & 0xff;
	out->lnksta_speed = lnksta & 0xf;
	out->lnksta_width = (lnksta >> 4) & 0x3f;
	return 0;
}

const char *nic_pcie_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -EINVAL:
		return "no device answers at this slot (config space empty or too short)";
	case -ENOENT:
		return "the device has no PCI Express capability";
	case -ENODATA:
		return "config space is truncated to the 64-byte header (reading the link registers"
		       " needs root or CAP_SYS_ADMIN)";
	case -EBADMSG:
		return "the capability list points outside config space (corrupt dump)";
	case -ELOOP:
		return "the capability list loops (corrupt dump)";
	default:
		return "config space unreadable";
	}
}

int nic_pcie_read(struct hw *hw, const char *slot, struct nic_pcie_info *out)
{
	uint8_t cfg[CFG_STD_END];
	int n;

	memset(out, 0, sizeof(*out));
	if (!slot || !*slot)
		return -EINVAL;
	n = hw_pci_config_read(hw, slot, cfg, sizeof(cfg));
	if (n < 0)
		return n;
	if ((size_t)n > sizeof(cfg))
		return -EIO;
	return nic_pcie_parse(cfg, (size_t)n, out);
}

int nic_pcie_find(struct hw *hw, struct hw_pci_dev *out, int max)
{
	return hw_pci_find(hw, HW_PCI_VENDOR_MELLANOX, 0xffff, out, max);
}

/*
 * From pci.ids and the kernel's mlx4/mlx5 id tables.  0x6732/0x673c carry
 * the MT25408 ConnectX names, but ConnectX-2 VPI cards (MT26428, e.g. the
 * MHQH29B/C) answer with the same ids -- the article's "ConnectX-2 VPI
 * 40Gb/s" lists exactly this lspci line -- so the id alone cannot tell the
 * two generations apart.
 */
static const struct nic_pcie_model models[] = {
	{ 0x5a44, "InfiniHost", "MT23108 InfiniHost", "ib_mthca" },
	{ 0x6274, "InfiniHost III", "MT25204 InfiniHost III Lx HCA", "ib_mthca" },
	{ 0x6278, "InfiniHost III", "MT25208 InfiniHost III Ex (Tavor compatibility mode)",
	  "ib_mthca" },
	{ 0x6282, "InfiniHost III", "MT25208 InfiniHost III Ex", "ib_mthca" },
	{ 0x6340, "ConnectX",
	  "MT25408A0-FCC-SI ConnectX, Dual Port 10Gb/s InfiniBand / 10GigE, PCIe 2.0 2.5GT/s",
	  "mlx4_core" },
	{ 0x634a, "ConnectX",
	  "MT25408A0-FCC-DI ConnectX, Dual Port 20Gb/s InfiniBand / 10GigE, PCIe 2.0 2.5GT/s",
	  "mlx4_core" },
	{ 0x6368, "ConnectX", "MT25448 ConnectX EN 10GigE, PCIe 2.0 2.5GT/s", "mlx4_core" },
	{ 0x6372, "ConnectX", "MT25458 ConnectX EN 10GBASE-T, PCIe 2.5GT/s", "mlx4_core" },
	{ 0x6732, "ConnectX/ConnectX-2",
	  "MT25408A0-FCC-GI ConnectX, Dual Port 20Gb/s InfiniBand / 10GigE, PCIe 2.0 5GT/s",
	  "mlx4_core" },
	{ 0x673c, "ConnectX/ConnectX-2",
	  "MT25408A0-FCC-QI ConnectX, Dual Port 40Gb/s InfiniBand / 10GigE, PCIe 2.0 5GT/s",
	  "mlx4_core" },
	{ 0x6746, "ConnectX-2",
	  "MT26438 ConnectX VPI PCIe 2.0 5GT/s - IB QDR / 10GigE Virtualization+", "mlx4_core" },
	{ 0x6750, "ConnectX-2", "MT26448 ConnectX EN 10GigE, PCIe 2.0 5GT/s", "mlx4_core" },
	{ 0x675a, "ConnectX-2", "MT26458 ConnectX EN 10GBASE-T, PCIe 2.0 5GT/s", "mlx4_core" },
	{ 0x6764, "ConnectX-2", "MT26468 ConnectX EN 10GigE, PCIe 2.0 5GT/s Virtualization+",
	  "mlx4_core" },
	{ 0x676e, "ConnectX-2", "MT26478 ConnectX EN 40GigE, PCIe 2.0 5GT/s", "mlx4_core" },
	{ 0x6778, "ConnectX-2",
	  "MT26488 ConnectX VPI PCIe 2.0 5GT/s - IB DDR / 10GigE Virtualization+", "mlx4_core" },
	{ 0x1002, "ConnectX-2", "MT25400 Family [ConnectX-2 Virtual Function]", "mlx4_core" },
	{ 0x1003, "ConnectX-3", "MT27500 Family [ConnectX-3]", "mlx4_core" },
	{ 0x1004, "ConnectX-3",
	  "MT27500/MT27520 Family [ConnectX-3/ConnectX-3 Pro Virtual Function]", "mlx4_core" },
	{ 0x1007, "ConnectX-3 Pro", "MT27520 Family [ConnectX-3 Pro]", "mlx4_core" },
	{ 0x1011, "Connect-IB", "MT27600 [Connect-IB]", "mlx5_core" },
	{ 0x1013, "ConnectX-4", "MT27700 Family [ConnectX-4]", "mlx5_core" },
	{ 0x1015, "ConnectX-4 Lx", "MT27710 Family [ConnectX-4 Lx]", "mlx5_core" },
	{ 0x1017, "ConnectX-5", "MT27800 Family [ConnectX-5]", "mlx5_core" },
	{ 0x1019, "ConnectX-5 Ex", "MT28800 Family [ConnectX-5 Ex]", "mlx5_core" },
	{ 0x101b, "ConnectX-6", "MT28908 Family [ConnectX-6]", "mlx5_core" },
	{ 0x101d, "ConnectX-6 Dx", "MT2892 Family [ConnectX-6 Dx]", "mlx5_core" },
	{ 0x101f, "ConnectX-6 Lx", "MT2894 Family [ConnectX-6 Lx]", "mlx5_core" },
	{ 0x1021, "ConnectX-7", "MT2910 Family [ConnectX-7]", "mlx5_core" },
	{ 0x1023, "ConnectX-8", "CX8 Family [ConnectX-8]", "mlx5_core" },
};

const struct nic_pcie_model *nic_pcie_model_lookup(uint16_t vendor, uint16_t device)
{
	if (vendor != HW_PCI_VENDOR_MELLANOX)
		return NULL;
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (models[i].device == device)
			return &models[i];
	return NULL;
}
