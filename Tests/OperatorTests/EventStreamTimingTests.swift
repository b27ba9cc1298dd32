import ControllerRuntime
import Hummingbird
import KubeCore
import NIOCore
import Testing
import TestSupport
@testable import FluxReportOperator

/// When an event stream writes, on a manual clock: a change event at once unless one went out less
/// than a tick ago (then at the tick's end), and a keepalive comment exactly `keepalive` after the
/// stream's last write. Seeded random sequences of cache changes and clock moves against a model.
@Suite struct EventStreamTimingTests {
    /// What the stream wrote, and when on the clock.
    final class Recorder: Sendable {
        struct Write: Equatable, CustomStringConvertible {
            var change: Bool
            var at: Duration
            var description: String { "\(change ? "change" : "keepalive")@\(at)" }
        }
        private let state = LockedState((writes: [Write](), finished: false))
        var writes: [Write] { state.withLock { $0.writes } }
        var finished: Bool { state.withLock { $0.finished } }
        func append(_ write: Write) { state.withLock { $0.writes.append(write) } }
        func finish() { state.withLock { $0.finished = true } }
    }

    struct Writer: ResponseBodyWriter {
        let recorder: Recorder
        let clock: ManualClock

        mutating func write(_ buffer: ByteBuffer) async throws {
            let text = String(buffer: buffer)
            recorder.append(.init(change: text.contains("event: change"), at: clock.now()))
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws { recorder.finish() }
    }

    /// The stream's timing rules, written out.
    struct Model {
        let tick: Duration
        let keepalive: Duration
        var writes: [Recorder.Write] = [.init(change: true, at: .zero)]
        var lastWrite: Duration = .zero
        var written: UInt64 = 0
        var tickEnds: Duration? = nil

        var nextDeadline: Duration { tickEnds ?? lastWrite + keepalive }

        mutating func change(version: UInt64, at now: Duration) {
            guard tickEnds == nil else { return }
            writeChange(version: version, at: now)
        }

        mutating func reachDeadline(version: UInt64) {
            let deadline = nextDeadline
            if tickEnds != nil {
                tickEnds = nil
                if version != written { writeChange(version: version, at: deadline) }
            } else {
                writes.append(.init(change: false, at: deadline))
                lastWrite = deadline
            }
        }

        private mutating func writeChange(version: UInt64, at now: Duration) {
            writes.append(.init(change: true, at: now))
            written = version
            lastWrite = now
            tickEnds = now + tick
        }
    }

    @Test(arguments: 0..<4) func writesFollowTheModel(round: Int) async throws {
        var random = TestRandom()
        let seed = random.description
        let clock = ManualClock(), feed = ChangeFeed(), recorder = Recorder()
        let tick = Duration.milliseconds(random.int(50...1000)), keepalive = Duration.seconds(5)
        let streams = EventStreams(feed: feed, tick: tick, keepalive: keepalive, clock: clock)
        let body = Task {
            try await streams.response(for: .v4(1)).body.write(Writer(recorder: recorder, clock: clock))
        }
        var model = Model(tick: tick, keepalive: keepalive, written: feed.version)
        // The stream is idle once it wrote what the model did and sleeps on the clock again.
        func settle() async throws {
            try await waitUntil("the stream settles (\(seed))", interval: .milliseconds(5)) {
                recorder.writes.count >= model.writes.count && clock.sleeperCount == 1
            }
        }
        try await settle()
        for _ in 0..<80 {
            if random.chance(0.4) {
                feed.touch()
                model.change(version: feed.version, at: clock.now())
            } else {
                let target = clock.now() + .milliseconds(random.int(1...7000))
                while model.nextDeadline <= target {
                    clock.advance(by: model.nextDeadline - clock.now())
                    model.reachDeadline(version: feed.version)
                    try await settle()
                }
                clock.advance(by: target - clock.now())
            }
            try await settle()
            guard recorder.writes == model.writes else { break }
        }
        #expect(recorder.writes == model.writes, "\(random)")
        // No gap between writes exceeds the keepalive.
        let writes = recorder.writes
        for (earlier, later) in zip(writes, writes.dropFirst()) {
            #expect(later.at - earlier.at <= keepalive, "\(earlier) → \(later), \(random)")
        }
        streams.close()
        try await body.value
        #expect(recorder.finished)
    }

    /// An idle stream after a change event: the keepalive comes `keepalive` after that event.
    @Test func keepaliveCountsFromTheLastWrite() async throws {
        let clock = ManualClock(), feed = ChangeFeed(), recorder = Recorder()
        let streams = EventStreams(feed: feed, tick: .milliseconds(250), keepalive: .seconds(5), clock: clock)
        let body = Task {
            try await streams.response(for: .v4(1)).body.write(Writer(recorder: recorder, clock: clock))
        }
        try await waitUntil("the stream waits", interval: .milliseconds(5)) { clock.sleeperCount == 1 }
        clock.advance(by: .seconds(3))
        feed.touch()
        try await waitUntil("the change is sent", interval: .milliseconds(5)) {
            recorder.writes.count == 2 && clock.sleeperCount == 1
        }
        clock.advance(by: .milliseconds(4999))
        try await waitUntil("the stream waits", interval: .milliseconds(5)) { clock.sleeperCount == 1 }
        #expect(recorder.writes.count == 2)
        clock.advance(by: .milliseconds(1))
        try await waitUntil("the keepalive is sent", interval: .milliseconds(5)) { recorder.writes.count == 3 }
        #expect(recorder.writes.map(\.description) == ["change@0.0 seconds", "change@3.0 seconds", "keepalive@8.0 seconds"])
        streams.close()
        try await body.value
        #expect(recorder.finished)
    }
}
