/* reader-dirs.c - the readers of one hw: one per sysfs directory, shared by its chips and files. */
#include "hw/linux/reader-private.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hw_linux_reader_dir(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (!slash || n == 0 || n >= len)
		return -EINVAL;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

int hw_linux_reader_get(struct hw *hw, const char *dir, struct hw_linux_reader **out)
{
	struct hw_linux_state *st = hw_linux_state(hw);
	struct hw_linux_reader_ent *slot = NULL;
	int r;

	for (unsigned i = 0; i < HW_LINUX_READERS_MAX; i++) {
		struct hw_linux_reader_ent *e = &st->readers[i];

		if (e->rd && strcmp(e->dir, dir) == 0) {
			e->users++;
			*out = e->rd;
			return 0;
		}
		if (!e->rd && !slot)
			slot = e;
	}
	for (unsigned i = 0; !slot && i < HW_LINUX_READERS_MAX; i++) {
		struct hw_linux_reader_ent *e = &st->readers[i];

		/* a reader left stuck by a closed chip that has come back (a rebind renumbers hwmonN) */
		if (e->users == 0 && hw_linux_reader_idle(e->rd)) {
			hw_linux_reader_free(e->rd);
			e->rd = NULL;
			slot = e;
		}
	}
	if (!slot)
		return -ENOSPC;
	r = hw_linux_path(slot->dir, sizeof(slot->dir), "%s", dir);
	if (r < 0)
		return r;
	r = hw_linux_reader_new(HW_LINUX_READ_DEADLINE_NS, &slot->rd);
	if (r < 0)
		return r;
	slot->users = 1;
	*out = slot->rd;
	return 0;
}

void hw_linux_reader_put(struct hw *hw, struct hw_linux_reader *rd)
{
	struct hw_linux_state *st = hw_linux_state(hw);

	if (!rd)
		return;
	for (unsigned i = 0; i < HW_LINUX_READERS_MAX; i++) {
		struct hw_linux_reader_ent *e = &st->readers[i];

		if (e->rd != rd)
			continue;
		assert(e->users > 0);
		/* a stuck reader stays: the chip's next open finds it instead of starting another */
		if (--e->users == 0 && hw_linux_reader_idle(rd)) {
			hw_linux_reader_free(rd);
			e->rd = NULL;
		}
		return;
	}
	assert(!"reader not registered");
}

/* The reader of the file's directory, kept for the hw's life (explicit files are few). */
static int hw_linux_reader_file(struct hw *hw, const char *path, struct hw_linux_reader **out)
{
	struct hw_linux_state *st = hw_linux_state(hw);
	char dir[HW_LINUX_PATH_MAX];
	int r = hw_linux_reader_dir(path, dir, sizeof(dir));

	if (r < 0)
		return r;
	for (unsigned i = 0; i < HW_LINUX_READERS_MAX; i++) {
		struct hw_linux_reader_ent *e = &st->readers[i];

		if (e->rd && e->pinned && strcmp(e->dir, dir) == 0) {
			*out = e->rd;
			return 0;
		}
	}
	r = hw_linux_reader_get(hw, dir, out);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < HW_LINUX_READERS_MAX; i++)
		if (st->readers[i].rd == *out)
			st->readers[i].pinned = true;
	return 0;
}

int hw_linux_file_slot(struct hw *hw, const char *path, struct hw_linux_reader **rd)
{
	int r = hw_linux_reader_file(hw, path, rd);

	return r < 0 ? r : hw_linux_reader_slot(*rd, path);
}

int hw_linux_file_read_bounded(struct hw *hw, const char *path, long *value)
{
	struct hw_linux_reader *rd;
	int idx = hw_linux_file_slot(hw, path, &rd);

	if (idx < 0)
		return idx;
	return hw_linux_reader_read(rd, idx, value);
}

struct hw_linux_reader *hw_linux_reader_of_file(struct hw *hw, const char *path)
{
	struct hw_linux_reader *rd;

	return hw_linux_reader_file(hw, path, &rd) < 0 ? NULL : rd;
}

void hw_linux_readers_free(struct hw *hw)
{
	struct hw_linux_state *st = hw_linux_state(hw);

	for (unsigned i = 0; i < HW_LINUX_READERS_MAX; i++) {
		hw_linux_reader_free(st->readers[i].rd);
		st->readers[i].rd = NULL;
	}
}
