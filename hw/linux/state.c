/* state.c - lifecycle of the linux backend state (the sysfs root, the readers). */
#include "hw/linux/linux.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int hw_linux_state_new(struct hw *hw)
{
	struct hw_linux_state *st = calloc(1, sizeof(*st));
	const char *root = getenv(HW_LINUX_SYSFS_ENV);
	size_t n;

	if (!st)
		return -ENOMEM;
	if (!root || !*root)
		root = "/sys";
	n = strlen(root);
	/* "/tmp/x/" and "/tmp/x" name the same tree; paths are built as root + "/class/..." */
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n >= sizeof(st->sysfs_root)) {
		free(st);
		return -ENAMETOOLONG;
	}
	memcpy(st->sysfs_root, root, n);
	st->sysfs_root[n] = '\0';
	hw->backend = st;
	return 0;
}

void hw_linux_state_free(struct hw *hw)
{
	struct hw_linux_state *st = hw->backend;

	if (!st)
		return;
	hw_linux_readers_free(hw);
	free(st);
	hw->backend = NULL;
}
