/// How a request body is written, from its Content-Type. A body is read only as what it says it is.
public enum BodyFormat: String, Sendable, Equatable {
    case json, yaml

    /// The format a Content-Type header names; nil for anything else, which is answered 415.
    public init?(contentType: String?) {
        switch mediaType(contentType) {
        case "application/json": self = .json
        case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml": self = .yaml
        default: return nil
        }
    }

    /// The 415 for a Content-Type that is neither.
    public static func unsupported(_ contentType: String?) -> CatalogError {
        let found = contentType.map { "found \"\(QueryParameters.shown($0))\"" } ?? "found none"
        return CatalogError(.unsupportedMediaType, "the body's Content-Type must be application/json or application/yaml; \(found)")
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        let characters = Set(set)
        var text = self
        while let first = text.first, characters.contains(first) { text.removeFirst() }
        while let last = text.last, characters.contains(last) { text.removeLast() }
        return text
    }
}

/// A Content-Type's media type without its parameters, lower-cased (`multipart/form-data`); nil for none.
public func mediaType(_ contentType: String?) -> String? {
    contentType.map { $0.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: " \t").lowercased() }
}

/// The value of one parameter of a header such as `multipart/form-data; boundary=X`.
public func headerParameter(_ header: String, _ name: String) -> String? {
    for part in header.split(separator: ";").dropFirst() {
        let pair = part.split(separator: "=", maxSplits: 1)
        guard pair.count == 2, pair[0].trimmingCharacters(in: " \t").lowercased() == name.lowercased() else { continue }
        var value = pair[1].trimmingCharacters(in: " \t")
        if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
        return String(value)
    }
    return nil
}
