import KubeCore
import Logging
import Testing
@testable import ControllerRuntime

@Suite("RuntimeLogHandler")
struct LogHandlerTests {
    final class Lines: Sendable {
        let lines = LockedState<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func jsonLinesCarryZapFields() throws {
        let lines = Lines()
        var logger = Logger(label: "controller") { label in
            RuntimeLogHandler(label: label, encoding: .json, level: .info, sink: lines.append)
        }
        logger[metadataKey: "controller"] = "fluxreport"
        logger.info("Reconciler \"done\"", metadata: ["objects": "3"])
        logger.debug("hidden")
        #expect(lines.all.count == 1)
        let json = try JSONValue.parse(try #require(lines.all.first))
        #expect(json["level"].string == "info")
        #expect(json["logger"].string == "controller")
        #expect(json["msg"].string == "Reconciler \"done\"")
        #expect(json["controller"].string == "fluxreport")
        #expect(json["objects"].string == "3")
        #expect(json["ts"].string?.hasSuffix("Z") == true)
    }

    @Test func consoleLinesAreTabSeparated() throws {
        let lines = Lines()
        let logger = Logger(label: "setup") { label in
            RuntimeLogHandler(label: label, encoding: .console, level: .trace, sink: lines.append)
        }
        logger.warning("careful", metadata: ["k": "v"])
        logger.trace("fine detail")
        #expect(lines.all.count == 2)
        let fields = try #require(lines.all.first).split(separator: "\t").map(String.init)
        #expect(fields.count == 5)
        #expect(fields[1] == "WARN")
        #expect(fields[2] == "setup")
        #expect(fields[3] == "careful")
        #expect(fields[4] == #"{"k": "v"}"#)
    }

    /// Object names and API messages reach the log: whatever they hold, a JSON line stays one line
    /// that parses back to the same text.
    @Test func jsonLinesSurviveHostileText() throws {
        let lines = Lines()
        let logger = Logger(label: "c\u{1}\"x") { label in
            RuntimeLogHandler(label: label, encoding: .json, level: .info, sink: lines.append)
        }
        let hostile = "line\nbreak\r\t\u{0}\u{1f}\\\"quote\" é ✓ 🚀 \u{7f}"
        logger.info("\(hostile)", metadata: [hostile: "\(hostile)"])
        let line = try #require(lines.all.first)
        #expect(!line.contains("\n") && !line.contains("\r"))
        let json = try JSONValue.parse(line)
        #expect(json["msg"].string == hostile)
        #expect(json[hostile].string == hostile)
        #expect(json["logger"].string == "c\u{1}\"x")
    }
}
