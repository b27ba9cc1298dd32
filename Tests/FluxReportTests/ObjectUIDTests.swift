import FluxReport
import KubeCore
import TestSupport
import Testing

@Suite struct ObjectUIDTests {
    /// A random UUID-shaped text over `alphabet` (the hyphens where a UUID has them).
    static func uuid(_ rng: inout TestRandom, alphabet: [Character] = Array("0123456789abcdef")) -> String {
        var out = ""
        for offset in 0..<36 {
            if [8, 13, 18, 23].contains(offset) {
                out.append("-")
            } else {
                out.append(alphabet[Int(rng.next() % UInt64(alphabet.count))])
            }
        }
        return out
    }

    @Test func canonicalUUIDsAreCompactAndComeBackIdentical() {
        var rng = TestRandom()
        let seed = rng.seed
        
        for _ in 0..<2_000 {
            let text = Self.uuid(&rng)
            let uid = ObjectUID(text)
            #expect(uid.isCompact, "seed \(seed) (TEST_SEED): \(text)")
            #expect(uid.string == text, "seed \(seed) (TEST_SEED)")
            #expect(uid.heapBytes == 0)
            #expect(uid == ObjectUID(text))
        }
        for text in ["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
                     "0123abcd-4567-89ef-0123-456789abcdef"] {
            #expect(ObjectUID(text).isCompact)
            #expect(ObjectUID(text).string == text)
        }
    }

    @Test func anyOtherTextIsKeptAsIs() {
        var rng = TestRandom()
        let seed = rng.seed
        
        var others = ["", "a", "not-a-uid", "0123ABCD-4567-89ef-0123-456789abcdef",  // uppercase: would not come back the same
                      "0123abcd-4567-89ef-0123-456789abcde", "0123abcd-4567-89ef-0123-456789abcdef0",
                      "0123abcd_4567-89ef-0123-456789abcdef", "{0123abcd-4567-89ef-0123-456789abcd}",
                      "0123abcd-4567-89ef-0123-456789abcdeg", "0123abcd-4567-89ef-0123-45678é9abcd"]
        for _ in 0..<500 {
            // One character of a canonical UUID replaced by anything ASCII that breaks the form.
            var bytes = Array(Self.uuid(&rng).utf8)
            let at = Int(rng.next() % 36)
            let hyphen = [8, 13, 18, 23].contains(at)
            var replacement = UInt8(rng.next() % 95 + 32)
            let fits: (UInt8) -> Bool = { hyphen ? $0 == UInt8(ascii: "-")
                : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
            while fits(replacement) { replacement = UInt8(rng.next() % 95 + 32) }
            bytes[at] = replacement
            others.append(String(decoding: bytes, as: UTF8.self))
        }
        for text in others {
            let uid = ObjectUID(text)
            #expect(!uid.isCompact, "seed \(seed) (TEST_SEED): \(text)")
            #expect(uid.string == text, "seed \(seed) (TEST_SEED)")
        }
        // Distinct texts stay distinct values, compact or not.
        #expect(ObjectUID("0123abcd-4567-89ef-0123-456789abcdef") != ObjectUID("0123ABCD-4567-89ef-0123-456789abcdef"))
    }

    @Test func theProjectionKeepsTheUIDText() {
        var json = fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "apps")
        json["metadata"]["uid"] = "5d2c9d4e-1f0a-4b7e-9c3d-8a6f2e1b0c9d"
        var object = FluxObject(json: json, kind: "Kustomization")
        #expect(object.uid == "5d2c9d4e-1f0a-4b7e-9c3d-8a6f2e1b0c9d")
        #expect(MetricLabels.info(object).first { $0.0 == "uid" }?.1 == "5d2c9d4e-1f0a-4b7e-9c3d-8a6f2e1b0c9d")
        object.uid = "custom"
        #expect(object.uid == "custom")
        #expect(object != FluxObject(json: json, kind: "Kustomization"))
        object.uid = "5d2c9d4e-1f0a-4b7e-9c3d-8a6f2e1b0c9d"
        #expect(object == FluxObject(json: json, kind: "Kustomization"))
    }
}
