import TandemCore

/// A Go type as encoding/json sees it, to decode an answer the way miactl's structs would: a string
/// field takes only a JSON string (or null), an int only a whole number in range, a struct an object
/// whose keys match the json tags exactly or case-insensitively (unknown keys ignored), a slice an
/// array. A mismatch is the error Go gives (`json: cannot unmarshal object into Go struct field
/// Release.version of type string`).
indirect enum GoType: Sendable {
    case string, bool, int, int64, interface
    case slice(GoType)
    case map(GoType)
    /// A named struct, its fields as (json tag, type).
    case structure(String, [(String, GoType)])

    var goName: String {
        switch self {
        case .string: "string"
        case .bool: "bool"
        case .int: "int"
        case .int64: "int64"
        case .interface: "interface {}"
        case .slice(let element): "[]" + element.goName
        case .map(let element): "map[string]" + element.goName
        case .structure(let name, _): name
        }
    }
}

struct GoUnmarshalError: Error, CustomStringConvertible {
    var description: String
}

enum GoJSON {
    /// Decodes `bytes` into `type` with encoding/json's rules; throws what Go's Unmarshal would return.
    static func unmarshal(_ bytes: [UInt8], into type: GoType) throws -> JSONValue {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw GoUnmarshalError(description: bytes.isEmpty ? "unexpected end of JSON input" : "invalid character at offset \(error.offset)")
        }
        try check(value, type, field: nil)
        return value
    }

    static func check(_ value: JSONValue, _ type: GoType, field: String?) throws {
        func mismatch(_ kind: String) -> GoUnmarshalError {
            let place = field.map { "Go struct field \($0) of type \(type.goName)" } ?? "Go value of type \(type.goName)"
            return GoUnmarshalError(description: "json: cannot unmarshal \(kind) into \(place)")
        }
        if case .null = value { return }
        switch (type, value) {
        case (.interface, _): return
        case (.string, .string), (.bool, .bool): return
        case (.int, .number(let text)), (.int64, .number(let text)):
            guard Int64(text) != nil else { throw mismatch("number \(text)") }
        case (.slice(let element), .array(let items)):
            for item in items { try check(item, element, field: field) }
        case (.map(let element), .object(let fields)):
            for (_, item) in fields { try check(item, element, field: field) }
        case (.structure(let name, let declared), .object(let fields)):
            for (key, item) in fields {
                // An exact tag first, then encoding/json's case-insensitive match.
                guard let match = declared.first(where: { $0.0 == key }) ?? declared.first(where: { $0.0.lowercased() == key.lowercased() }) else {
                    continue
                }
                try check(item, match.1, field: "\(name).\(match.0)")
            }
        default:
            throw mismatch(kindName(value))
        }
    }

    static func kindName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// miactl's types at mia-platform/miactl HEAD (internal/resources, internal/resources/marketplace,
/// internal/resources/catalog), and golang.org/x/oauth2's token answer.
enum Miactl {
    static let message = GoType.structure("ApplyResponseItemValidationError", [("message", .string)])
    static let apiError = GoType.structure("APIError", [("statusCode", .int), ("message", .string)])
    static let version = GoType.structure("Version", [("version", .string), ("major", .string), ("minor", .string)])
    static let marketplaceApply = GoType.structure(
        "ApplyResponse",
        [
            ("done", .bool),
            (
                "items",
                .slice(
                    .structure(
                        "ApplyResponseItem",
                        [
                            ("_id", .string), ("itemId", .string), ("done", .bool), ("inserted", .bool), ("updated", .bool),
                            ("validationErrors", .slice(message)), ("errors", .slice(message)),
                        ]))
            ),
        ])
    static let catalogApply = GoType.structure(
        "ApplyResponse",
        [
            ("done", .bool),
            (
                "items",
                .slice(
                    .structure(
                        "ApplyResponseItem",
                        [
                            ("_id", .string), ("itemId", .string), ("done", .bool), ("inserted", .bool), ("updated", .bool),
                            ("errors", .slice(.structure("ApplyResponseItemError", [("message", .string)]))),
                        ]))
            ),
        ])
    static let uploadImage = GoType.structure(
        "UploadImageResponse", [("_id", .string), ("name", .string), ("file", .string), ("size", .int64), ("location", .string)])
    static let releases = GoType.slice(.structure("Release", [("version", .string), ("name", .string), ("description", .string)]))
    static let items = GoType.slice(
        .structure(
            "MarketplaceItem",
            [("_id", .string), ("itemId", .string), ("name", .string), ("type", .string), ("supportedBy", .string), ("tenantId", .string)]))
    /// `marketplace.Item` is a `map[string]interface{}`.
    static let item = GoType.map(.interface)
    /// golang.org/x/oauth2/internal's tokenJSON (expires_in an integer).
    static let token = GoType.structure(
        "tokenJSON", [("access_token", .string), ("token_type", .string), ("refresh_token", .string), ("expires_in", .int)])
}

/// A small JSON Schema check (type, required, properties, items, enum, const, minimum, $ref into the
/// document) for answers against the OpenAPI description's response schemas.
struct SchemaChecker {
    let document: JSONValue

    func check(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        guard case .object(let rules) = schema else { return [] }
        if case .string(let reference)? = rules["$ref"] {
            return check(value, against: resolve(reference), at: path)
        }
        var problems: [String] = []
        if case .string(let type)? = rules["type"], !Self.matches(value, type) {
            return ["\(path): expected \(type), found \(GoJSON.kindName(value))"]
        }
        if let constant = rules["const"], constant != value { problems.append("\(path): expected \(constant)") }
        if case .array(let allowed)? = rules["enum"], !allowed.contains(value) { problems.append("\(path): \(value) is not one of \(allowed)") }
        if case .object(let fields) = value {
            if case .array(let required)? = rules["required"] {
                for case .string(let name) in required where fields[name] == nil { problems.append("\(path): missing \(name)") }
            }
            if case .object(let properties)? = rules["properties"] {
                for (name, propertySchema) in properties {
                    if let field = fields[name] { problems += check(field, against: propertySchema, at: "\(path).\(name)") }
                }
            }
        }
        if case .array(let items) = value, let itemSchema = rules["items"] {
            for (index, item) in items.enumerated() { problems += check(item, against: itemSchema, at: "\(path)[\(index)]") }
        }
        if case .number(let text) = value, case .number(let minimum)? = rules["minimum"], let number = Double(text), let bound = Double(minimum),
            number < bound
        {
            problems.append("\(path): \(text) is below \(minimum)")
        }
        return problems
    }

    func resolve(_ reference: String) -> JSONValue {
        var node = document
        for part in reference.dropFirst(2).split(separator: "/") {
            guard case .object(let fields) = node, let next = fields[String(part)] else { return .null }
            node = next
        }
        return node
    }

    static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): true
        case ("number", .number): true
        case ("integer", .number(let text)): Int64(text) != nil
        default: false
        }
    }

    /// The response schema of `operation` for `status` (JSON answers only).
    func responseSchema(path template: String, method: String, status: Int) -> JSONValue? {
        guard case .object(let root) = document, case .object(let paths)? = root["paths"], case .object(let operations)? = paths[template],
            case .object(let operation)? = operations[method.lowercased()], case .object(let responses)? = operation["responses"],
            var response = responses[String(status)]
        else { return nil }
        if case .object(let fields) = response, case .string(let reference)? = fields["$ref"] { response = resolve(reference) }
        guard case .object(let fields) = response, case .object(let content)? = fields["content"], case .object(let json)? = content["application/json"]
        else { return nil }
        return json["schema"]
    }
}
