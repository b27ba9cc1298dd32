/// Receives every event the recorder accepts (past the spam filter) besides the API server. This
/// is how an operator sends its events elsewhere, in whatever format the receiver wants, without
/// the runtime knowing that format. Called from a task of its own; failures are the sink's to log.
public protocol EventSink: Sendable {
    func receive(_ record: EventRecorder.Record) async
}
