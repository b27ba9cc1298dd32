/// Returns once the current task is cancelled: the body of a stand-in for work that runs until it
/// is stopped. `Task.sleep` ends at cancellation, so this wakes for it, not on a timer.
public func untilCancelled() async {
    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
}
