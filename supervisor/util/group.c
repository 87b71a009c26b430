/* group.c - a group's gid or name from /etc/group (fgetgrent), NSS only for the groups it lacks. */
#include "supervisor/util/group.h"

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define GROUP_FILE "/etc/group"

/* The file's entry matching name (or gid when name is NULL), copied out; false: none. */
static bool group_file_find(const char *file, const char *name, gid_t gid, gid_t *gid_out,
			    char *name_out, size_t len, int *r)
{
	FILE *f = fopen(file ? file : GROUP_FILE, "re");
	struct group *gr;
	bool found = false;

	if (!f)
		return false;
	while ((gr = fgetgrent(f))) {
		if (name ? strcmp(gr->gr_name, name) != 0 : gr->gr_gid != gid)
			continue;
		if (gid_out)
			*gid_out = gr->gr_gid;
		if (name_out)
			*r = snprintf(name_out, len, "%s", gr->gr_name) >= (int)len ? -ENAMETOOLONG : 0;
		found = true;
		break;
	}
	fclose(f);
	return found;
}

int group_gid_lookup(const char *file, const char *name, gid_t *gid)
{
	struct group *gr;
	int r = 0;

	if (group_file_find(file, name, 0, gid, NULL, 0, &r))
		return r;
	gr = getgrnam(name);
	if (!gr)
		return -ENOENT;
	*gid = gr->gr_gid;
	return 0;
}

int group_name_lookup(const char *file, gid_t gid, char *name, size_t len)
{
	struct group *gr;
	int r = 0;

	if (group_file_find(file, NULL, gid, NULL, name, len, &r))
		return r;
	gr = getgrgid(gid);
	if (!gr)
		return -ENOENT;
	return snprintf(name, len, "%s", gr->gr_name) >= (int)len ? -ENAMETOOLONG : 0;
}
