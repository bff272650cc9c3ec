/// One route of the catalog's HTTP API: its method, its path as the OpenAPI description writes it, and
/// the description's operation id. The server registers these, the client builds its paths from them,
/// and a test checks that the served description has exactly these operations.
public struct CatalogRoute: Sendable, Hashable, CustomStringConvertible {
    public enum Method: String, Sendable, Hashable, CaseIterable {
        case GET, POST, DELETE
    }

    public let method: Method
    /// `/api/tenants/{companyId}/marketplace/items`. A last parameter named `version` takes the rest of
    /// the path: miactl sends the version `N/A` unescaped.
    public let template: String
    public let operationId: String

    init(_ method: Method, _ template: String, _ operationId: String) {
        self.method = method
        self.template = template
        self.operationId = operationId
    }

    public var description: String { "\(method.rawValue) \(template)" }

    /// The names of the path's parameters, in order.
    public var parameters: [String] {
        template.split(separator: "/").compactMap { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? String(part.dropFirst().dropLast()) : nil
        }
    }

    /// The path with `values` in place of the parameters, in order, each percent-encoded.
    public func path(_ values: String...) -> String {
        path(values)
    }

    public func path(_ values: [String]) -> String {
        precondition(values.count == parameters.count, "\(self) takes \(parameters.count) values")
        var remaining = values[...]
        return template.split(separator: "/", omittingEmptySubsequences: false).map { part -> String in
            guard part.hasPrefix("{") else { return String(part) }
            return Self.escape(remaining.removeFirst())
        }.joined(separator: "/")
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    public static func escape(_ component: String) -> String {
        var out = ""
        for byte in component.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }
}

/// Every route of the catalog API. The `marketplace` family is what `miactl marketplace` calls, the
/// `catalog` family what `miactl catalog` (Console v14 and later) calls; both reach the same items.
public enum CatalogRoutes {
    public static let marketplace = "/api/backend/marketplace"
    static let tenantResources = marketplace + "/tenants/{companyId}/resources"
    static let tenantItems = "/api/tenants/{companyId}/marketplace/items"

    public static let health = CatalogRoute(.GET, "/health", "health")
    public static let openAPI = CatalogRoute(.GET, "/openapi.json", "openapi")
    public static let version = CatalogRoute(.GET, "/api/version", "consoleVersion")
    public static let token = CatalogRoute(.POST, "/api/m2m/oauth/token", "serviceAccountToken")

    public static let listItems = CatalogRoute(.GET, marketplace + "/", "listItems")
    public static let getItem = CatalogRoute(.GET, marketplace + "/{objectId}", "getItemByObjectId")
    public static let applyItems = CatalogRoute(.POST, tenantResources, "applyItems")
    public static let listVersions = CatalogRoute(.GET, tenantResources + "/{itemId}/versions", "listVersions")
    public static let getItemByVersion = CatalogRoute(.GET, tenantResources + "/{itemId}/versions/{version}", "getItemByVersion")
    public static let deleteItemByVersion = CatalogRoute(.DELETE, tenantResources + "/{itemId}/versions/{version}", "deleteItemByVersion")
    public static let deleteItem = CatalogRoute(.DELETE, tenantResources + "/{objectId}", "deleteItem")
    public static let history = CatalogRoute(.GET, tenantResources + "/{objectId}/history", "itemHistory")
    public static let revision = CatalogRoute(.GET, tenantResources + "/{objectId}/history/{revision}", "itemRevision")
    public static let restore = CatalogRoute(.POST, tenantResources + "/{objectId}/restore", "restoreItem")
    public static let uploadFile = CatalogRoute(.POST, marketplace + "/tenants/{companyId}/files", "uploadImage")
    public static let getFile = CatalogRoute(.GET, marketplace + "/tenants/{companyId}/files/{fileId}", "getImage")

    public static let catalogList = CatalogRoute(.GET, "/api/marketplace/", "catalogListItems")
    public static let catalogApply = CatalogRoute(.POST, tenantItems, "catalogApplyItems")
    public static let catalogListVersions = CatalogRoute(.GET, tenantItems + "/{itemId}/versions", "catalogListVersions")
    public static let catalogGetItem = CatalogRoute(.GET, tenantItems + "/{itemId}/versions/{version}", "catalogGetItem")
    public static let catalogDeleteItem = CatalogRoute(.DELETE, tenantItems + "/{itemId}/versions/{version}", "catalogDeleteItem")

    public static let all: [CatalogRoute] = [
        health, openAPI, version, token, listItems, getItem, applyItems, listVersions, getItemByVersion, deleteItemByVersion, deleteItem,
        history, revision, restore, uploadFile, getFile, catalogList, catalogApply, catalogListVersions, catalogGetItem, catalogDeleteItem,
    ]

    /// The methods some route takes at `path` (a request path, without its query), for a 405's `Allow`.
    public static func methods(matching path: String) -> [CatalogRoute.Method] {
        let methods = Set(all.filter { $0.matches(path) }.map(\.method))
        return CatalogRoute.Method.allCases.filter(methods.contains)
    }

    /// The route a request is for.
    public static func route(_ method: String, _ path: String) -> CatalogRoute? {
        all.first { $0.method.rawValue == method && $0.matches(path) }
    }
}

extension CatalogRoute {
    /// Whether a request path (without its query) is this route's.
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let pattern = template.split(separator: "/", omittingEmptySubsequences: false)
        let takesRest = parameters.last == "version"
        guard pattern.count == parts.count || (takesRest && parts.count > pattern.count) else { return false }
        return zip(pattern, parts).allSatisfy { expected, part in expected.hasPrefix("{") ? !part.isEmpty : expected == part }
    }
}
