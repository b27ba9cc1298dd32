#include "system_shims.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>

int flux_raise_descriptor_limit(unsigned long long *soft_before, unsigned long long *hard,
                                unsigned long long *soft_after) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return errno;
    *soft_before = (unsigned long long)limit.rlim_cur;
    *hard = (unsigned long long)limit.rlim_max;
    *soft_after = *soft_before;
    if (limit.rlim_cur == limit.rlim_max) return 0;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return errno;
    *soft_after = (unsigned long long)limit.rlim_cur;
    return 0;
}

int flux_set_descriptor_soft_limit(unsigned long long soft) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return errno;
    limit.rlim_cur = (rlim_t)soft;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return errno;
    return 0;
}
#if defined(__GLIBC__)
#include <malloc.h>

int flux_limit_malloc_arenas(int arenas) { return mallopt(M_ARENA_MAX, arenas); }

// glibc gives each allocating thread its own malloc arena and keeps what a thread frees there: after
// a /metrics scrape of 100,000 series that stayed resident for good (measured 196-217 MiB with the
// default, 137 MiB with two arenas). One arena: the cached objects, made by whichever threads project
// LIST pages, then share one heap's partly used pages instead of two (bytes per cached object at
// N = 20,000: 451-461 with one, 518-600 with two; at 100,000: 466-472 against 488-512), and each
// thread's small allocations still go through its own lock-free cache (tcache) first. This must run
// before any thread starts, which Swift code cannot guarantee (an async main already runs on the
// concurrency runtime's threads), hence a constructor. An explicit MALLOC_ARENA_MAX in the
// environment wins, as do MALLOC_MMAP_THRESHOLD_ and GLIBC_TUNABLES for the threshold below.
__attribute__((constructor)) static void flux_default_malloc_settings(void) {
    if (getenv("MALLOC_ARENA_MAX") == NULL) {
        flux_limit_malloc_arenas(1);
    }
    if (getenv("MALLOC_MMAP_THRESHOLD_") == NULL && getenv("GLIBC_TUNABLES") == NULL) {
        flux_fix_mmap_threshold(128 * 1024);
    }
}

// glibc starts with blocks of 128 KiB and more mmapped, but raises that threshold to the size of the
// largest mmapped block freed so far (up to 32 MiB). The first LIST page freed (a megabyte or more of
// JSON and tokens) therefore moves every later page, and each scrape's buffers, into the heap, where
// the objects cached meanwhile pin the pages around the freed ones. A fixed threshold (which setting
// it with mallopt makes) keeps those blocks mmapped, and gone at free: at N = 100,000 about 4 MiB
// less peak RSS with /metrics scrapes, for page faults that make the first report 0.2-0.4 s slower
// (docs/benchmarks.md, Memory).
int flux_fix_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }

// A sanitizer's allocator replaces glibc's malloc in an instrumented build.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define FLUX_MALLOC_REPLACED 1
#endif
#endif
#if defined(FLUX_MALLOC_REPLACED)
int flux_malloc_is_glibcs(void) { return 0; }
#else
#include <dlfcn.h>
// A sanitizer's runtime built into the binary (not detected above when only the Swift code is
// instrumented) interposes its own malloc.
int flux_malloc_is_glibcs(void) {
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    if (libc == NULL) return 0;
    void *glibcs = dlsym(libc, "malloc");
    dlclose(libc);
    return glibcs != NULL && glibcs == dlsym(RTLD_DEFAULT, "malloc");
}
#endif

int flux_release_free_memory(void) { return malloc_trim(0); }
#else
int flux_limit_malloc_arenas(int arenas) { (void)arenas; return 0; }
int flux_fix_mmap_threshold(int bytes) { (void)bytes; return 0; }
int flux_malloc_is_glibcs(void) { return 0; }
int flux_release_free_memory(void) { return 0; }
#endif
