import FluxReportOperator

await FluxReportOperatorCommand.main()
