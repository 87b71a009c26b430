/* ib.c - the linux RDMA backend: devices and ports via libibverbs, rate/counters/slot via sysfs. */
#include "hw/linux/linux.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>

#include "hw/linux/ibverbs.h"

/* A device or attribute name is one path component, never a way out of the tree. */
static int hw_ib_linux_check_name(const char *s)
{
	if (!s || !*s || strchr(s, '/') || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return -EINVAL;
	return 0;
}

static int hw_ib_linux_list(struct ibv_device ***list, int *num)
{
	int r = hw_linux_ibv_load();

	if (r < 0)
		return r;
	errno = 0;
	*list = libibverbs.ibv_get_device_list(num);
	if (*list)
		return 0;
	/* no RDMA support in the kernel (no infiniband_verbs class) is simply no devices */
	if (errno == ENOSYS || errno == ENOENT || errno == 0) {
		*num = 0;
		return 0;
	}
	return -errno;
}

static int hw_ib_linux_devices(struct hw *hw, char names[][HW_IB_NAME_MAX], int max)
{
	struct ibv_device **list;
	int num = 0, i, r;

	(void)hw;
	r = hw_ib_linux_list(&list, &num);
	if (r < 0)
		return r;
	for (i = 0; i < num && i < max; i++)
		snprintf(names[i], HW_IB_NAME_MAX, "%s", libibverbs.ibv_get_device_name(list[i]));
	if (list)
		libibverbs.ibv_free_device_list(list);
	return num;
}

/* Open `dev` by name.  The list is freed once the context holds its own reference. */
static int hw_ib_linux_open(const char *dev, struct ibv_context **ctxp)
{
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	int num = 0, i, r;

	r = hw_ib_linux_check_name(dev);
	if (r < 0)
		return r;
	r = hw_ib_linux_list(&list, &num);
	if (r < 0)
		return r;
	r = -ENODEV;
	for (i = 0; i < num; i++) {
		if (strcmp(libibverbs.ibv_get_device_name(list[i]), dev) != 0)
			continue;
		errno = 0;
		ctx = libibverbs.ibv_open_device(list[i]);
		r = ctx ? 0 : (errno ? -errno : -EIO);
		break;
	}
	if (list)
		libibverbs.ibv_free_device_list(list);
	if (r == 0)
		*ctxp = ctx;
	return r;
}

static int hw_ib_linux_port_count(struct hw *hw, const char *dev)
{
	struct ibv_device_attr da;
	struct ibv_context *ctx;
	int r;

	(void)hw;
	r = hw_ib_linux_open(dev, &ctx);
	if (r < 0)
		return r;
	/* verbs calls return a positive errno value, not -1 */
	r = libibverbs.ibv_query_device(ctx, &da);
	r = r ? -abs(r) : da.phys_port_cnt;
	libibverbs.ibv_close_device(ctx);
	return r;
}

/* One line of a device's sysfs file without its newline; "" when the file is missing. */
static int hw_ib_linux_dev_str(struct hw *hw, const char *dev, const char *attr, char *buf,
			       size_t len)
{
	char path[HW_LINUX_PATH_MAX];
	size_t n;
	int r;

	buf[0] = '\0';
	r = hw_linux_path(path, sizeof(path), "%s/class/infiniband/%s/%s",
			  hw_linux_state(hw)->sysfs_root, dev, attr);
	if (r < 0)
		return r;
	r = hw_linux_file_read_str(path, buf, len);
	if (r < 0) {
		buf[0] = '\0';
		return r;
	}
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
	return 0;
}

static void hw_ib_linux_rate(struct hw *hw, const char *dev, int port, char *rate, size_t len)
{
	char attr[32];

	/* The rate string is informational: a missing file leaves it empty. */
	snprintf(attr, sizeof(attr), "ports/%d/rate", port);
	(void)hw_ib_linux_dev_str(hw, dev, attr, rate, len);
}

static int hw_ib_linux_port_query(struct hw *hw, const char *dev, int port,
				  struct hw_ib_port_attr *attr)
{
	struct ibv_port_attr pa;
	struct ibv_context *ctx;
	int r;

	if (port < 1 || port > 255)
		return -EINVAL;
	r = hw_ib_linux_open(dev, &ctx);
	if (r < 0)
		return r;
	memset(&pa, 0, sizeof(pa));
	r = hw_linux_ibv_query_port(ctx, (uint8_t)port, &pa);
	libibverbs.ibv_close_device(ctx);
	if (r)
		return -abs(r);
	attr->state = pa.state;
	attr->phys_state = pa.phys_state;
	attr->active_width = pa.active_width;
	attr->active_speed = pa.active_speed;
	attr->link_layer = pa.link_layer;
	attr->max_mtu = pa.max_mtu;
	attr->active_mtu = pa.active_mtu;
	attr->lid = pa.lid;
	attr->sm_lid = pa.sm_lid;
	hw_ib_linux_rate(hw, dev, port, attr->rate, sizeof(attr->rate));
	return 0;
}

/* "0000:01:00.0": the shape of a PCI device's sysfs name. */
static bool hw_ib_linux_is_pci_name(const char *s)
{
	unsigned dom, bus, dev, fn;
	int n = 0;

	return sscanf(s, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &n) == 4 && s[n] == '\0' &&
	       n == 12;
}

/*
 * The device link of a card points into the PCI hierarchy
 * (../../../0000:00:1c.0/0000:01:00.0 under /sys/devices/pci0000:00);
 * a soft device (rxe, siw) has no link or one to a non-PCI parent.
 */
static int hw_ib_linux_pci_slot(struct hw *hw, const char *dev, char *slot, int len)
{
	char path[HW_LINUX_PATH_MAX], target[HW_LINUX_PATH_MAX];
	const char *base;
	ssize_t n;
	int r;

	r = hw_ib_linux_check_name(dev);
	if (r < 0)
		return r;
	r = hw_linux_path(path, sizeof(path), "%s/class/infiniband/%s/device",
			  hw_linux_state(hw)->sysfs_root, dev);
	if (r < 0)
		return r;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT || errno == EINVAL ? -ENODEV : -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!hw_ib_linux_is_pci_name(base))
		return -ENODEV;
	/* relative links climb with ../ : the pci0000:xx root shows up on the way down */
	if (!strstr(target, "/pci") && strncmp(target, "pci", 3) != 0) {
		char real[HW_LINUX_PATH_MAX];

		if (!realpath(path, real) || !strstr(real, "/pci"))
			return -ENODEV;
	}
	if (len <= 0 || strlen(base) >= (size_t)len)
		return -ENAMETOOLONG;
	memcpy(slot, base, strlen(base) + 1);
	return 0;
}

static bool hw_ib_linux_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The PMA data/packet counters whose width depends on the counter group the kernel chose. */
static bool hw_ib_linux_is_pma_traffic(const char *name)
{
	return strcmp(name, "port_xmit_data") == 0 || strcmp(name, "port_rcv_data") == 0 ||
	       strcmp(name, "port_xmit_packets") == 0 || strcmp(name, "port_rcv_packets") == 0;
}

static int hw_ib_linux_counter_file(struct hw *hw, const char *dev, int port, const char *dir,
				    const char *name, uint64_t *value)
{
	char path[HW_LINUX_PATH_MAX];
	int r;

	long v;

	r = hw_linux_path(path, sizeof(path), "%s/class/infiniband/%s/ports/%d/%s/%s",
			  hw_linux_state(hw)->sysfs_root, dev, port, dir, name);
	if (r < 0)
		return r;
	/*
	 * Through the directory's reader (reader.c), as hwmon attributes are: a counter read is a
	 * PMA query the HCA's firmware answers (mlx4: a firmware command with a timeout of
	 * seconds), so it must not hold the control cycle.  -ETIMEDOUT past the deadline: the
	 * port's rate is unknown for that sample.  A counter is never negative as a long (64-bit
	 * counters count 4-byte words: 2^63 of them is beyond any port's life).
	 */
	r = hw_linux_file_read_bounded(hw, path, &v);
	if (r < 0)
		return r;
	if (v < 0)
		return -EINVAL; /* junk, not a count: never a zero */
	*value = (uint64_t)v;
	return 0;
}

/*
 * The kernel (drivers/infiniband/core/sysfs.c, get_counter_table()) publishes
 * counters/ from one of three groups, chosen by the CapabilityMask of the
 * port's PMA ClassPortInfo, i.e. by the card's firmware: the 32-bit
 * PortCounters, PortCountersExtended with the IETF unicast/multicast
 * counters, or PortCountersExtended without them.  User space can tell only
 * the extended-with-IETF group by its files (unicast_xmit_packets), so a
 * counter without that file is reported 32-bit while its value fits: that is
 * a guess, the no-IETF group looks the same.  The port driver corrects it
 * per counter (drivers/ib_port.c: a value past 2^32-1 makes the whole port
 * 64-bit).  Which group a ConnectX-2 (mlx4) gets depends on its firmware
 * and has not been checked on a card here; `perfquery -x -C <dev> -P <port>`
 * answering means the firmware has the extended counters (`h2box ib counters`
 * and `h2box ib selftest` say so).
 */
static int hw_ib_linux_counters_width(struct hw *hw, const char *dev, int port, const char *name,
				      uint64_t value)
{
	char path[HW_LINUX_PATH_MAX];

	if (value > UINT32_MAX)
		return 64;
	if (!hw_ib_linux_is_pma_traffic(name))
		return 32; /* error counters are 8..32 bits wide */
	if (hw_linux_path(path, sizeof(path), "%s/class/infiniband/%s/ports/%d/counters/%s",
			  hw_linux_state(hw)->sysfs_root, dev, port, "unicast_xmit_packets") < 0)
		return 32;
	return access(path, F_OK) == 0 ? 64 : 32;
}

/*
 * Lookup order and widths:
 *   1. "<x>_64" names: counters_ext/<x>_64 (Mellanox OFED, some old
 *      kernels), always 64-bit;
 *   2. counters/<name>: width as hw_ib_linux_counters_width() tells
 *      ("_64" names there are 64-bit);
 *   3. hw_counters/<name>: driver counters, 64-bit;
 *   4. "<x>_64" names on upstream kernels: counters/<x> when that group
 *      is the 64-bit extended one; a 32-bit counter never answers a _64 name.
 */
static int hw_ib_linux_counter_read(struct hw *hw, const char *dev, int port, const char *name,
				    uint64_t *value, int *bits)
{
	bool want64 = false;
	char base[128];
	uint64_t v;
	int r;

	if (hw_ib_linux_check_name(dev) < 0 || hw_ib_linux_check_name(name) < 0)
		return -EINVAL;
	if (port < 1)
		return -EINVAL;
	if (strlen(name) > 3 && hw_ib_linux_ends_with(name, "_64")) {
		want64 = true;
		r = hw_ib_linux_counter_file(hw, dev, port, "counters_ext", name, &v);
		if (r == 0) {
			*value = v;
			*bits = 64;
			return 0;
		}
		if (r != -ENOENT)
			return r;
	}
	r = hw_ib_linux_counter_file(hw, dev, port, "counters", name, &v);
	if (r == 0) {
		*value = v;
		*bits = want64 ? 64 : hw_ib_linux_counters_width(hw, dev, port, name, v);
		return 0;
	}
	if (r != -ENOENT)
		return r;
	r = hw_ib_linux_counter_file(hw, dev, port, "hw_counters", name, &v);
	if (r == 0) {
		*value = v;
		*bits = 64;
		return 0;
	}
	if (r != -ENOENT || !want64)
		return r;
	if (strlen(name) - 3 >= sizeof(base))
		return -ENOENT;
	memcpy(base, name, strlen(name) - 3);
	base[strlen(name) - 3] = '\0';
	r = hw_ib_linux_counter_file(hw, dev, port, "counters", base, &v);
	if (r < 0)
		return r;
	if (hw_ib_linux_counters_width(hw, dev, port, base, v) != 64)
		return -ENOENT;
	*value = v;
	*bits = 64;
	return 0;
}

/* fw_ver, hca_type and board_id are the core's and mlx4's sysfs files (rxe has fw_ver only). */
static int hw_ib_linux_device_info(struct hw *hw, const char *dev, struct hw_ib_device_info *info)
{
	char path[HW_LINUX_PATH_MAX];
	int r;

	r = hw_ib_linux_check_name(dev);
	if (r < 0)
		return r;
	r = hw_linux_path(path, sizeof(path), "%s/class/infiniband/%s",
			  hw_linux_state(hw)->sysfs_root, dev);
	if (r < 0)
		return r;
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	(void)hw_ib_linux_dev_str(hw, dev, "fw_ver", info->fw_ver, sizeof(info->fw_ver));
	(void)hw_ib_linux_dev_str(hw, dev, "hca_type", info->hca_type, sizeof(info->hca_type));
	(void)hw_ib_linux_dev_str(hw, dev, "board_id", info->board_id, sizeof(info->board_id));
	return 0;
}

/* At most this many /proc entries are looked at: a bound, far above a NAS's process count. */
#define HW_IB_LINUX_PROC_MAX 65536

/* A process whose comm is "opensm" (the Debian package's daemon, or one started by hand). */
static int hw_ib_linux_sm_process(struct hw *hw)
{
	struct dirent *de;
	int seen = 0, found = 0;
	DIR *d;

	(void)hw;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while (!found && seen++ < HW_IB_LINUX_PROC_MAX && (de = readdir(d))) {
		char path[64], comm[32];

		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/comm", de->d_name);
		/* a process may end between readdir and the read: skip it */
		if (hw_linux_file_read_str(path, comm, sizeof(comm)) < 0)
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		found = strcmp(comm, "opensm") == 0;
	}
	closedir(d);
	return found;
}

const struct hw_ib_ops hw_ib_linux_ops = {
	.device_info = hw_ib_linux_device_info,
	.sm_process = hw_ib_linux_sm_process,
	.devices = hw_ib_linux_devices,
	.port_count = hw_ib_linux_port_count,
	.port_query = hw_ib_linux_port_query,
	.pci_slot = hw_ib_linux_pci_slot,
	.counter_read = hw_ib_linux_counter_read,
};
