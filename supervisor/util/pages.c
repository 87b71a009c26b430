/* pages.c - drop the process's mappings of clean read-only pages and the heap's free pages after start-up. */
#include "supervisor/util/pages.h"

#include <elf.h>
#include <link.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct pages_walk {
	uintptr_t page;
	size_t advised;
};

/* An object whose loader wrote into its read-only segments (text relocations): not touched. */
static bool pages_textrel(const struct dl_phdr_info *info)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_DYNAMIC)
			continue;
		for (const ElfW(Dyn) *d = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
		     d->d_tag != DT_NULL; d++)
			if (d->d_tag == DT_TEXTREL ||
			    (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)))
				return true;
	}
	return false;
}

/*
 * [*lo, *hi) cut to the pages no writable segment or RELRO range of this object shares (ld.so
 * wrote those): false when nothing is left.
 */
static bool pages_clean_range(const struct dl_phdr_info *info, uintptr_t page, uintptr_t *lo,
			      uintptr_t *hi)
{
	for (int i = 0; i < info->dlpi_phnum && *lo < *hi; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a, b;

		if (!((ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) || ph->p_type == PT_GNU_RELRO))
			continue;
		a = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
		b = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
		if (b <= *lo || a >= *hi)
			continue;
		if (a <= *lo)
			*lo = b;
		else if (b >= *hi)
			*hi = a;
		else
			return false; /* a written range inside: not split, left alone */
	}
	return *lo < *hi;
}

static int pages_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct pages_walk *w = data;

	(void)size;
	/* the vDSO is the kernel's, not a file's */
	if (info->dlpi_name && strncmp(info->dlpi_name, "linux-vdso", 10) == 0)
		return 0;
	if (pages_textrel(info))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo, hi;

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		lo = (info->dlpi_addr + ph->p_vaddr) & ~(w->page - 1);
		hi = (info->dlpi_addr + ph->p_vaddr + ph->p_filesz + w->page - 1) & ~(w->page - 1);
		if (!pages_clean_range(info, w->page, &lo, &hi))
			continue;
		if (madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0)
			w->advised += hi - lo;
	}
	return 0;
}

size_t pages_release_clean(void)
{
	struct pages_walk w = { .page = (uintptr_t)sysconf(_SC_PAGESIZE) };

	malloc_trim(0);
	dl_iterate_phdr(pages_object, &w);
	return w.advised;
}
