import ArgumentParser
import Foundation
import TandemFormats

/// `-o FORMAT` of every command that prints data, as kubectl's: `table` for people (`text` names the same:
/// lines or a table), `json` and `yaml` for machines, with the same fields in both.
enum DataFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, yaml

    init?(argument: String) {
        let name = argument.lowercased()
        self.init(rawValue: name == "text" ? "table" : name)
    }

    static var allValueStrings: [String] { allCases.map(\.rawValue) }

    /// Prints a value that has no table of its own in the asked format (`table` prints it as YAML).
    static func write(_ value: YAMLValue, as format: DataFormat) {
        writeOutput(format == .json ? value.json() : value.yaml())
    }

    /// YAML of a JSON text, keeping its keys in the JSON's order.
    static func yaml(fromJSON text: String) -> String {
        guard let root = DocumentLoader.load(text: text, file: "-").root else { return text }
        return YAMLValue(root).yaml()
    }
}
