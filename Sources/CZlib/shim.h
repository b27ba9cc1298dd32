#ifndef FLUX_REPORT_CZLIB_SHIM_H
#define FLUX_REPORT_CZLIB_SHIM_H
// zlib's init calls are macros (they pass the library version and struct size), which Swift
// cannot call: these wrappers set up gzip-framed (windowBits 15 + 16) streams.
#include <zlib.h>

static inline int czlib_deflate_init_gzip(z_streamp s, int level) {
    return deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
// Raw deflate (no header or trailer): cached scrape segments, concatenated under one gzip frame.
static inline int czlib_deflate_init_raw(z_streamp s, int level) {
    return deflateInit2(s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
static inline int czlib_inflate_init_gzip(z_streamp s) { return inflateInit2(s, 15 + 16); }

#endif
