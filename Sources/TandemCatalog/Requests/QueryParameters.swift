/// A request's query parameters, checked: each name known to the route and given once, each number a
/// number in its range. A wrong one is refused with 400 naming the parameter, never defaulted.
public struct QueryParameters: Sendable, Equatable {
    var values: [String: String]

    /// Parses the raw query (what follows `?`, still encoded) against the names a route takes.
    public init(raw: some Collection<UInt8>, allowed: Set<String>) throws(CatalogError) {
        guard let pairs = FormEncoding.pairs(raw) else {
            throw CatalogError(.invalid, "the query string is not valid: a % must be followed by two hex digits, and values must be UTF-8")
        }
        values = [:]
        for (name, value) in pairs {
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw CatalogError(.invalid, "unknown query parameter \"\(Self.shown(name))\"; this route takes \(known.isEmpty ? "none" : known)")
            }
            guard values[name] == nil else { throw CatalogError(.invalid, "query parameter \(name) is given more than once") }
            values[name] = value
        }
    }

    public func string(_ name: String) -> String? { values[name] }

    /// A non-empty string, or nil when absent.
    public func nonEmpty(_ name: String) throws(CatalogError) -> String? {
        guard let value = values[name] else { return nil }
        guard !value.isEmpty else { throw CatalogError(.invalid, "query parameter \(name) is empty") }
        return value
    }

    /// A whole number within `range`, or `fallback` when absent.
    public func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws(CatalogError) -> Int {
        guard let text = values[name] else { return fallback }
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(text), range.contains(value) else {
            throw CatalogError(
                .invalid, "query parameter \(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), found \"\(Self.shown(text))\"")
        }
        return value
    }

    /// User text in a message: at most 64 characters.
    static func shown(_ text: String) -> String {
        text.count > 64 ? String(text.prefix(64)) + "..." : text
    }
}

/// What a list route asks for, from its query.
public struct ListRequest: Sendable, Equatable {
    public var tenantId: String?
    public var includeTenantId: String?
    public var type: String?
    public var page: Int
    public var perPage: Int
    public var after: String?

    /// The largest page number: with 1,000 per page, ten billion rows in, far past any catalog, and an
    /// offset that fits in 64 bits with room to spare.
    public static let maxPage = 10_000_000
    public static let maxPerPage = 1000
    public static let parameterNames: Set<String> = ["tenantId", "includeTenantId", "type", "page", "perPage", "after"]

    public init(tenantId: String? = nil, includeTenantId: String? = nil, type: String? = nil, page: Int = 1, perPage: Int = 200, after: String? = nil) {
        self.tenantId = tenantId
        self.includeTenantId = includeTenantId
        self.type = type
        self.page = page
        self.perPage = perPage
        self.after = after
    }

    public init(query raw: some Collection<UInt8>) throws(CatalogError) {
        let query = try QueryParameters(raw: raw, allowed: Self.parameterNames)
        self.init(
            tenantId: try query.nonEmpty("tenantId"), includeTenantId: try query.nonEmpty("includeTenantId"), type: try query.nonEmpty("type"),
            page: try query.integer("page", in: 1...Self.maxPage, default: 1),
            perPage: try query.integer("perPage", in: 1...Self.maxPerPage, default: 200), after: try query.nonEmpty("after"))
        if tenantId != nil && includeTenantId != nil {
            throw CatalogError(.invalid, "pass tenantId or includeTenantId, not both")
        }
    }

    /// Rows to skip for `page`; cannot overflow within the bounds above.
    public var offset: Int { (page - 1) * perPage }
}
