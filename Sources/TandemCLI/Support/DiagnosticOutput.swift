import ArgumentParser
import Foundation
import TandemCore
import TandemFormats

/// Renders validation results for people (compiler-style lines and a summary) or machines (JSON).
enum DiagnosticOutput {
    static func text(_ inputs: [LoadedInput], unreadable: [Diagnostic], quiet: Bool) -> String {
        var lines: [String] = []
        for diagnostic in Diagnostic.ordered(unreadable) { lines.append(diagnostic.description) }
        for input in inputs {
            for diagnostic in input.diagnostics where !(quiet && diagnostic.severity != .error) {
                lines.append(diagnostic.description)
            }
            if !quiet && input.isValid {
                lines.append("\(input.file): ok: \(input.summary)")
            }
        }
        let errors = inputs.flatMap(\.diagnostics).errors.count
        let warnings = inputs.flatMap(\.diagnostics).warnings.count
        let invalid = inputs.filter { !$0.isValid }.count
        var summary = "\(inputs.count) \(inputs.count == 1 ? "input" : "inputs") checked: \(inputs.count - invalid) valid, \(invalid) invalid"
        summary += " (\(errors) \(errors == 1 ? "error" : "errors"), \(warnings) \(warnings == 1 ? "warning" : "warnings"))"
        if !unreadable.isEmpty { summary += "; \(unreadable.count) unreadable" }
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ inputs: [LoadedInput], unreadable: [Diagnostic]) -> String {
        func encode(_ diagnostic: Diagnostic) -> [String: Any] {
            var object: [String: Any] = [
                "severity": diagnostic.severity.rawValue, "file": diagnostic.file, "path": diagnostic.path, "message": diagnostic.message,
            ]
            if let line = diagnostic.line { object["line"] = line }
            if let column = diagnostic.column { object["column"] = column }
            return object
        }
        let files: [[String: Any]] = inputs.map { input in
            var object: [String: Any] = [
                "file": input.file, "valid": input.isValid, "diagnostics": input.diagnostics.map(encode),
            ]
            object["format"] = input.format?.rawValue ?? NSNull()
            object["summary"] = input.summary
            return object
        }
        let root: [String: Any] = [
            "valid": unreadable.isEmpty && inputs.allSatisfy(\.isValid),
            "files": files,
            "unreadable": Diagnostic.ordered(unreadable).map(encode),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
