import FuzzSupport
import KubeClient
import KubeCore

/// Watch-stream framing: the client's line splitter and event decoding (`WatchSink`). The same body
/// cut at fuzzer-chosen chunk boundaries yields the same lines, the same events and the same error
/// as the body in one piece.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWatch(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (payload, chunks) = chunked(bytes(data, size))

    var whole: [[UInt8]] = []
    var splitter = LineSplitter()
    splitter.feed(payload) { whole.append(Array($0)); return true }
    var pieces: [[UInt8]] = []
    var chunkSplitter = LineSplitter()
    for chunk in chunks { chunkSplitter.feed(chunk) { pieces.append(Array($0)); return true } }
    invariant(whole == pieces, "lines depend on chunk boundaries")
    invariant(splitter.hasPartialLine == chunkSplitter.hasPartialLine, "partial line depends on chunk boundaries")
    for line in whole {
        invariant(!line.isEmpty && !line.contains(UInt8(ascii: "\n")) && line.last != UInt8(ascii: "\r"), "bad line")
    }

    let one = runBlocking { await DecoderEntryPoints.watchEvents(chunks: [payload]) }
    let many = runBlocking { await DecoderEntryPoints.watchEvents(chunks: chunks) }
    invariant(one.events == many.events, "events depend on chunk boundaries")
    invariant(one.error == many.error, "stream error depends on chunk boundaries: \(one.error ?? "nil") vs \(many.error ?? "nil")")
    for event in one.events {
        invariant(event.type != .error, "an ERROR event was delivered as an event")
        invariant((try? WatchEvent(json: event.json)) == event, "event does not re-decode")
    }
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_watch_main")
public func entryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzzWatch)
}
