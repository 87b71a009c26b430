/* pci.c - the linux PCI backend: libpci over sysfs, a fresh bus scan for every question. */
#include "hw/linux/linux.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pci/pci.h>

#include "hw/dlib.h"

/* libpci (and the libudev and zlib it links) is loaded by the first PCI question (issue #16). */
#define HW_PCI_LINUX_FUNCS(X, t)                                                                \
	X(t, pci_alloc) X(t, pci_set_param) X(t, pci_init) X(t, pci_cleanup)                    \
	X(t, pci_scan_bus) X(t, pci_fill_info) X(t, pci_get_dev) X(t, pci_read_block)           \
	X(t, pci_free_dev)
HW_DLIB_DEFINE(libpci, "libpci.so.3", "libpci3", HW_PCI_LINUX_FUNCS);

#define HW_PCI_CONFIG_MAX 4096
/* Unprivileged readers get the first 64 bytes from sysfs: read in steps of that size. */
#define HW_PCI_CONFIG_STEP 64

/*
 * libpci reports fatal errors through a->error(), which must not return
 * (its default prints and calls exit()).  Ours jumps back into the call
 * that set up the access, so a missing sysfs is an -errno, not an exit.
 */
static _Thread_local jmp_buf *hw_pci_linux_jmp;
static _Thread_local int hw_pci_linux_errno;

static __attribute__((noreturn, format(printf, 1, 2))) void hw_pci_linux_error(char *msg, ...)
{
	(void)msg;
	hw_pci_linux_errno = errno ? errno : ENODEV;
	longjmp(*hw_pci_linux_jmp, 1);
}

static __attribute__((format(printf, 1, 2))) void hw_pci_linux_quiet(char *msg, ...)
{
	(void)msg;
}

typedef int (*hw_pci_linux_fn)(struct hw *hw, struct pci_access *pacc, void *arg);

/*
 * Devices come and go with the PSU, and libpci caches its device list in
 * the access object: every call builds a new access, scans, and drops it.
 */
static int hw_pci_linux_with(struct hw *hw, hw_pci_linux_fn fn, void *arg)
{
	struct hw_linux_state *st = hw_linux_state(hw);
	struct pci_access *volatile pacc = NULL;
	jmp_buf *prev = hw_pci_linux_jmp;
	char path[HW_LINUX_PATH_MAX];
	jmp_buf jb;
	volatile int r;

	r = hw_dlib_load(&libpci_lib);
	if (r < 0)
		return r;
	r = hw_linux_path(path, sizeof(path), "%s/bus/pci", st->sysfs_root);
	if (r < 0)
		return r;
	hw_pci_linux_jmp = &jb;
	if (setjmp(jb)) {
		r = -hw_pci_linux_errno;
		goto out;
	}
	pacc = libpci.pci_alloc();
	pacc->error = hw_pci_linux_error;
	pacc->warning = hw_pci_linux_quiet;
	pacc->debug = hw_pci_linux_quiet;
	/* sysfs only: never fall back to poking config ports (intel-conf1) as root */
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	libpci.pci_set_param(pacc, "sysfs.path", path);
	libpci.pci_init(pacc);
	r = fn(hw, pacc, arg);
out:
	hw_pci_linux_jmp = prev;
	if (pacc)
		libpci.pci_cleanup(pacc);
	return r;
}

struct hw_pci_linux_find_arg {
	uint16_t vendor, device;
	struct hw_pci_dev *out;
	int max;
};

static int hw_pci_linux_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hw_pci_dev *)a)->slot, ((const struct hw_pci_dev *)b)->slot);
}

static int hw_pci_linux_find_cb(struct hw *hw, struct pci_access *pacc, void *arg)
{
	struct hw_pci_linux_find_arg *fa = arg;
	struct hw_pci_dev *all = NULL;
	struct pci_dev *d;
	int n = 0, cap = 0;
	unsigned fill = PCI_FILL_IDENT | PCI_FILL_CLASS;

	(void)hw;
#ifdef PCI_FILL_CLASS_EXT
	fill |= PCI_FILL_CLASS_EXT;
#endif
#ifdef PCI_FILL_SUBSYS
	fill |= PCI_FILL_SUBSYS;
#endif
	libpci.pci_scan_bus(pacc);
	for (d = pacc->devices; d; d = d->next) {
		struct hw_pci_dev *p;

		libpci.pci_fill_info(d, (int)fill);
		if (fa->vendor != 0xffff && d->vendor_id != fa->vendor)
			continue;
		if (fa->device != 0xffff && d->device_id != fa->device)
			continue;
		if (n == cap) {
			int ncap = cap ? cap * 2 : 16;
			struct hw_pci_dev *na = realloc(all, (size_t)ncap * sizeof(*all));

			if (!na) {
				free(all);
				return -ENOMEM;
			}
			all = na;
			cap = ncap;
		}
		p = &all[n++];
		memset(p, 0, sizeof(*p));
		snprintf(p->slot, sizeof(p->slot), "%04x:%02x:%02x.%d", (unsigned)d->domain & 0xffff,
			 d->bus, d->dev, d->func);
		p->vendor = d->vendor_id;
		p->device = d->device_id;
		p->class_code = (uint32_t)d->device_class << 8;
#ifdef PCI_FILL_CLASS_EXT
		p->class_code |= d->prog_if;
#endif
#ifdef PCI_FILL_SUBSYS
		p->subsys_vendor = d->subsys_vendor_id;
		p->subsys_device = d->subsys_id;
#endif
	}
	/* sysfs lists in directory order; sort so callers see a stable order */
	if (n > 1)
		qsort(all, (size_t)n, sizeof(*all), hw_pci_linux_cmp);
	if (n > 0 && fa->out && fa->max > 0)
		memcpy(fa->out, all, (size_t)(n < fa->max ? n : fa->max) * sizeof(*all));
	free(all);
	return n;
}

static int hw_pci_linux_find(struct hw *hw, uint16_t vendor, uint16_t device,
			     struct hw_pci_dev *out, int max)
{
	struct hw_pci_linux_find_arg fa = {
		.vendor = vendor,
		.device = device,
		.out = out,
		.max = max,
	};

	return hw_pci_linux_with(hw, hw_pci_linux_find_cb, &fa);
}

struct hw_pci_linux_config_arg {
	unsigned domain, bus, dev, func;
	uint8_t *buf;
	size_t len;
};

static int hw_pci_linux_config_cb(struct hw *hw, struct pci_access *pacc, void *arg)
{
	struct hw_pci_linux_config_arg *ca = arg;
	struct pci_dev *d;
	size_t off = 0;

	(void)hw;
	d = libpci.pci_get_dev(pacc, (int)ca->domain, (int)ca->bus, (int)ca->dev, (int)ca->func);
	if (!d)
		return -ENOMEM;
	/*
	 * Without CAP_SYS_ADMIN sysfs gives the first 64 bytes and then a short
	 * read, and a plain conventional device has 256: report what we got.
	 */
	while (off < ca->len) {
		size_t n = ca->len - off;

		if (n > HW_PCI_CONFIG_STEP)
			n = HW_PCI_CONFIG_STEP;
		if (!libpci.pci_read_block(d, (int)off, ca->buf + off, (int)n))
			break;
		off += n;
	}
	libpci.pci_free_dev(d);
	return off == 0 && ca->len > 0 ? -EIO : (int)off;
}

/*
 * A slot as "0000:01:00.0" (canon, 16 bytes) and its parts, once its sysfs
 * directory is there: 0, -EINVAL (not a slot), -ENODEV (no such device).
 */
static int hw_pci_linux_slot_dir(struct hw *hw, const char *slot, char *canon, unsigned *domain,
				 unsigned *bus, unsigned *dev, unsigned *func)
{
	char path[HW_LINUX_PATH_MAX];
	struct stat sb;
	int n = 0, r;

	if (!slot || sscanf(slot, "%4x:%2x:%2x.%1u%n", domain, bus, dev, func, &n) != 4 ||
	    slot[n] || *dev > 31 || *func > 7)
		return -EINVAL;
	snprintf(canon, 16, "%04x:%02x:%02x.%u", *domain, *bus, *dev, *func);
	r = hw_linux_path(path, sizeof(path), "%s/bus/pci/devices/%s", hw_linux_state(hw)->sysfs_root,
			  canon);
	if (r < 0)
		return r;
	if (stat(path, &sb) < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	return 0;
}

static int hw_pci_linux_config_read(struct hw *hw, const char *slot, uint8_t *buf, size_t len)
{
	struct hw_pci_linux_config_arg ca = { .buf = buf, .len = len };
	char canon[16];
	int r;

	if (!buf)
		return -EINVAL;
	if (len > HW_PCI_CONFIG_MAX)
		ca.len = HW_PCI_CONFIG_MAX;
	/* libpci's sysfs read cannot tell "no such device" from a short read */
	r = hw_pci_linux_slot_dir(hw, slot, canon, &ca.domain, &ca.bus, &ca.dev, &ca.func);
	if (r < 0)
		return r;
	return hw_pci_linux_with(hw, hw_pci_linux_config_cb, &ca);
}

static int hw_pci_linux_rescan(struct hw *hw)
{
	char path[HW_LINUX_PATH_MAX];
	int r;

	r = hw_linux_path(path, sizeof(path), "%s/bus/pci/rescan", hw_linux_state(hw)->sysfs_root);
	if (r < 0)
		return r;
	return hw_linux_file_write_str(path, "1");
}

/*
 * A sysfs link speed: "2.5 GT/s", "5 GT/s" (kernels before 5.5), "5.0 GT/s PCIe",
 * "16.0 GT/s PCIe"; "Unknown" or "Unknown speed" when the link is down.  The
 * LnkCap/LnkSta code, or 0.
 */
static int hw_pci_linux_speed_code(const char *s)
{
	static const struct {
		double gts;
		int code;
	} speeds[] = { { 2.5, 1 }, { 5.0, 2 }, { 8.0, 3 }, { 16.0, 4 }, { 32.0, 5 }, { 64.0, 6 } };
	char *end;
	double v = strtod(s, &end);

	if (end == s || strncmp(end, " GT/s", 5) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (v > speeds[i].gts - 0.01 && v < speeds[i].gts + 0.01)
			return speeds[i].code;
	return 0;
}

/* One of a device's link files: its text (trimmed) into buf; 0 or -errno. */
static int hw_pci_linux_link_file(struct hw *hw, const char *canon, const char *name, char *buf,
				  size_t len)
{
	char path[HW_LINUX_PATH_MAX];
	int r;

	r = hw_linux_path(path, sizeof(path), "%s/bus/pci/devices/%s/%s",
			  hw_linux_state(hw)->sysfs_root, canon, name);
	if (r < 0)
		return r;
	r = hw_linux_file_read_str(path, buf, len);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int hw_pci_linux_link_width(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return end != s && *end == '\0' && v > 0 && v <= 32 ? (int)v : 0;
}

/*
 * drivers/pci/pci-sysfs.c publishes the link registers world-readable; a
 * sandboxed daemon without CAP_SYS_ADMIN reads them here, where libpci gets
 * only the first 64 bytes of config space and never sees the capability.
 */
static int hw_pci_linux_link_read(struct hw *hw, const char *slot, struct hw_pci_link *link)
{
	char canon[16], buf[64];
	unsigned domain, bus, dev, func;
	int r;

	r = hw_pci_linux_slot_dir(hw, slot, canon, &domain, &bus, &dev, &func);
	if (r < 0)
		return r;
	r = hw_pci_linux_link_file(hw, canon, "current_link_speed", buf, sizeof(buf));
	if (r < 0)
		return r; /* -ENOENT: no PCI Express capability, the kernel made no link files */
	link->cur_speed = hw_pci_linux_speed_code(buf);
	if (hw_pci_linux_link_file(hw, canon, "current_link_width", buf, sizeof(buf)) == 0)
		link->cur_width = hw_pci_linux_link_width(buf);
	if (hw_pci_linux_link_file(hw, canon, "max_link_speed", buf, sizeof(buf)) == 0)
		link->max_speed = hw_pci_linux_speed_code(buf);
	if (hw_pci_linux_link_file(hw, canon, "max_link_width", buf, sizeof(buf)) == 0)
		link->max_width = hw_pci_linux_link_width(buf);
	return 0;
}

const struct hw_pci_ops hw_pci_linux_ops = {
	.link_read = hw_pci_linux_link_read,
	.find = hw_pci_linux_find,
	.config_read = hw_pci_linux_config_read,
	.rescan = hw_pci_linux_rescan,
};
