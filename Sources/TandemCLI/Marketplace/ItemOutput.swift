import TandemCatalog
import TandemCore
import TandemFormats

/// Prints what the server sent: JSON indented by two spaces (miactl's `get`) or YAML, keys in the
/// server's order (`_id` first).
enum ItemOutput {
    static func render(_ bytes: [UInt8], as encoding: ItemEncoding) throws -> String {
        let loaded = DocumentLoader.load(bytes: bytes, file: "response")
        guard let root = loaded.root else { throw CLIError("no marketplace item returned in the response") }
        if case .scalar(let scalar) = root.kind, scalar.value == .null { throw CLIError("no marketplace item returned in the response") }
        let value = YAMLValue(root)
        switch encoding {
        case .json: return value.json()
        case .yaml: return value.yaml()
        }
    }

    /// The elements of JSON arrays (pages of a list) as documents.
    static func elements(_ pages: [[UInt8]]) throws -> [DocumentNode] {
        var nodes: [DocumentNode] = []
        for page in pages {
            guard let items = DocumentLoader.load(bytes: page, file: "response").root?.items else {
                throw CLIError("unexpected response from the catalog: not a list")
            }
            nodes += items
        }
        return nodes
    }
}

extension DocumentNode {
    func string(_ key: String) -> String {
        if case .string(let text)? = self[key]?.value { return text }
        return ""
    }
}

enum YAMLValueList {
    static func revisions(_ revisions: [CatalogAPI.RevisionEntry]) -> YAMLValue {
        .list(
            revisions.map { entry in
                .map([
                    ("revision", .int(entry.revision)), ("action", .string(entry.action)), ("at", .string(entry.at)), ("actor", .string(entry.actor)),
                    ("changes", .list(entry.changes.map(YAMLValue.string))),
                ])
            })
    }
}
