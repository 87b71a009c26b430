/* dlib.h - load an optional shared library at run time and resolve a table of its functions. */
#ifndef H2BOX_UTIL_DLIB_H
#define H2BOX_UTIL_DLIB_H

#include <stddef.h>

/* One function to resolve: its name and where its pointer goes (a function pointer's address). */
struct dlib_sym {
	const char *name;
	void **slot;
};

/* One library: what to load, its Debian package (for the error), its table; one per process. */
struct dlib {
	const char *soname;
	const char *deb_pkg;
	const struct dlib_sym *syms;
	size_t n_syms;
	int state; /* 0 not tried, 1 loaded, -ELIBACC failed */
};

/* A struct dlib for SONAME from Debian's PKG, resolving the array SYMS (a static const table). */
#define DLIB_INIT(soname_, pkg_, syms_)                                \
	{ .soname = (soname_), .deb_pkg = (pkg_), .syms = (syms_),       \
	  .n_syms = sizeof(syms_) / sizeof((syms_)[0]) }

/*
 * dlopen(soname) and dlsym each symbol into its slot.  The library stays loaded for the life of
 * the process; a call after a success returns 0 at once.  A library or a symbol that cannot be
 * found is logged once, naming soname and the Debian package, every slot is cleared, and
 * -ELIBACC is returned (again, without a new log line, on later calls).
 */
int dlib_load(struct dlib *lib);

#endif
