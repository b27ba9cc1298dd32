import CSystemShims
import FluxReportOperator

#if canImport(Glibc)
import Glibc
#endif

// CSystemShims caps glibc's malloc arenas before any thread starts (see system_shims.c).
let code = await FluxReportOperatorCommand.execute()
exit(code)
