/// One sample of the Prometheus text exposition format.
struct PromSample: Sendable, Equatable, CustomStringConvertible {
    var name: String
    var labels: [String: String]
    var value: Double

    var description: String {
        "\(name){\(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ","))} \(value)"
    }
}

/// A small reader of the text format, enough to look series up by name and labels in tests.
enum PrometheusText {
    static func parse(_ text: String) -> [PromSample] {
        text.split(separator: "\n").compactMap { line in
            line.hasPrefix("#") ? nil : parseLine(Substring(line))
        }
    }

    static func parseLine(_ line: Substring) -> PromSample? {
        var name = ""
        var labels: [String: String] = [:]
        var i = line.startIndex
        while i < line.endIndex, line[i] != "{", line[i] != " " {
            name.append(line[i])
            i = line.index(after: i)
        }
        guard !name.isEmpty, i < line.endIndex else { return nil }
        if line[i] == "{" {
            i = line.index(after: i)
            while i < line.endIndex, line[i] != "}" {
                var key = ""
                while i < line.endIndex, line[i] != "=" {
                    if line[i] != "," && line[i] != " " { key.append(line[i]) }
                    i = line.index(after: i)
                }
                // Skip `="`.
                guard i < line.endIndex else { return nil }
                i = line.index(after: i)
                guard i < line.endIndex, line[i] == "\"" else { return nil }
                i = line.index(after: i)
                var value = ""
                while i < line.endIndex, line[i] != "\"" {
                    if line[i] == "\\" {
                        i = line.index(after: i)
                        guard i < line.endIndex else { return nil }
                        switch line[i] {
                        case "n": value.append("\n")
                        default: value.append(line[i])
                        }
                    } else {
                        value.append(line[i])
                    }
                    i = line.index(after: i)
                }
                guard i < line.endIndex else { return nil }
                i = line.index(after: i)  // closing quote
                labels[key] = value
                while i < line.endIndex, line[i] == "," || line[i] == " " { i = line.index(after: i) }
            }
            guard i < line.endIndex else { return nil }
            i = line.index(after: i)  // `}`
        }
        let rest = line[i...].split(separator: " ")
        guard let first = rest.first else { return nil }
        let value: Double
        switch first {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let v = Double(first) else { return nil }
            value = v
        }
        return PromSample(name: name, labels: labels, value: value)
    }
}

extension Array where Element == PromSample {
    func named(_ name: String) -> [PromSample] { filter { $0.name == name } }

    /// Samples of `name` whose labels include every pair of `matching`.
    func series(_ name: String, _ matching: [String: String]) -> [PromSample] {
        filter { sample in sample.name == name && matching.allSatisfy { sample.labels[$0.key] == $0.value } }
    }
}
