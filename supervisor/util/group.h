/* group.h - a group's gid or name from the group file, without loading an NSS module. */
#ifndef H2BOX_UTIL_GROUP_H
#define H2BOX_UTIL_GROUP_H

#include <stddef.h>
#include <sys/types.h>

/*
 * getgrnam() loads each NSS module nsswitch.conf lists before the one that answers
 * (libnss_systemd: 320 KiB of h2boxd's memory, issue #16).  These read FILE (/etc/group when
 * NULL) with fgetgrent() first and ask NSS (getgrnam, getgrgid) only for a group it lacks.
 * 0, or -ENOENT when neither knows it (-ENAMETOOLONG: the name does not fit LEN).
 */
int group_gid_lookup(const char *file, const char *name, gid_t *gid);
int group_name_lookup(const char *file, gid_t gid, char *name, size_t len);

#endif
