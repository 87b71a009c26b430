/* knob.c - checks throttle knob calls and dispatches them to the hw's knob backend. */
#include "hw/hw-private.h"

#include <errno.h>
#include <string.h>

static int ifname_ok(const char *ifname)
{
	size_t n;

	if (!ifname)
		return 0;
	n = strlen(ifname);
	return n > 0 && n < 16 && !strchr(ifname, '/');
}

int hw_knob_qdisc_tbf_set(struct hw *hw, const char *ifname, uint64_t rate_bps, uint32_t burst)
{
	if (!ifname_ok(ifname) || rate_bps < 8 || burst == 0)
		return -EINVAL;
	return hw->knob->tbf_set(hw, ifname, rate_bps, burst);
}

int hw_knob_qdisc_clear(struct hw *hw, const char *ifname)
{
	if (!ifname_ok(ifname))
		return -EINVAL;
	return hw->knob->qdisc_clear(hw, ifname);
}

int hw_knob_write(struct hw *hw, const char *path, const char *value)
{
	if (!path || path[0] != '/' || !value || strchr(value, '\n'))
		return -EINVAL;
	return hw->knob->write(hw, path, value);
}

int hw_knob_read(struct hw *hw, const char *path, char *buf, size_t len)
{
	if (!path || path[0] != '/' || !buf || len < 2)
		return -EINVAL;
	return hw->knob->read(hw, path, buf, len);
}
