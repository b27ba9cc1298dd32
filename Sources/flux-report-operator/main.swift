import CSystemShims
import FluxReportOperator

#if canImport(Glibc)
import Glibc
#endif

// CSystemShims sets glibc's malloc arenas and mmap threshold before any thread starts (see system_shims.c).
let code = await FluxReportOperatorCommand.execute()
// Everything is written: flush it and end the process without exit()'s atexit handlers and static
// destructors, which can tear libraries down under threads still running (a cancelled watch's
// transfer, an executor's thread) and crash a command after its answer was printed.
fflush(nil)
_exit(code)
