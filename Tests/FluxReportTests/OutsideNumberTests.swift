import FluxReport
import KubeCore
import TestSupport
import Testing

/// Numbers from outside (annotations, flags, object fields) at and past their limits: each one gets
/// an answer or the documented fallback, never a trap.
@Suite struct OutsideNumberTests {
    // 2^63-1 ns, the longest duration an Int64 holds: parsed exactly, not through Double (whose
    // nearest value, 2^63, traps when converted back to Int64).
    @Test func reconcileEveryAtInt64MaxDoesNotTrap() {
        let annotations = [ReportAnnotations.reconcileEvery: "9223372036854775807ns"]
        #expect(ReportAnnotations.interval(annotations, default: .seconds(300)) == .nanoseconds(Int64.max))
    }

    @Test(arguments: [
        "9223372036854775808ns", "9223372036854775807ns1ns", "2562048h", "2562047h47m16.854775808s",
        "106751991167301d", "99999999999999999999999999s", "18446744073709551616ns", "1e400s", "inf", "-inf",
        "NaN", "+Inf", "1e3s", "0x10s", "", " ", "\u{0}", "5\u{0}s", "五s", "5秒", "5 s", "5s ", "١s",
        "1.5.5s", ".", ".s", "s", "-", "+", "--5s", "5", "1h30", "5S", "5Ms",
        "9223372036854775807h", String(repeating: "9", count: 10_000) + "s",
    ])
    func invalidDurationsAreErrors(text: String) {
        #expect(throws: GoDuration.ParseError.self) { try GoDuration.parse(text) }
        // …and the annotation falls back to the default interval.
        #expect(ReportAnnotations.interval([ReportAnnotations.reconcileEvery: text], default: .seconds(42)) == .seconds(42))
    }

    @Test(arguments: [
        ("9223372036854775807ns", Int64.max), ("-9223372036854775808ns", Int64.min),
        ("2562047h47m16.854775807s", Int64.max), ("-2562047h47m16.854775808s", Int64.min),
        ("2562047h", 2_562_047 * 3_600_000_000_000), ("9223372036.854775807s", Int64.max),
        ("0", 0), ("-0", 0), ("+0", 0), ("0s", 0), ("-0s", 0), ("0.0000000001s", 0), ("1.0000000001s", 1_000_000_000),
        // Fraction digits beyond UInt64 are dropped, not an error (Go).
        ("1." + String(repeating: "0", count: 40) + "1s", 1_000_000_000),
        // Go keeps 18 of the nines and scales them in float64, which rounds up to a whole second.
        ("0." + String(repeating: "9", count: 40) + "s", 1_000_000_000),
        ("1.5h", 5_400_000_000_000), (".5m", 30_000_000_000), ("5.s", 5_000_000_000), ("1h1m1s1ms1us1ns", 3_661_001_001_001),
        ("1µs", 1_000), ("1μs", 1_000), ("+5ns", 5), ("-1.5us", -1_500), ("00001s", 1_000_000_000),
        ("0.1ns", 0), ("1.9ns", 1),
    ] as [(String, Int64)])
    func validDurationsAtTheLimits(text: String, nanoseconds: Int64) throws {
        #expect(try GoDuration.parseNanoseconds(text) == nanoseconds)
        #expect(try GoDuration.parse(text) == .nanoseconds(nanoseconds))
    }

    @Test(arguments: [
        (Int64(0), "0s"), (1, "1ns"), (999, "999ns"), (1_000, "1µs"), (1_500, "1.5µs"), (1_000_000, "1ms"),
        (1_234_567, "1.234567ms"), (1_000_000_000, "1s"), (60_000_000_000, "1m0s"), (3_600_000_000_000, "1h0m0s"),
        (5_400_500_000_000, "1h30m0.5s"), (-2_000_000_000, "-2s"),
        (Int64.max, "2562047h47m16.854775807s"), (Int64.min, "-2562047h47m16.854775808s"),
    ])
    func formatIsGoString(nanoseconds: Int64, text: String) throws {
        #expect(GoDuration.format(nanoseconds: nanoseconds) == text)
        #expect(try GoDuration.parseNanoseconds(text) == nanoseconds)
    }

    /// format → parse is the identity over Int64 (seeded, replayable).
    @Test func formatParseRoundTripRandom() throws {
        var rng = TestRandom()
        let seed = rng.seed
        for _ in 0..<20_000 {
            let bits = Int64(bitPattern: rng.next())
            let value = bits >> Int64(rng.next() % 64)  // all magnitudes
            let text = GoDuration.format(nanoseconds: value)
            let parsed = try? GoDuration.parseNanoseconds(text)
            #expect(parsed == value, "seed \(seed): \(value) → \(text) → \(String(describing: parsed))")
            if parsed != value { return }
        }
    }

    @Test(arguments: [Int64.max, Int64.min, Int64.max - 86_399, Int64.min + 1, -62_167_219_201, 253_402_300_800])
    func timestampOutOfRangeIsClamped(seconds: Int64) {
        let text = Timestamp.rfc3339(secondsSinceEpoch: seconds)
        #expect(text == (seconds < 0 ? "0000-01-01T00:00:00Z" : "9999-12-31T23:59:59Z"))
    }

    @Test(arguments: [
        JSONValue.int(.max), .int(.min), .int(-1), .double(.infinity), .double(-.infinity), .double(.nan),
        .double(9.3e18), .double(1e300), .string("9223372036854775807"), .null,
    ])
    func artifactSizeFromAnyJSON(size: JSONValue) {
        let object = fluxObject(size: size)
        #expect(object.artifactSize >= 0 && object.artifactSize <= FluxObject.maxArtifactSize)
    }

    /// Sizes are clamped per object so sums over a large fleet stay exact and positive.
    @Test func artifactSizeSumOfManyHugeSizesStaysPositive() {
        var stats = KindStats()
        let huge = fluxObject(size: .int(.max))
        for _ in 0..<100_000 { stats.add(huge) }
        #expect(stats.totalSize == 100_000 * FluxObject.maxArtifactSize)
        #expect(stats.reconcilerStats.totalSize != nil)
        for _ in 0..<100_000 { stats.remove(huge) }
        #expect(stats.totalSize == 0)
    }

    @Test(arguments: [Int64.max, Int64.max - 1, 1 << 62, 1 << 60])
    func byteSizeAtTheTop(bytes: Int64) {
        #expect(ByteSize.format(bytes).hasSuffix(" EiB"))
    }

    /// Replica counts from a Deployment's spec/status (outside data) at the extremes: kstatus never traps.
    @Test(arguments: [(Int64.min, Int64.max), (Int64.max, Int64.min), (-1, Int64.max), (Int64.min, 0), (Int64.max, Int64.max)] as [(Int64, Int64)])
    func deploymentReplicasAtTheLimits(spec: Int64, status: Int64) {
        let json: JSONValue = [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "d", "generation": 1],
            "spec": ["replicas": .int(spec)],
            "status": ["observedGeneration": 1, "replicas": .int(status), "updatedReplicas": .int(status),
                       "readyReplicas": .int(status), "availableReplicas": .int(status)],
        ]
        let result = DeploymentStatus(DeploymentInfo(json: json))
        #expect(!result.message.isEmpty)
    }

    private func fluxObject(size: JSONValue) -> FluxObject {
        let json: JSONValue = [
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": ["name": "a", "namespace": "flux-system", "uid": "u"],
            "status": ["artifact": ["size": size]],
        ]
        return FluxObject(json: json, kind: "GitRepository", apiVersion: nil, keepLabels: [])
    }
}

