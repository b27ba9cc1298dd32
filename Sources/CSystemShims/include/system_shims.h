#ifndef FLUX_REPORT_SYSTEM_SHIMS_H
#define FLUX_REPORT_SYSTEM_SHIMS_H
// libc settings Swift cannot make early enough (see system_shims.c).

/// Caps glibc's malloc arenas (mallopt M_ARENA_MAX); a no-op elsewhere. Runs automatically, before
/// any thread starts, in every binary linking this module, unless MALLOC_ARENA_MAX is set (one arena).
int flux_limit_malloc_arenas(int arenas);

/// Fixes glibc's mmap threshold at `bytes` (mallopt M_MMAP_THRESHOLD, which also stops glibc from
/// raising it as large blocks are freed); returns 1 on success, 0 elsewhere. Runs automatically
/// with 128 KiB, like the arena cap, unless MALLOC_MMAP_THRESHOLD_ or GLIBC_TUNABLES is set.
int flux_fix_mmap_threshold(int bytes);

/// 1 when `malloc` is glibc's own (not a sanitizer's, not another libc's), else 0: for tests.
int flux_malloc_is_glibcs(void);

/// Gives the free pages inside the malloc heap back to the system (glibc malloc_trim(0)); returns 1
/// when some were released. A no-op elsewhere.
int flux_release_free_memory(void);

/// Raises the soft limit on open descriptors (RLIMIT_NOFILE) to the hard limit, as Go's runtime
/// does at start. Stores the limits before and after; returns 0, or the errno of the failed call.
int flux_raise_descriptor_limit(unsigned long long *soft_before, unsigned long long *hard,
                                unsigned long long *soft_after);

/// Sets the soft descriptor limit (for tests); returns 0 or an errno.
int flux_set_descriptor_soft_limit(unsigned long long soft);

#endif
