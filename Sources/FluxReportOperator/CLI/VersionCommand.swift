import ArgumentParser

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version and exit.")

    @Flag(name: .long, help: "Print as JSON.")
    var json = false

    func run() {
        if json {
            print(#"{"version":"\#(BuildInfo.version)","apiVersion":"\#(BuildInfo.apiVersion)","platform":"\#(BuildInfo.platform)"}"#)
        } else {
            print("flux-report-operator \(BuildInfo.version) (\(BuildInfo.platform), API \(BuildInfo.apiVersion))")
        }
    }
}
