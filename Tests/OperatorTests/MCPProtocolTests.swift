import FluxReport
import Foundation
import KubeCore
import Testing
@testable import FluxReportOperator

#if canImport(Glibc)
import Glibc
#endif

/// The MCP server's edges that see outside bytes: the stdio line reader (any chunking, over-long
/// lines), the JSON-RPC screen (any bytes) and the tool arguments (any JSON). Randomized and seeded;
/// replay with `TEST_SEED=<seed>`.
@Suite struct MCPProtocolTests {
    static func seed(_ test: String) -> UInt64 {
        let seed = ProcessInfo.processInfo.environment["TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        print("MCPProtocolTests.\(test) seed \(seed) (TEST_SEED=\(seed) replays it)")
        return seed
    }

    /// Feeds `bytes` through a pipe in the given chunks; returns what `readLoop` delivered and rejected.
    static func readAll(_ bytes: [UInt8], chunks: [Int]) -> (delivered: [[UInt8]], rejected: [JSONValue]) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return ([], []) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let writer = Thread {
            var offset = 0
            var sizes = chunks.makeIterator()
            while offset < bytes.count {
                let size = min(max(1, sizes.next() ?? bytes.count), bytes.count - offset)
                _ = LineTransport.writeAll(Array(bytes[offset..<offset + size]), to: writeEnd)
                offset += size
            }
            close(writeEnd)
        }
        writer.start()
        var delivered: [[UInt8]] = []
        var rejected: [JSONValue] = []
        LineTransport.readLoop(input: readEnd, deliver: { delivered.append($0) },
                               reject: { rejected.append((try? JSONValue.parse($0)) ?? .null) })
        close(readEnd)
        return (delivered, rejected)
    }

    @Test func linesAreDeliveredWhateverTheChunking() {
        var rng = SplitMix64(seed: Self.seed("chunking"))
        for _ in 0..<40 {
            var messages: [String] = []
            var stream: [UInt8] = []
            for i in 0..<Int(rng.next() % 20) {
                let padding = String(repeating: "é", count: Int(rng.next() % 3000))
                let message = #"{"jsonrpc":"2.0","id":\#(i),"method":"ping","params":{"p":"\#(padding)"}}"#
                messages.append(message)
                stream += Array(message.utf8) + (rng.next() % 2 == 0 ? [13, 10] : [10])
                if rng.next() % 4 == 0 { stream += [10] }  // empty lines are skipped
            }
            let chunks = (0..<200).map { _ in Int(rng.next() % 5000) + 1 }
            let (delivered, rejected) = Self.readAll(stream, chunks: chunks)
            #expect(rejected == [])
            #expect(delivered.map { String(decoding: $0, as: UTF8.self) } == messages)
        }
    }

    @Test func anOverlongLineIsRefusedAndTheNextOneRead() {
        var rng = SplitMix64(seed: Self.seed("overlong"))
        let long = [UInt8](#"{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":""#.utf8) + [UInt8](repeating: 97, count: LineTransport.maxLineBytes)
            + [UInt8](#""}}"#.utf8) + [10]
        let next = [UInt8](#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#.utf8) + [10]
        let chunks = (0..<2000).map { _ in Int(rng.next() % 70000) + 1 }
        let (delivered, rejected) = Self.readAll(long + next, chunks: chunks)
        #expect(delivered == [Array(next.dropLast())])
        #expect(rejected.count == 1)
        #expect(rejected.first?["error"]["code"] == .int(-32700))
        #expect(rejected.first?["id"] == .null)
    }

    /// Any bytes: the screen answers with a well-formed error or passes a JSON-RPC shaped message.
    @Test func screenNeverPassesWhatIsNotJSONRPC() {
        var rng = SplitMix64(seed: Self.seed("screen"))
        let pieces = [#"{"#, #"}"#, #"["#, #"]"#, #"""#, #":"#, #","#, #""jsonrpc""#, #""2.0""#, #""id""#, #""method""#,
                      #""params""#, #""result""#, "1", "null", "true", "-", "1e999", "\u{0}", "\\", "é", " "]
        for _ in 0..<20000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(rng.next() % 16) {
                bytes += rng.next() % 5 == 0 ? [UInt8(truncatingIfNeeded: rng.next())] : Array(pieces[Int(rng.next() % UInt64(pieces.count))].utf8)
            }
            switch JSONRPCScreen.check(bytes) {
            case .pass:
                let message = try? JSONValue.parse(bytes)
                #expect(message != nil)
                if case .object(let fields)? = message {
                    #expect(fields["jsonrpc"] == .string("2.0"))
                    #expect(fields["method"]?.string != nil || fields["result"] != nil || fields["error"] != nil)
                }
            case .reject(let code, let message, let id):
                #expect([JSONRPCScreen.parseError, JSONRPCScreen.invalidRequest].contains(code))
                let response = try? JSONValue.parse(JSONRPCScreen.response(code: code, message: message, id: id))
                #expect(response?["error"]["code"] == .int(Int64(code)))
                #expect(response?["jsonrpc"] == "2.0")
            }
        }
    }

    @Test func screenAnswers() {
        func verdict(_ text: String) -> JSONRPCScreen.Verdict { JSONRPCScreen.check(Array(text.utf8)) }
        #expect(verdict(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#) == .pass)
        #expect(verdict(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#) == .pass)
        if case .reject(let code, _, let id) = verdict("nope") {
            #expect(code == -32700 && id == .null)
        } else {
            Issue.record("text passed as JSON")
        }
        if case .reject(let code, _, let id) = verdict(#"{"jsonrpc":"1.0","id":"a","method":"x"}"#) {
            #expect(code == -32600 && id == "a")
        } else {
            Issue.record("jsonrpc 1.0 passed")
        }
        if case .reject(let code, _, let id) = verdict(#"{"jsonrpc":"2.0","id":3.5,"method":"x"}"#) {
            #expect(code == -32600 && id == .null)
        } else {
            Issue.record("a fractional id passed")
        }
    }

    /// Arguments of every JSON type at every name: a `ToolError`, or a value within the bounds.
    @Test func argumentsAreCheckedNotTrusted() {
        var rng = SplitMix64(seed: Self.seed("arguments"))
        let values: [JSONValue] = [.null, true, 0, 1, 50, 51, -1, .int(Int64.max), .int(Int64.min), 2.5, 1e300, .double(-0.0), "",
                                   "a/b", "apps", "Kustomization", .string(String(repeating: "x", count: 1 << 20)), "../x",
                                   "Ünïcode", [1], ["a": 1]]
        let names = ["kind", "namespace", "name", "status", "text", "limit", "bogus"]
        for _ in 0..<5000 {
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int(rng.next() % 4) {
                object[names[Int(rng.next() % UInt64(names.count))]] = values[Int(rng.next() % UInt64(values.count))]
            }
            do throws(ToolError) {
                let args = try ToolArguments(.object(object), allowed: ["kind", "namespace", "name", "status", "text", "limit"])
                let limit = try args.integer("limit", in: 1...50, default: 20)
                #expect((1...50).contains(limit))
                if let text = try args.string("text") { #expect(text.utf8.count <= ToolArguments.maxStringBytes) }
                if let status = try args.choice("status", FluxTools.statuses) { #expect(FluxTools.statuses.contains(status)) }
                if let namespace = try args.namespace("namespace", required: false) { #expect(OperatorOptions.isDNSLabel(namespace)) }
                if object["name"] != nil, let name = try? args.objectName("name") { #expect(!name.contains("/")) }
            } catch {
                #expect(!error.message.isEmpty && error.message.utf8.count < 400)
            }
        }
        #expect(throws: ToolError.self) { try ToolArguments(["x"], allowed: []) }
    }

    @Test func boundedListsKeepCount() {
        let list = Bounded(Array(0..<120), limit: 1000)
        let cut = FluxTools.first(50, of: list)
        #expect(cut.items == Array(0..<50) && cut.more == 70 && cut.total == 120)
        #expect(FluxTools.first(200, of: list).items.count == 120)
    }

    /// The report's output schema is the CRD's (parsed, not the fallback), closed like every other.
    @Test func outputSchemasAreClosed() {
        func closed(_ schema: JSONValue, _ at: String) {
            if schema["type"] == "object" {
                #expect(schema["additionalProperties"] == false && schema["properties"].object != nil, "\(at)")
            }
            for (name, property) in schema["properties"].object ?? [:] { closed(property, "\(at).\(name)") }
            if !schema["items"].isNull { closed(schema["items"], "\(at)[]") }
        }
        for tool in FluxTools.definitions + ContextSession.contextTools { closed(tool.outputSchema, tool.name) }
        let distribution = OutputSchema.report[path: "properties", "spec", "properties", "distribution"]
        #expect(distribution["required"] == ["entitlement", "status"])
    }
}
