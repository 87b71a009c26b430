/* dlib.c - dlopen an optional library on first use: a feature the profile leaves off costs nothing. */
#include "supervisor/util/dlib.h"

#include "supervisor/util/log.h"

#include <dlfcn.h>
#include <errno.h>

static void dlib_clear(const struct dlib *lib)
{
	for (size_t i = 0; i < lib->n_syms; i++)
		*lib->syms[i].slot = NULL;
}

int dlib_load(struct dlib *lib)
{
	void *handle;

	if (lib->state)
		return lib->state > 0 ? 0 : lib->state;
	lib->state = -ELIBACC;
	handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		log_warnx("cannot load %s (%s): install the Debian package %s", lib->soname,
			  dlerror(), lib->deb_pkg);
		return lib->state;
	}
	for (size_t i = 0; i < lib->n_syms; i++) {
		dlerror();
		*lib->syms[i].slot = dlsym(handle, lib->syms[i].name);
		if (!*lib->syms[i].slot) {
			log_warnx("cannot load %s: it has no %s (%s); install the Debian package %s",
				  lib->soname, lib->syms[i].name, dlerror(), lib->deb_pkg);
			dlib_clear(lib);
			dlclose(handle);
			return lib->state;
		}
	}
	lib->state = 1;
	return 0;
}
