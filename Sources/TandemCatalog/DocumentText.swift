import TandemCore
import TandemFormats

/// Items are kept as compact JSON in their author's key order (what `get` gives back, so an edited
/// item reads as it was written), and compared by content: two applies of the same content are the
/// same item whatever the key order or format (YAML or JSON) they were written in, which is what makes a
/// re-applied `get` output `Unchanged`. The canonical form (keys sorted, no spaces, numbers as read) is
/// what content is compared by.
public enum CanonicalJSON {
    public static func text(_ node: DocumentNode) -> String {
        var output = ""
        write(node, sorted: true, into: &output)
        return output
    }

    /// Compact JSON with the document's own key order: what is stored and sent.
    public static func ordered(_ node: DocumentNode) -> String {
        var output = ""
        write(node, sorted: false, into: &output)
        return output
    }

    /// Whether two stored texts hold the same content, whatever their key order.
    public static func sameContent(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        guard let left = try? JSONValue.parse(Array(a.utf8)), let right = try? JSONValue.parse(Array(b.utf8)) else { return false }
        return left == right
    }

    static func write(_ node: DocumentNode, sorted: Bool, into output: inout String) {
        switch node.kind {
        case .scalar(let scalar):
            switch scalar.value {
            case .null: output += "null"
            case .bool(let flag): output += flag ? "true" : "false"
            case .int(let number): output += String(number)
            case .double(let number): output += number.isFinite ? String(number) : JSONText.quoted(scalar.text)
            case .string(let text): output += JSONText.quoted(text)
            }
        case .sequence(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                write(item, sorted: sorted, into: &output)
            }
            output += "]"
        case .mapping(let entries):
            output += "{"
            for (index, entry) in (sorted ? entries.sorted(by: { $0.key < $1.key }) : entries).enumerated() {
                if index > 0 { output += "," }
                output += JSONText.quoted(entry.key) + ":"
                write(entry.value, sorted: sorted, into: &output)
            }
            output += "}"
        }
    }

    /// The stored document as the API returns it: `_id` first, then the document's fields.
    public static func withObjectID(_ document: String, _ objectId: ObjectID) -> String {
        let head = "{\"_id\":\"\(objectId.hex)\""
        return document == "{}" ? head + "}" : head + "," + document.dropFirst()
    }
}

/// The fields of a stored document that the catalog indexes, read back from its text.
struct ItemSummary {
    var name = ""
    var description = ""
    var allTenants = false
    var isPublic = false

    init(document: String) {
        guard case .object(let fields)? = try? JSONValue.parse(Array(document.utf8)) else { return }
        if case .string(let text)? = fields["name"] { name = text }
        if case .string(let text)? = fields["description"] { description = text }
        if case .object(let visibility)? = fields["visibility"] {
            allTenants = visibility["allTenants"] == .bool(true)
            isPublic = visibility["public"] == .bool(true)
        }
    }
}

/// Which fields differ between two documents, as dotted paths (`resources.dockerImage`,
/// `resources.containerPorts[0].from`), for the history.
public enum DocumentDiff {
    public static func changedPaths(from old: String, to new: String, limit: Int = 50) -> [String] {
        guard let a = try? JSONValue.parse(Array(old.utf8)), let b = try? JSONValue.parse(Array(new.utf8)) else { return [""] }
        var paths: [String] = []
        diff(a, b, path: "", into: &paths, limit: limit)
        return paths
    }

    static func diff(_ a: JSONValue, _ b: JSONValue, path: String, into paths: inout [String], limit: Int) {
        guard paths.count < limit, a != b else { return }
        switch (a, b) {
        case (.object(let x), .object(let y)):
            for key in Set(x.keys).union(y.keys).sorted() {
                let child = path.isEmpty ? key : path + "." + key
                switch (x[key], y[key]) {
                case (let left?, let right?): diff(left, right, path: child, into: &paths, limit: limit)
                default: if paths.count < limit { paths.append(child) }
                }
            }
        case (.array(let x), .array(let y)) where x.count == y.count:
            for index in x.indices { diff(x[index], y[index], path: "\(path)[\(index)]", into: &paths, limit: limit) }
        default:
            paths.append(path)
        }
    }
}
