/* backend.c - builds a struct hw whose every bus goes to the real kernel interfaces. */
#include "hw/linux/linux.h"

#include <errno.h>
#include <stdlib.h>

int hw_linux_new(struct hw **out)
{
	struct hw *hw = hw_alloc(HW_KIND_LINUX);
	int r;

	if (!hw)
		return -ENOMEM;
	hw->clock = &hw_clock_linux_ops;
	hw->gpio = &hw_gpio_linux_ops;
	hw->i2c = &hw_i2c_linux_ops;
	hw->hwmon = &hw_hwmon_linux_ops;
	hw->pci = &hw_pci_linux_ops;
	hw->ib = &hw_ib_linux_ops;
	hw->host = &hw_host_linux_ops;
	hw->knob = &hw_knob_linux_ops;
	hw->verbs = &hw_verbs_linux_ops;
	r = hw_linux_state_new(hw);
	if (r < 0) {
		free(hw);
		return r;
	}
	hw->backend_free = hw_linux_state_free;
	*out = hw;
	return 0;
}
