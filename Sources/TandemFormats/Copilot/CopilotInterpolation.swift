import Foundation
import TandemCore

/// Copilot's `${VAR}` interpolation: in every string value of the manifest (not keys), `${NAME}` is the
/// reserved `COPILOT_APPLICATION_NAME` / `COPILOT_ENVIRONMENT_NAME`, else the variable from the
/// environment; `\${NAME}` stays `${NAME}`; a value that becomes a JSON list of strings becomes a list.
/// Names follow docker/compose's: letters, digits and `_`, not starting with a digit.
struct CopilotInterpolation {
    var application: String?
    var environment: String?
    var variables: [String: String]
    /// Whether a reserved name nobody gave is an error; checking the base manifest leaves it as written.
    var strict = true

    func apply(_ node: DocumentNode, path: String, context: ReadContext) -> DocumentNode {
        switch node.kind {
        case .mapping(let entries):
            return DocumentNode(
                .mapping(
                    entries.map { entry in
                        var entry = entry
                        entry.value = apply(entry.value, path: FieldPath.child(path, entry.key), context: context)
                        return entry
                    }), at: node.position)
        case .sequence(let items):
            return DocumentNode(
                .sequence(items.enumerated().map { apply($0.element, path: FieldPath.index(path, $0.offset), context: context) }),
                at: node.position)
        case .scalar(let scalar):
            guard scalar.text.contains("${"), node.value.map({ if case .string = $0 { true } else { false } }) ?? false else { return node }
            guard let text = interpolate(scalar.text, node: node, path: path, context: context), text != scalar.text else { return node }
            if let list = Self.stringList(text) {
                return DocumentNode(.sequence(list.map { DocumentNode(.scalar(.init(text: $0, isPlain: false)), at: node.position) }), at: node.position)
            }
            return DocumentNode(.scalar(.init(text: text, isPlain: false)), at: node.position)
        }
    }

    private func interpolate(_ text: String, node: DocumentNode, path: String, context: ReadContext) -> String? {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            let escaped = start.lowerBound > rest.startIndex && rest[rest.index(before: start.lowerBound)] == "\\"
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { break }
            let name = String(rest[start.upperBound..<end])
            guard Self.isVariableName(name) else {
                result += rest[..<rest.index(after: start.lowerBound)]
                rest = rest[rest.index(after: start.lowerBound)...]
                continue
            }
            if escaped {
                result += rest[..<rest.index(before: start.lowerBound)]
                result += "${\(name)}"
                rest = rest[rest.index(after: end)...]
                continue
            }
            result += rest[..<start.lowerBound]
            let reserved: String?? =
                switch name {
                case "COPILOT_APPLICATION_NAME": .some(application)
                case "COPILOT_ENVIRONMENT_NAME": .some(environment)
                default: .none
                }
            if case .some(let predefined) = reserved {
                guard let predefined else {
                    if !strict {
                        result += "${\(name)}"
                        rest = rest[rest.index(after: end)...]
                        continue
                    }
                    let what = name == "COPILOT_APPLICATION_NAME" ? "an application (--app, or copilot/.workspace)" : "an environment (--env)"
                    context.error(node, path, "${\(name)} needs \(what) to be given")
                    return nil
                }
                if let set = variables[name], set != predefined {
                    context.error(node, path, "predefined environment variable \"\(name)\" cannot be overridden by OS environment variable with the same name")
                    return nil
                }
                result += predefined
            } else if let value = variables[name] {
                result += value
            } else {
                context.error(node, path, "environment variable \"\(name)\" is not defined")
                return nil
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// `["a","b"]` as Go's encoding/json reads a `[]string`, non-empty.
    static func stringList(_ text: String) -> [String]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]"),
            case .document(let value) = JSONReader.read(ArraySlice(trimmed.utf8), file: "", limits: .standard),
            case .sequence(let items) = value.kind, !items.isEmpty
        else { return nil }
        var strings: [String] = []
        for item in items {
            guard case .string(let text)? = item.value else { return nil }
            strings.append(text)
        }
        return strings
    }
}
