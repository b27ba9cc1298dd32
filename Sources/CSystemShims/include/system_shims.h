#ifndef FLUX_REPORT_SYSTEM_SHIMS_H
#define FLUX_REPORT_SYSTEM_SHIMS_H
// libc calls Swift's Glibc module does not export.

/// Returns freed heap memory to the OS (glibc's malloc_trim); a no-op elsewhere.
int flux_malloc_trim(void);

/// Caps glibc's malloc arenas (mallopt M_ARENA_MAX); a no-op elsewhere. Must run before threads start.
int flux_limit_malloc_arenas(int arenas);

#endif
