import Foundation
import Hummingbird
import Logging
import NIOCore
import TandemCatalog

/// The catalog's HTTP API: the Marketplace routes miactl calls, plus history and restore, and the
/// OpenAPI description at `/openapi.json`. Every route but `/health`, `/openapi.json` and the GET of a
/// public item needs a bearer token.
public struct CatalogServer: Sendable {
    public let service: CatalogService
    /// Bodies larger than this are refused with 413 before they are read whole.
    public var maxBodyBytes = 32 << 20

    public init(service: CatalogService) {
        self.service = service
    }

    static let prefix = "/api/backend/marketplace"
    static let nextPageHeader = HTTPFields.Element.Name("X-Next-After")!

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/health") { _, _ in Self.json("{\"status\":\"ok\"}") }
        router.get("/openapi.json") { _, _ in Self.json(CatalogOpenAPI.document) }

        router.post("\(Self.prefix)/tenants/:companyId/resources") { request, context in
            try await handle {
                let caller = try await authenticate(request)
                var request = request
                let body = try await Self.collect(&request, limit: maxBodyBytes)
                let response = try await service.apply(body: body, company: try Self.parameter(context, "companyId"), caller: caller)
                return try Self.encode(response)
            }
        }
        router.get("\(Self.prefix)/tenants/:companyId/resources/:id/versions") { request, context in
            try await handle {
                let caller = try await authenticate(request)
                let versions = try await service.versions(
                    company: try Self.parameter(context, "companyId"), itemId: try Self.parameter(context, "id"), caller: caller)
                return try Self.encode(versions.map(CatalogAPI.VersionEntry.init))
            }
        }
        router.get("\(Self.prefix)/tenants/:companyId/resources/:id/versions/:version") { request, context in
            try await handle {
                let caller = try await authenticate(request)
                let item = try await service.item(
                    company: try Self.parameter(context, "companyId"), itemId: try Self.parameter(context, "id"),
                    version: try Self.parameter(context, "version"), caller: caller)
                return Self.json(CanonicalJSON.withObjectID(item.document, item.objectId))
            }
        }
        router.delete("\(Self.prefix)/tenants/:companyId/resources/:id/versions/:version") { request, context in
            try await handle {
                let caller = try await authenticate(request)
                try await service.delete(
                    company: try Self.parameter(context, "companyId"), itemId: try Self.parameter(context, "id"),
                    version: try Self.parameter(context, "version"), caller: caller)
                return Response(status: .noContent)
            }
        }
        router.delete("\(Self.prefix)/tenants/:companyId/resources/:id") { request, context in
            try await handle {
                let caller = try await authenticate(request)
                try await service.delete(
                    objectId: try Self.parameter(context, "id"), company: try Self.parameter(context, "companyId"), caller: caller)
                return Response(status: .noContent)
            }
        }
        router.get("\(Self.prefix)/tenants/:companyId/resources/:id/history") { request, context in
            try await handle {
                let caller = try await authenticate(request)
                let revisions = try await service.history(
                    objectId: try Self.parameter(context, "id"), company: try Self.parameter(context, "companyId"), caller: caller)
                return try Self.encode(
                    revisions.map {
                        CatalogAPI.RevisionEntry(
                            revision: $0.revision, action: $0.action.rawValue, actor: $0.actor, at: Timestamp.rfc3339($0.at), changes: $0.changes)
                    })
            }
        }
        router.get("\(Self.prefix)/tenants/:companyId/resources/:id/history/:revision") { request, context in
            try await handle {
                let caller = try await authenticate(request)
                let revisions = try await service.history(
                    objectId: try Self.parameter(context, "id"), company: try Self.parameter(context, "companyId"), caller: caller)
                let number = try context.parameters.require("revision", as: Int.self)
                guard let revision = revisions.first(where: { $0.revision == number }) else {
                    throw CatalogError(.notFound, "no revision \(number)")
                }
                return Self.json(CanonicalJSON.withObjectID(revision.document, revision.objectId))
            }
        }
        router.post("\(Self.prefix)/tenants/:companyId/resources/:id/restore") { request, context in
            try await handle {
                let caller = try await authenticate(request)
                var request = request
                let body = try await Self.collect(&request, limit: 1 << 16)
                guard let restore = try? JSONDecoder().decode(CatalogAPI.RestoreRequest.self, from: Data(body)) else {
                    throw CatalogError(.invalid, "the body must be {\"revision\": N}")
                }
                let applied = try await service.restore(
                    objectId: try Self.parameter(context, "id"), revision: restore.revision,
                    company: try Self.parameter(context, "companyId"), caller: caller)
                return try Self.encode(
                    CatalogAPI.ApplyItemOutcome(_id: applied.objectId.hex, itemId: applied.itemId, done: true, status: applied.status))
            }
        }
        router.get("\(Self.prefix)/:objectId") { request, context in
            try await handle {
                let authorization = request.headers[.authorization]
                let caller = authorization == nil ? nil : try await service.authenticate(authorization: authorization)
                let item = try await service.item(objectId: try Self.parameter(context, "objectId"), caller: caller)
                return Self.json(CanonicalJSON.withObjectID(item.document, item.objectId))
            }
        }
        router.get(RouterPath(Self.prefix)) { request, _ in
            try await handle {
                let caller = try await authenticate(request)
                let query = request.uri.queryParameters
                let perPage = query.get("perPage", as: Int.self) ?? 200
                let items = try await service.list(
                    tenantId: query.get("tenantId"), includeTenantId: query.get("includeTenantId"), type: query.get("type"),
                    page: query.get("page", as: Int.self) ?? 1, perPage: perPage, after: query.get("after"), caller: caller)
                var response = Self.json("[" + items.map { CanonicalJSON.withObjectID($0.document, $0.objectId) }.joined(separator: ",") + "]")
                // A full page may have a next one: its cursor.
                if items.count == perPage, let last = items.last {
                    response.headers[Self.nextPageHeader] = ItemKey(tenantId: last.tenantId, itemId: last.itemId, version: last.version).cursor
                }
                return response
            }
        }
        return router
    }

    /// A path parameter, percent-decoded (a version is `N/A`, sent as `N%2FA`).
    static func parameter(_ context: BasicRequestContext, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }

    func authenticate(_ request: Request) async throws -> Caller {
        try await service.authenticate(authorization: request.headers[.authorization])
    }

    static func collect(_ request: inout Request, limit: Int) async throws -> [UInt8] {
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw CatalogError(.tooLarge, "the body is larger than \(limit) bytes")
        }
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func encode(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return json(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Runs a route and turns a catalog error into its status and a `{"code", "message"}` body (the
    /// Marketplace's clients print `message`).
    func handle(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as CatalogError {
            let status: HTTPResponse.Status =
                switch error.code {
                case .invalid: .badRequest
                case .notFound: .notFound
                case .unauthorized: .unauthorized
                case .forbidden: .forbidden
                case .conflict: .conflict
                case .tooLarge: .contentTooLarge
                case .storage: .internalServerError
                }
            var response = try Self.encode(CatalogAPI.ErrorBody(code: error.code.rawValue, message: error.message))
            response.status = status
            if error.code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }
    }

    /// Serves on `host:port` (port 0: any free port, reported to `onRunning`) until SIGTERM or SIGINT,
    /// or until the task is cancelled; requests under way are finished first.
    public func run(host: String, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(host: host, port: port, logger: logger, onRunning: onRunning).runService()
    }

    /// Serves until the task is cancelled, without handling signals (for tests and embedding).
    public func serve(host: String, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(host: host, port: port, logger: logger, onRunning: onRunning).run()
    }

    /// The application on `host:port` (port 0: any free port, reported to `onRunning`).
    public func application(
        host: String, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "tandem-catalog"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
