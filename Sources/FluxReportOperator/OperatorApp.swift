/// Wires the operator together and runs it until SIGTERM/SIGINT.
public enum OperatorApp {
    public static func run(configuration: OperatorConfiguration) async throws {
        throw OperatorExit(code: 1, message: "the operator is being assembled")
    }
}
