import Foundation
import KubeCore

/// Public doors to the client's internal decoders of outside data, for the fuzz targets in `Fuzz/`
/// (the operator does not use them). Each runs exactly the code path the client runs.
public enum DecoderEntryPoints {
    /// Feeds the chunks of a watch response body through the client's `WatchSink` (line splitting,
    /// JSON, event decoding, `ERROR` → Status); returns the events delivered and the stream's error.
    public static func watchEvents(chunks: [[UInt8]]) async -> (events: [WatchEvent], error: String?) {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent.self)
        let sink = WatchSink(continuation: continuation)
        for chunk in chunks where !chunk.withUnsafeBufferPointer({ sink.receive($0) }) { break }
        sink.finish()
        var events: [WatchEvent] = []
        do {
            for try await event in stream { events.append(event) }
        } catch {
            return (events, "\(error)")
        }
        return (events, nil)
    }

    /// Decodes an exec credential plugin's standard output; nil when it is rejected.
    /// Returns whether a token was found and the expiry.
    public static func execCredential(_ output: [UInt8], apiVersion: String) -> (hasToken: Bool, expiry: Date?)? {
        let config = ExecConfig(apiVersion: apiVersion, command: "fuzz")
        guard let (credentials, expiry) = try? ExecCredentialPlugin.decodeOutput(output, config: config) else { return nil }
        return (credentials.authorization != nil, expiry)
    }

    /// A `Duration` in whole milliseconds, saturating (the conversion the client hands libcurl).
    public static func milliseconds(_ duration: Duration) -> Int { duration.milliseconds }
}
