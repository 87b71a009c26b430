/* dlib.h - load an optional shared library at run time and resolve a table of its functions. */
#ifndef H2BOX_HW_DLIB_H
#define H2BOX_HW_DLIB_H

#include <stddef.h>

/*
 * A program maps a library only for a feature the profile enables (issue #16): the hardware
 * libraries (hw/linux) and the daemon's optional ones (runtime/http.c, runtime/mqtt-client.c)
 * are dlopen()ed on first use, never linked.  debian/control names their packages in Depends.
 */

/* One function to resolve: its name and where its pointer goes (a function pointer's address). */
struct hw_dlib_sym {
	const char *name;
	void **slot;
};

/* One library: what to load, its Debian package (for the error), its table; one per process. */
struct hw_dlib {
	const char *soname;
	const char *deb_pkg;
	const struct hw_dlib_sym *syms;
	size_t n_syms;
	int state;    /* 0 not tried (or unloaded), 1 loaded, -ELIBACC failed */
	void *handle; /* dlopen()'s, while loaded */
};

/* A struct hw_dlib for SONAME from Debian's PKG, resolving SYMS (a static const array). */
#define HW_DLIB_INIT(soname_, pkg_, syms_)                             \
	{ .soname = (soname_), .deb_pkg = (pkg_), .syms = (syms_),       \
	  .n_syms = sizeof(syms_) / sizeof((syms_)[0]) }

/* The table entry that resolves function FN into the member of the same name of struct TABLE. */
#define HW_DLIB_SYM(table, fn) { #fn, (void **)&(table).fn }

/*
 * For an X-macro list FUNCS(X, t) of X(t, function) entries: HW_DLIB_DEFINE(name, soname, pkg,
 * FUNCS) defines `name`, a struct of one pointer per function (a member of the function's name
 * and type: call name.function(...)), the table that fills it and `name##_lib` to load.
 */
#define HW_DLIB_PTR_(t, fn) __typeof__(fn) *fn;
#define HW_DLIB_SYM_(t, fn) HW_DLIB_SYM(t, fn),
#define HW_DLIB_DEFINE(name, soname_, pkg_, funcs)                                          \
	static struct {                                                                       \
		funcs(HW_DLIB_PTR_, name)                                                     \
	} name;                                                                               \
	static const struct hw_dlib_sym name##_syms[] = { funcs(HW_DLIB_SYM_, name) };        \
	static struct hw_dlib name##_lib = HW_DLIB_INIT(soname_, pkg_, name##_syms)

/*
 * dlopen(soname) and dlsym each symbol into its slot.  The library stays loaded until
 * hw_dlib_unload(); a call after a success returns 0 at once.  A library or a symbol that cannot be
 * found is reported once (hw_dlib_report_set), naming soname and the Debian package, every slot
 * is cleared, and -ELIBACC is returned (again, without a new report, on later calls).
 */
int hw_dlib_load(struct hw_dlib *lib);

/*
 * For a library needed only now and then (libsensors: resolving chips at an open): dlclose it,
 * clear every slot; a later hw_dlib_load() maps it again.  Nothing for a library not loaded
 * (a failed one stays failed: its report is not repeated).
 */
void hw_dlib_unload(struct hw_dlib *lib);

/*
 * Where the one line per library that cannot be loaded goes: stderr ("h2box: ...") until a
 * program installs its log (h2boxd: log_warnx).  NULL restores stderr.
 */
typedef void (*hw_dlib_report_fn)(const char *msg);
void hw_dlib_report_set(hw_dlib_report_fn fn);

#endif
