import Foundation
import TandemCore

@testable import TandemFormats

/// Reads text as if it were the file `name`, with the format detected unless given.
func load(
    _ text: String, as name: String = "input.yaml", format: InputFormat? = nil, profile: MiaSchemaProfile = .standard, environment: String? = nil
)
    -> LoadedInput
{
    InputLoader(format: format, environment: environment, miaProfile: profile).load(text: text, file: name)
}

/// `LINE:COLUMN: severity: path: message` for each diagnostic, without the file name.
func lines(_ input: LoadedInput) -> [String] {
    input.diagnostics.map { diagnostic in
        let position = diagnostic.line.map { "\($0):\(diagnostic.column ?? 0)" } ?? "-"
        let path = diagnostic.path.isEmpty ? "" : "\(diagnostic.path): "
        return "\(position): \(diagnostic.severity.rawValue): \(path)\(diagnostic.message)"
    }
}

func errorMessages(_ input: LoadedInput) -> [String] { input.diagnostics.errors.map(\.message) }

/// The repository root, for examples and fixtures.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "tandem-tests-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func write(_ text: String, to path: String) {
    try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
}
