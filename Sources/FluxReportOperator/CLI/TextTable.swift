/// A kubectl-style table: upper-case headers, columns padded to their widest cell, three spaces
/// apart, no trailing spaces. Cells are cut to `maxCell` characters on one line.
struct TextTable {
    static let maxCell = 100

    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: [String]) { self.headers = headers.map { $0.uppercased() } }

    mutating func add(_ cells: [String]) { rows.append(cells.map(Self.cell)) }

    /// One line, at most `maxCell` characters (with "…" when cut).
    static func cell(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > maxCell ? String(line.prefix(maxCell - 1)) + "…" : line
    }

    var text: String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, cell) in cells.enumerated() where i < widths.count {
                out += i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 3)
            }
            return out
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
