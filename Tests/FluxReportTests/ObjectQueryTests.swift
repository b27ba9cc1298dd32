import FluxReport
import Foundation
import KubeCore
import Testing

/// The search query: printing and parsing agree, malformed input gives a typed error and never a
/// crash, and matching agrees with a model built on regular expressions.
@Suite struct ObjectQueryTests {
    static let words = ["web", "Web*", "*-prod", "tenant-*", "a*b*c", "flux-system", "x", "*", "Kustomization", "build failed", "-dash", "a:b", "ü*"]

    static func randomQuery(_ rng: inout SplitMix64) -> ObjectQuery {
        let terms = (0..<Int.random(in: 0...6, using: &rng)).map { _ -> ObjectQuery.Term in
            let word = words.randomElement(using: &rng) ?? "x"
            let test: ObjectQuery.Test
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: test = .status(ObjectQuery.Status.allCases.randomElement(using: &rng) ?? .failing)
            case 1: test = .field(.kind, word)
            case 2: test = .field(.ns, word)
            case 3: test = .field(.name, word)
            default: test = .text(word)
            }
            return ObjectQuery.Term(test, negated: Bool.random(using: &rng))
        }
        return ObjectQuery(terms: terms)
    }

    @Test("parse(print(q)) == q for random queries, and printing is stable")
    func roundTrip() throws {
        try seeded { rng, context in
            for _ in 0..<2000 {
                let query = Self.randomQuery(&rng)
                let printed = query.description
                let parsed = try ObjectQuery(parsing: printed)
                #expect(parsed == query, "\(context): \(printed)")
                #expect(parsed.description == printed, "\(context)")
            }
        }
    }

    @Test("random and hostile input: a query or an ObjectQueryError with a message, never a crash; what parses reprints to itself")
    func malformedInput() {
        seeded { rng, context in
            let alphabet: [Character] = ["a", "Z", " ", "\t", "\n", "\"", ":", "-", "*", "k", "i", "n", "d", "s", "t", "u", "ü", "\u{301}", "\u{0}", "/", "é"]
            var errors = 0
            for _ in 0..<5000 {
                var text = String((0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? "a" })
                if Bool.random(using: &rng) { text = (["kind:", "status:", "-", "ns:", "\"", "name:"].randomElement(using: &rng) ?? "") + text }
                do throws(ObjectQueryError) {
                    let query = try ObjectQuery(parsing: text)
                    let again = try ObjectQuery(parsing: query.description)
                    #expect(again == query, "\(context): \(text.debugDescription) → \(query.description.debugDescription)")
                } catch {
                    errors += 1
                    #expect(!error.message.isEmpty && error.term.utf8.count <= 64, "\(context): \(text.debugDescription)")
                }
            }
            #expect(errors > 100, "\(context): the generator must reach the errors")
        }
        // Bounded length and term count.
        #expect(throws: ObjectQueryError.self) { try ObjectQuery(parsing: String(repeating: "a", count: ObjectQuery.maxLength + 1)) }
        #expect(throws: ObjectQueryError.self) { try ObjectQuery(parsing: Array(repeating: "x", count: ObjectQuery.maxTerms + 1).joined(separator: " ")) }
        let megabyte = String(repeating: "*a", count: 1 << 19)
        #expect((try? ObjectQuery(parsing: megabyte)) == nil)
    }

    @Test("each malformed form names its problem", arguments: [
        ("foo:bar", ObjectQueryError.Problem.unknownFilter), ("status:broken", .unknownStatus), ("kind:", .emptyValue),
        ("\"build failed", .unterminatedQuote), ("-", .emptyTerm), ("--x", .doubleNegation), ("kind:a\"b", .unterminatedQuote),
        ("\"\"", .emptyValue),
    ])
    func errors(text: String, problem: ObjectQueryError.Problem) {
        #expect(throws: ObjectQueryError.self) { try ObjectQuery(parsing: text) }
        do {
            _ = try ObjectQuery(parsing: text)
        } catch {
            #expect(error.problem == problem, "\(text): \(error.message)")
        }
    }

    @Test("the reference's example parses into its terms")
    func example() throws {
        let query = try ObjectQuery(parsing: "kind:HelmRelease ns:tenant-* status:failing -name:*-test \"timed out\" namespace:x")
        #expect(query.terms == [
            .init(.field(.kind, "HelmRelease")), .init(.field(.ns, "tenant-*")), .init(.status(.failing)),
            .init(.field(.name, "*-test"), negated: true), .init(.text("timed out")), .init(.field(.ns, "x")),
        ])
        #expect(try ObjectQuery(parsing: "  ").terms.isEmpty)
    }

    /// The model's matching: a regular expression for a glob, `lowercased().contains` for text.
    static func globModel(_ pattern: String, _ text: String) -> Bool {
        let regex = "^" + pattern.split(separator: "*", omittingEmptySubsequences: false).map { NSRegularExpression.escapedPattern(for: String($0)) }
            .joined(separator: ".*") + "$"
        guard let re = try? NSRegularExpression(pattern: regex, options: [.caseInsensitive, .dotMatchesLineSeparators]) else { return false }
        return re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    @Test("matching agrees with the model on random objects and queries")
    func matchingModel() {
        seeded { rng, context in
            let names = ["web", "web-prod", "tenant-a", "abc", "axbyc", "x", "api-test", "Web-Prod"]
            for _ in 0..<300 {
                let name = names.randomElement(using: &rng) ?? "x"
                let namespace = ["flux-system", "tenant-1", "prod"].randomElement(using: &rng) ?? "prod"
                let kind = ["Kustomization", "HelmRelease", "GitRepository"].randomElement(using: &rng) ?? "Kustomization"
                let (ready, reason) = [("True", "Succeeded"), ("False", "BuildFailed"), ("False", "DependencyNotReady")].randomElement(using: &rng) ?? ("True", "Succeeded")
                let json = fluxObject(kind: kind, apiVersion: "x/v1", name: name, namespace: namespace, spec: ["suspend": .bool(Int.random(in: 0..<4, using: &rng) == 0)],
                                      ready: ready, reason: reason, message: "Build failed: x")
                let object = FluxObject(json: json, kind: kind)
                let signals = Signals.evaluate(object, history: nil, now: DiagnosisModelTests.now, factor: 3)
                for _ in 0..<20 {
                    let query = Self.randomQuery(&rng)
                    let expected = query.terms.allSatisfy { term -> Bool in
                        let holds: Bool
                        switch term.test {
                        case .field(.kind, let p): holds = Self.globModel(p, kind)
                        case .field(.ns, let p): holds = Self.globModel(p, namespace)
                        case .field(.name, let p): holds = Self.globModel(p, name)
                        case .field(.status, _): holds = false
                        case .status(.failing): holds = !object.suspended && ready == "False" && reason != "DependencyNotReady"
                        case .status(.blocked): holds = !object.suspended && reason == "DependencyNotReady"
                        case .status(.suspended): holds = object.suspended
                        case .status(.ready): holds = ready == "True" && !object.suspended
                        case .status(.stale): holds = signals.stale
                        case .status(.drifted): holds = false
                        case .text(let p):
                            let fields = [name, reason, ready == "False" ? "Build failed: x" : ""]
                            holds = p.contains("*") ? fields.contains { Self.globModel(p, $0) } : fields.contains { $0.lowercased().contains(p.lowercased()) }
                        }
                        return holds != term.negated
                    }
                    #expect(query.matches(object, signals) == expected, "\(context): \(query) on \(kind)/\(namespace)/\(name)")
                    // The form that evaluates the signals itself, only when a term reads them.
                    #expect(query.matches(object, now: DiagnosisModelTests.now, staleFactor: 3) == expected, "\(context): \(query)")
                    // AND of two queries: both hold.
                    let other = Self.randomQuery(&rng)
                    #expect(query.and(other.terms).matches(object, signals) == (expected && other.matches(object, signals)), "\(context): \(query) and \(other)")
                }
            }
        }
    }

    @Test("equal queries hash alike (the status page keys its pages by query)")
    func hashing() throws {
        try seeded { rng, context in
            for _ in 0..<500 {
                let query = Self.randomQuery(&rng)
                let again = try ObjectQuery(parsing: query.description)
                #expect(again == query && again.hashValue == query.hashValue, "\(context): \(query)")
            }
        }
    }
}
