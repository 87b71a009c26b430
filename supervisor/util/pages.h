/* pages.h - hand back the memory start-up touched and the steady state does not use. */
#ifndef H2BOX_UTIL_PAGES_H
#define H2BOX_UTIL_PAGES_H

#include <stddef.h>

/*
 * Start-up (the dynamic loader relocating a dozen libraries and running their constructors,
 * the profile's parse, every service's set-up) touches code and read-only data the steady
 * state never runs again; each such page stays in the process's RSS, and each library page in
 * its PSS, for the life of the daemon (issue #16).  This drops the process's mappings of the
 * clean pages of every loaded object's read-only segments (MADV_DONTNEED: the page cache keeps
 * them, and a page the loop runs again faults back in once, from memory), and the free pages
 * of the heap (malloc_trim).  Never a written page: segments with write permission, the
 * RELRO ranges ld.so wrote and then protected, and any object with text relocations are left
 * alone.  Returns the bytes advised.
 */
size_t pages_release_clean(void);

#endif
