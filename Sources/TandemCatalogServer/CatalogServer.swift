import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TandemCatalog

/// The catalog's HTTP API: the routes `miactl marketplace` and `miactl catalog` call, the service
/// accounts' token exchange, image uploads, history and restore, and the OpenAPI description at
/// `/openapi.json`. Every route is one of `CatalogRoutes.all`; the handlers are thin, the rules are in
/// `CatalogService`.
public struct CatalogServer: Sendable {
    public let service: CatalogService
    /// Bodies larger than this are refused with 413 before they are read whole.
    public var maxBodyBytes = 32 << 20
    /// How often the store's revocation counter is read, when the service keeps tokens.
    public var revocationPollInterval: Duration = .milliseconds(100)

    let requestLog = RequestLog()

    public init(service: CatalogService) {
        self.service = service
    }

    static let nextPageHeader = HTTPField.Name("X-Next-After")!

    public func router(logger: Logger? = nil) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: CatalogMiddleware(logger: logger, requestLog: logger.map { $0.logLevel <= .info } == true ? requestLog : nil))
        let service = self.service
        let maxBodyBytes = self.maxBodyBytes

        on(router, CatalogRoutes.health) { _, _ in Self.json("{\"status\":\"ok\"}") }
        on(router, CatalogRoutes.openAPI) { _, _ in Self.json(CatalogOpenAPI.document) }
        on(router, CatalogRoutes.version) { _, _ in try Self.encode(CatalogAPI.ConsoleVersion.served) }
        on(router, CatalogRoutes.token) { request, _ in
            var request = request
            let body = try await Self.collect(&request, limit: 1 << 16)
            do {
                let token = try await service.issueAccessToken(
                    authorization: request.headers[.authorization], contentType: request.headers[.contentType], body: body)
                var response = try Self.encode(token)
                response.headers[.cacheControl] = "no-store"
                return response
            } catch let error as CatalogService.TokenExchangeError {
                var response = try Self.encode(CatalogAPI.OAuthError(error: error.error, description: error.description, statusCode: error.status))
                response.status = .init(code: error.status)
                if error.status == 401 { response.headers[.wwwAuthenticate] = "Basic" }
                return response
            }
        }

        // Reads and writes of items, both families.
        let listItems: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let caller = try await Self.authenticate(service, request)
            let list = try ListRequest(query: Array((request.uri.query ?? "").utf8))
            let items = try await service.list(list, caller: caller)
            var response = Self.json("[" + items.map { CanonicalJSON.withObjectID($0.document, $0.objectId) }.joined(separator: ",") + "]")
            // A full page may have a next one: its cursor.
            if items.count == list.perPage, let last = items.last {
                response.headers[Self.nextPageHeader] = ItemKey(tenantId: last.tenantId, itemId: last.itemId, version: last.version).cursor
            }
            return response
        }
        on(router, CatalogRoutes.listItems, listItems)
        on(router, CatalogRoutes.catalogList, listItems)

        on(router, CatalogRoutes.getItem) { request, context in
            try Self.noQuery(request)
            let authorization = request.headers[.authorization]
            let caller = authorization == nil ? nil : try await service.authenticate(authorization: authorization)
            let item = try await service.item(objectId: try Self.parameter(context, "id"), caller: caller)
            return Self.json(CanonicalJSON.withObjectID(item.document, item.objectId))
        }

        let apply: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            let caller = try await Self.authenticate(service, request)
            let company = try Self.parameter(context, "companyId")
            guard let format = BodyFormat(contentType: request.headers[.contentType]) else {
                throw BodyFormat.unsupported(request.headers[.contentType])
            }
            var request = request
            let body = try await Self.collect(&request, limit: maxBodyBytes)
            return try Self.encode(try await service.apply(body: body, format: format, company: company, caller: caller))
        }
        on(router, CatalogRoutes.applyItems, apply)
        on(router, CatalogRoutes.catalogApply, apply)

        let versions: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            try Self.noQuery(request)
            let caller = try await Self.authenticate(service, request)
            let versions = try await service.versions(
                company: try Self.parameter(context, "companyId"), itemId: try Self.parameter(context, "id"), caller: caller)
            return try Self.encode(versions.map(CatalogAPI.Release.init))
        }
        on(router, CatalogRoutes.listVersions, versions)
        on(router, CatalogRoutes.catalogListVersions, versions)

        let itemByVersion: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            try Self.noQuery(request)
            let caller = try await Self.authenticate(service, request)
            let item = try await service.item(
                company: try Self.parameter(context, "companyId"), itemId: try Self.parameter(context, "id"), version: try Self.version(context),
                caller: caller)
            return Self.json(CanonicalJSON.withObjectID(item.document, item.objectId))
        }
        on(router, CatalogRoutes.getItemByVersion, itemByVersion)
        on(router, CatalogRoutes.catalogGetItem, itemByVersion)

        let deleteByVersion: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            try Self.noQuery(request)
            let caller = try await Self.authenticate(service, request)
            try await service.delete(
                company: try Self.parameter(context, "companyId"), itemId: try Self.parameter(context, "id"), version: try Self.version(context),
                caller: caller)
            return Response(status: .noContent)
        }
        on(router, CatalogRoutes.deleteItemByVersion, deleteByVersion)
        on(router, CatalogRoutes.catalogDeleteItem, deleteByVersion)

        on(router, CatalogRoutes.deleteItem) { request, context in
            try Self.noQuery(request)
            let caller = try await Self.authenticate(service, request)
            try await service.delete(objectId: try Self.parameter(context, "id"), company: try Self.parameter(context, "companyId"), caller: caller)
            return Response(status: .noContent)
        }

        // History and restore.
        on(router, CatalogRoutes.history) { request, context in
            try Self.noQuery(request)
            let caller = try await Self.authenticate(service, request)
            let revisions = try await service.history(
                objectId: try Self.parameter(context, "id"), company: try Self.parameter(context, "companyId"), caller: caller)
            return try Self.encode(
                revisions.map {
                    CatalogAPI.RevisionEntry(
                        revision: $0.revision, action: $0.action.rawValue, actor: $0.actor, at: Timestamp.rfc3339($0.at), changes: $0.changes)
                })
        }
        on(router, CatalogRoutes.revision) { request, context in
            try Self.noQuery(request)
            let caller = try await Self.authenticate(service, request)
            let text = try Self.parameter(context, "revision")
            guard text.utf8.count <= 9, let number = Int(text), number >= 1 else {
                throw CatalogError(.invalid, "revision must be a whole number from 1, found \"\(text.prefix(64))\"")
            }
            let revisions = try await service.history(
                objectId: try Self.parameter(context, "id"), company: try Self.parameter(context, "companyId"), caller: caller)
            guard let revision = revisions.first(where: { $0.revision == number }) else { throw CatalogError(.notFound, "no revision \(number)") }
            return Self.json(CanonicalJSON.withObjectID(revision.document, revision.objectId))
        }
        on(router, CatalogRoutes.restore) { request, context in
            try Self.noQuery(request)
            let caller = try await Self.authenticate(service, request)
            guard BodyFormat(contentType: request.headers[.contentType]) == .json else {
                throw CatalogError(.unsupportedMediaType, "the body must be JSON (Content-Type: application/json): {\"revision\": N}")
            }
            var request = request
            let body = try await Self.collect(&request, limit: 1 << 16)
            guard let restore = try? JSONDecoder().decode(CatalogAPI.RestoreRequest.self, from: Data(body)), restore.revision >= 1 else {
                throw CatalogError(.invalid, "the body must be {\"revision\": N}, N from 1")
            }
            let applied = try await service.restore(
                objectId: try Self.parameter(context, "id"), revision: restore.revision, company: try Self.parameter(context, "companyId"),
                caller: caller)
            return try Self.encode(CatalogAPI.ApplyItemOutcome(_id: applied.objectId.hex, itemId: applied.itemId, done: true, status: applied.status))
        }

        // Images.
        on(router, CatalogRoutes.uploadFile) { request, context in
            try Self.noQuery(request)
            let caller = try await Self.authenticate(service, request)
            let company = try Self.parameter(context, "companyId")
            var request = request
            let body = try await Self.collect(&request, limit: StoredFile.maxBytes + (64 << 10))
            let uploaded = try await service.uploadImage(body: body, contentType: request.headers[.contentType], company: company, caller: caller)
            return try Self.encode(uploaded)
        }
        on(router, CatalogRoutes.getFile) { request, context in
            try Self.noQuery(request)
            let file = try await service.image(company: try Self.parameter(context, "companyId"), fileId: try Self.parameter(context, "fileId"))
            var headers: HTTPFields = [.contentType: file.contentType, .cacheControl: "public, max-age=31536000, immutable"]
            headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
        }

        // The web page, for people.
        WebPages(service: service).register(on: router)
        return router
    }

    /// Registers `handler` for `route`: `{name}` becomes a parameter, a last `{version}` the rest of the
    /// path (miactl sends `N/A` unescaped).
    func on(
        _ router: Router<BasicRequestContext>, _ route: CatalogRoute,
        _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response
    ) {
        let path = route.template.split(separator: "/").map { part -> String in
            guard part.hasPrefix("{") else { return String(part) }
            let name = part.dropFirst().dropLast()
            switch name {
            case "version": return "**"
            // One name where the two share a place in the path (the router's tree takes one per place).
            case "itemId", "objectId": return ":id"
            default: return ":\(name)"
            }
        }.joined(separator: "/")
        router.on(RouterPath("/" + path), method: HTTPRequest.Method(route.method.rawValue)!, use: handler)
    }

    /// A path parameter, percent-decoded.
    static func parameter(_ context: BasicRequestContext, _ name: String) throws -> String {
        guard let raw = context.parameters.get(name) else { throw CatalogError(.invalid, "missing path parameter \(name)") }
        // Object ids and item ids are plain: nothing to decode (the hot path of a GET).
        if !raw.isEmpty, !raw.utf8.contains(UInt8(ascii: "%")) { return String(raw) }
        guard let decoded = FormEncoding.decodePath(Array(raw.utf8)), !decoded.isEmpty else {
            throw CatalogError(.invalid, "path parameter \(name) is not a valid percent-encoded UTF-8 string")
        }
        return decoded
    }

    /// The version: the rest of the path (`N/A` or `N%2FA`).
    static func version(_ context: BasicRequestContext) throws -> String {
        let raw = context.parameters.getCatchAll().joined(separator: "/")
        guard let decoded = FormEncoding.decodePath(Array(raw.utf8)), !decoded.isEmpty else {
            throw CatalogError(.invalid, "the version in the path is not a valid percent-encoded UTF-8 string")
        }
        return decoded
    }

    /// Routes that take no query refuse one, rather than ignore what the caller meant.
    static func noQuery(_ request: Request) throws {
        if let query = request.uri.query, !query.isEmpty {
            _ = try QueryParameters(raw: Array(query.utf8), allowed: [])
        }
    }

    static func authenticate(_ service: CatalogService, _ request: Request) async throws -> Caller {
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

    /// Serves on `host:port` (port 0: any free port, reported to `onRunning`) until SIGTERM or SIGINT,
    /// or until the task is cancelled; requests under way are finished first.
    public func run(host: String, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        defer { requestLog.flush() }
        let application = application(host: host, port: port, logger: logger, onRunning: onRunning)
        try await watchingRevocations { try await application.runService() }
    }

    /// Serves until the task is cancelled, without handling signals (for tests and embedding).
    public func serve(host: String, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        defer { requestLog.flush() }
        let application = application(host: host, port: port, logger: logger, onRunning: onRunning)
        try await watchingRevocations { try await application.run() }
    }

    /// Runs `body` with the store's revocation counter read beside it, when the service keeps tokens.
    func watchingRevocations(_ body: @escaping @Sendable () async throws -> Void) async throws {
        guard let watch = service.revocations else { return try await body() }
        let store = service.store
        let interval = revocationPollInterval
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await watch.poll(store, every: interval) }
            defer { group.cancelAll() }
            try await body()
        }
    }

    /// The application on `host:port` (port 0: any free port, reported to `onRunning`).
    public func application(
        host: String, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(logger: logger), configuration: .init(address: .hostname(host, port: port), serverName: "tandem-catalog"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}

extension CatalogError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch code {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .methodNotAllowed: .methodNotAllowed
        case .storage: .internalServerError
        }
    }

    /// `{"statusCode", "error", "code", "message"}`: miactl prints `message`.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try CatalogServer.encode(
            CatalogAPI.ErrorBody(statusCode: Int(status.code), error: status.reasonPhrase, code: code.rawValue, message: message))
        response.status = status
        if code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

/// Around every request, matched or not: the answer to a route that does not exist (404, or 405 with
/// `Allow` where the path exists with other methods) and to any failure, always as a JSON error body;
/// and one log line per request: method, path, status, duration (never a header, so never a token).
struct CatalogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger?
    let requestLog: RequestLog?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            response = try Self.unmatched(request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            logger?.error("\(request.method) \(request.uri.path): \(String(describing: error))")
            response = try CatalogError(.storage, "internal error; the server's log says more").response(from: request, context: context)
        }
        if let requestLog {
            let elapsed = ContinuousClock.now - start
            let tenths = elapsed.components.seconds * 10_000 + elapsed.components.attoseconds / 100_000_000_000_000
            let path = request.uri.path.utf8.count > 200 ? String(request.uri.path.prefix(200)) + "..." : request.uri.path
            requestLog.record("\(request.method) \(path) \(response.status.code) \(tenths / 10).\(tenths % 10) ms")
        }
        return response
    }

    static func unmatched(_ request: Request, context: Context) throws -> Response {
        let path = request.uri.path
        let shown = path.count > 200 ? String(path.prefix(200)) + "..." : path
        let methods = CatalogRoutes.methods(matching: path).map(\.rawValue).joined(separator: ", ")
        guard !methods.isEmpty else { return try CatalogError(.notFound, "no route \(request.method) \(shown)").response(from: request, context: context) }
        var response = try CatalogError(.methodNotAllowed, "\(request.method) is not allowed on \(shown); it takes \(methods)")
            .response(from: request, context: context)
        response.headers[.allow] = methods
        return response
    }
}
