import Foundation
import KubeCore

/// Public doors to the client's internal decoders of outside data, for the fuzz targets in `Fuzz/`
/// (the operator does not use them). Each runs exactly the code path the client runs.
public enum DecoderEntryPoints {
    /// Feeds the chunks of a watch response body through the client's watch path (`WatchBuffer`,
    /// then `WatchReader`: line splitting, JSON, event decoding, `ERROR` → Status); returns the events
    /// delivered and the stream's error.
    public static func watchEvents(chunks: [[UInt8]]) async -> (events: [WatchEvent], error: String?) {
        let buffer = WatchBuffer(limit: Int.max / 2)
        for chunk in chunks {
            guard chunk.withUnsafeBufferPointer({ buffer.offer($0) }) == .accept else { break }
        }
        buffer.finish(nil)
        let reader = WatchReader(buffer: buffer, path: "fuzz", producer: Task {})
        var events: [WatchEvent] = []
        do {
            while let event = try await reader.nextEvent() { events.append(event) }
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
