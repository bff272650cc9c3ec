import Foundation
import TandemCatalog

/// A failed call: the message is the server's `message` when it sent one, else miactl's wording for
/// the status.
public struct CatalogClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int?
    public var message: String

    public init(status: Int?, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}

/// Talks to a catalog server over HTTP: the routes of miactl's marketplace commands.
public struct CatalogClient: Sendable {
    public var endpoint: String
    public var token: String?
    /// The longest a call may take, from connecting to the last byte of the answer.
    public var timeout: Duration

    public init(endpoint: String, token: String?, timeout: Duration = .seconds(60)) {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        self.endpoint = base
        self.token = token
        self.timeout = timeout
    }

    typealias Routes = CatalogRoutes

    public func apply(company: String, itemsJSON: [String]) async throws -> CatalogAPI.ApplyResponse {
        let body = "{\"resources\":[" + itemsJSON.joined(separator: ",") + "]}"
        let response = try await send(.POST, Routes.applyItems.path(company), body: body)
        return try decode(CatalogAPI.ApplyResponse.self, response.body)
    }

    /// The item's JSON as the server sent it.
    public func item(objectId: String) async throws -> [UInt8] {
        try await send(.GET, Routes.getItem.path(objectId)).body
    }

    public func item(company: String, itemId: String, version: String) async throws -> [UInt8] {
        try await send(.GET, Routes.getItemByVersion.path(company, itemId, version)).body
    }

    /// Every page of the list, each a JSON array, followed by key (`X-Next-After`), so a long list
    /// costs the same per page to its end.
    public func list(company: String, includeShared: Bool, type: String?) async throws -> [[UInt8]] {
        var pages: [[UInt8]] = []
        var after: String?
        let escape = CatalogRoute.escape
        repeat {
            var path = Routes.listItems.path() + "?\(includeShared ? "includeTenantId" : "tenantId")=\(escape(company))&perPage=\(ListRequest.maxPerPage)"
            if let type { path += "&type=\(escape(type))" }
            if let after { path += "&after=\(escape(after))" }
            let reply = try await send(.GET, path)
            pages.append(reply.body)
            after = reply.nextAfter
        } while after != nil
        return pages
    }

    public func versions(company: String, itemId: String) async throws -> [CatalogAPI.Release] {
        let response = try await send(.GET, Routes.listVersions.path(company, itemId))
        return try decode([CatalogAPI.Release].self, response.body)
    }

    public func delete(company: String, objectId: String) async throws {
        _ = try await send(.DELETE, Routes.deleteItem.path(company, objectId))
    }

    public func delete(company: String, itemId: String, version: String) async throws {
        _ = try await send(.DELETE, Routes.deleteItemByVersion.path(company, itemId, version))
    }

    public func history(company: String, objectId: String) async throws -> [CatalogAPI.RevisionEntry] {
        let response = try await send(.GET, Routes.history.path(company, objectId))
        return try decode([CatalogAPI.RevisionEntry].self, response.body)
    }

    public func revision(company: String, objectId: String, revision: Int) async throws -> [UInt8] {
        try await send(.GET, Routes.revision.path(company, objectId, String(revision))).body
    }

    public func restore(company: String, objectId: String, revision: Int) async throws -> CatalogAPI.ApplyItemOutcome {
        let response = try await send(.POST, Routes.restore.path(company, objectId), body: "{\"revision\":\(revision)}")
        return try decode(CatalogAPI.ApplyItemOutcome.self, response.body)
    }

    /// Uploads an image as miactl does (multipart, the file in `marketplace_image`); the answer's
    /// `location` is what the item's `imageUrl` becomes.
    public func uploadImage(
        company: String, itemId: String, fileName: String, bytes: [UInt8], assetType: String = "imageAssetType"
    ) async throws -> CatalogAPI.UploadedFile {
        let boundary = "tandem-" + TokenSecret.randomHex(12)
        let type = StoredFile.imageType(of: bytes) ?? "application/octet-stream"
        var body: [UInt8] = []
        func append(_ text: String) { body.append(contentsOf: Array(text.utf8)) }
        let quotedName = fileName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        append("--\(boundary)\r\nContent-Disposition: form-data; name=\"marketplace_image\"; filename=\"\(quotedName)\"\r\nContent-Type: \(type)\r\n\r\n")
        body.append(contentsOf: bytes)
        for (name, value) in [("itemId", itemId), ("assetType", assetType), ("tenantId", company)] {
            append("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)")
        }
        append("\r\n--\(boundary)--\r\n")
        let response = try await send(.POST, Routes.uploadFile.path(company), bytes: body, contentType: "multipart/form-data; boundary=\(boundary)")
        return try decode(CatalogAPI.UploadedFile.self, response.body)
    }

    // MARK: transport

    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]
        /// The list's cursor for its next page, when there may be one.
        public var nextAfter: String?
    }

    public enum Method: String, Sendable {
        case GET, POST, DELETE
    }

    /// One call; a status of 400 or more is thrown as a `CatalogClientError`.
    public func send(_ method: Method, _ path: String, body: String? = nil) async throws -> Reply {
        try await send(method, path, bytes: body.map { Array($0.utf8) }, contentType: "application/json")
    }

    public func send(_ method: Method, _ path: String, bytes body: [UInt8]?, contentType: String) async throws -> Reply {
        var headers: [(String, String)] = [("Accept", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        if body != nil { headers.append(("Content-Type", contentType)) }
        let answer: HTTPExchange.Answer
        do {
            answer = try await HTTPExchange.perform(try address(path), method: method.rawValue, headers: headers, body: body, within: timeout)
        } catch let error as CatalogClientError {
            throw error
        } catch {
            throw CatalogClientError(status: nil, message: "cannot reach the catalog at \(endpoint): \(error)")
        }
        let status = answer.status
        if (300..<400).contains(status) {
            throw CatalogClientError(
                status: status, message: "the catalog at \(endpoint) redirects to \(answer.header("Location") ?? "nowhere"): give that as the endpoint")
        }
        guard status < 400 else {
            let message = (try? JSONDecoder().decode(CatalogAPI.ErrorBody.self, from: Data(answer.body)))?.message
            throw CatalogClientError(status: status, message: message ?? Self.defaultMessage(status))
        }
        return Reply(status: status, body: answer.body, nextAfter: answer.header("X-Next-After"))
    }

    /// One request exactly as given (method, path, headers, body; no token added) and the answer whatever
    /// its status, a redirect included (not followed): what a test uses to replay another client's
    /// requests byte for byte.
    public func exchange(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        let answer = try await HTTPExchange.perform(try address(path), method: method, headers: headers, body: body, within: timeout)
        return (answer.status, answer.headers, answer.body)
    }

    func address(_ path: String) throws -> HTTPExchange.Address {
        guard let address = HTTPExchange.Address(endpoint + path) else {
            throw CatalogClientError(status: nil, message: "not an http:// or https:// endpoint: \(endpoint)")
        }
        return address
    }

    /// miactl's words for a failed call without a message.
    static func defaultMessage(_ status: Int) -> String {
        switch status {
        case 400: "something went wrong"
        case 403: "you are not allowed to make this call, contact your admin"
        case 404: "item not found"
        default: "error received from remote: \(status)"
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw CatalogClientError(status: nil, message: "unexpected response from the catalog: \(error)")
        }
    }

}
