/* dlib.h - load an optional shared library at run time and resolve a table of its functions. */
#ifndef H2BOX_UTIL_DLIB_H
#define H2BOX_UTIL_DLIB_H

#include <stddef.h>

/* One function to resolve: its name and where its pointer goes (a function pointer's address). */
struct dlib_sym {
	const char *name;
	void **slot;
};

/*
 * dlopen(soname) and dlsym each of syms[0..n) into its slot.  The library stays loaded for the
 * life of the process; a second call after a success returns 0 at once.  A library or a symbol
 * that cannot be found is logged once, naming soname and the Debian package deb_pkg, every slot
 * is cleared, and -ELIBACC is returned (again, without a new log line, on later calls).
 */
struct dlib {
	const char *soname;
	const char *deb_pkg;
	const struct dlib_sym *syms;
	size_t n_syms;
	int state; /* 0 not tried, 1 loaded, -ELIBACC failed */
};

int dlib_load(struct dlib *lib);

#endif
