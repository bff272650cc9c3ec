/// Tables in miactl's layout (olekukonko/tablewriter without borders): upper-case headers, every line
/// two spaces, then the cells padded to their column's width and joined by two spaces, then two
/// trailing spaces; a blank line after the header. A cell with newlines continues on the next lines.
struct TablePrinter {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: [String]) {
        self.headers = headers.map { $0.uppercased() }
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    func render() -> String {
        let split = rows.map { row in row.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } }
        var widths = headers.map(\.count)
        for row in split {
            for (column, lines) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], lines.map(\.count).max() ?? 0)
            }
        }
        func line(_ cells: [String]) -> String {
            "  " + cells.enumerated().map { column, cell in cell + String(repeating: " ", count: max(0, widths[column] - cell.count)) }.joined(separator: "  ")
                + "  \n"
        }
        var output = line(headers) + "\n"
        for row in split {
            let height = row.map(\.count).max() ?? 1
            for index in 0..<height {
                output += line(headers.indices.map { column in column < row.count && index < row[column].count ? row[column][index] : "" })
            }
        }
        return output
    }
}
