/* knob.c - dispatches throttle knob calls to the linux or the sim backend. */
#include "hw/knob.h"

#include "hw/hw.h"

#include <errno.h>
#include <string.h>

static const struct hw_knob_ops *ops_for(struct hw *hw)
{
	return hw_kind_get(hw) == HW_KIND_SIM ? &hw_knob_sim_ops : &hw_knob_linux_ops;
}

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
	return ops_for(hw)->tbf_set(hw, ifname, rate_bps, burst);
}

int hw_knob_qdisc_clear(struct hw *hw, const char *ifname)
{
	if (!ifname_ok(ifname))
		return -EINVAL;
	return ops_for(hw)->qdisc_clear(hw, ifname);
}

int hw_knob_write(struct hw *hw, const char *path, const char *value)
{
	if (!path || path[0] != '/' || !value || strchr(value, '\n'))
		return -EINVAL;
	return ops_for(hw)->write(hw, path, value);
}

int hw_knob_read(struct hw *hw, const char *path, char *buf, size_t len)
{
	if (!path || path[0] != '/' || !buf || len < 2)
		return -EINVAL;
	return ops_for(hw)->read(hw, path, buf, len);
}
