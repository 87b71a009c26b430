/* dlib.c - dlopen an optional library on first use: a feature the profile leaves off costs nothing. */
#include "hw/dlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

static hw_dlib_report_fn hw_dlib_report_fn_cur;

void hw_dlib_report_set(hw_dlib_report_fn fn)
{
	hw_dlib_report_fn_cur = fn;
}

static void hw_dlib_report(const char *msg)
{
	if (hw_dlib_report_fn_cur)
		hw_dlib_report_fn_cur(msg);
	else
		fprintf(stderr, "h2box: %s\n", msg);
}

static void hw_dlib_clear(const struct hw_dlib *lib)
{
	for (size_t i = 0; i < lib->n_syms; i++)
		*lib->syms[i].slot = NULL;
}

int hw_dlib_load(struct hw_dlib *lib)
{
	char msg[512];
	void *handle;

	if (lib->state)
		return lib->state > 0 ? 0 : lib->state;
	lib->state = -ELIBACC;
	handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(msg, sizeof(msg), "cannot load %s (%s): install the Debian package %s",
			 lib->soname, dlerror(), lib->deb_pkg);
		hw_dlib_report(msg);
		return lib->state;
	}
	for (size_t i = 0; i < lib->n_syms; i++) {
		dlerror();
		*lib->syms[i].slot = dlsym(handle, lib->syms[i].name);
		if (!*lib->syms[i].slot) {
			snprintf(msg, sizeof(msg),
				 "cannot load %s: it has no %s (%s); install the Debian package %s",
				 lib->soname, lib->syms[i].name, dlerror(), lib->deb_pkg);
			hw_dlib_report(msg);
			hw_dlib_clear(lib);
			dlclose(handle);
			return lib->state;
		}
	}
	lib->handle = handle;
	lib->state = 1;
	return 0;
}

void hw_dlib_unload(struct hw_dlib *lib)
{
	if (lib->state != 1)
		return;
	hw_dlib_clear(lib);
	dlclose(lib->handle);
	lib->handle = NULL;
	lib->state = 0;
}
