import FluxReportOperator

#if canImport(Glibc)
import Glibc
#endif

let code = await FluxReportOperatorCommand.execute()
exit(code)
