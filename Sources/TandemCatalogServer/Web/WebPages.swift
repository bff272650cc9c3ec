import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TandemCatalog
import TandemCore
import TandemRenderers

/// The catalog's web page, on the API's port: browse and search, an item's page, sign-in with a token
/// or a service account. Server-rendered, no script at all; the same visibility rules as the API
/// (`CatalogService` decides), a strict Content-Security-Policy, forms protected by a SameSite cookie
/// and a per-session form token.
struct WebPages: Sendable {
    let service: CatalogService

    static let cookieName = "tandem_session"
    static let pageSize = 20
    static let knownTypes = ["sidecar", "plugin", "template", "example", "application", "proxy", "custom-resource", "extension"]

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in await self.page { try await self.home(request) } }
        router.get("/items/:id") { request, context in await self.page { try await self.item(request, context) } }
        router.get("/items/:id/graph.svg") { request, context in await self.page { try await self.graph(request, context) } }
        router.post("/items/:id/restore") { request, context in await self.page { try await self.restore(request, context) } }
        router.get("/sign-in") { request, _ in await self.page { try await self.signInPage(request, problem: nil) } }
        router.post("/sign-in") { request, _ in await self.page { try await self.signIn(request) } }
        router.post("/sign-out") { request, _ in await self.page { try await self.signOut(request) } }
        router.get("/ui/style.css") { _, _ in
            var response = Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: WebTemplates.css)))
            Self.secure(&response)
            return response
        }
    }

    // MARK: pages

    func home(_ request: Request) async throws -> Response {
        let session = try await self.session(request)
        let query = Self.query(request)
        let words = String((query["q"] ?? "").prefix(200))
        let type = query["type"].flatMap { $0.isEmpty ? nil : String($0.prefix(64)) }
        let company = query["company"].flatMap { $0.isEmpty ? nil : String($0.prefix(64)) }
        let page = max(1, min(Int(query["page"] ?? "") ?? 1, 10_000))
        let found = try await service.search(
            words: words, type: type, company: company, limit: Self.pageSize + 1, offset: (page - 1) * Self.pageSize, caller: session?.caller)
        let items = found.prefix(Self.pageSize).map { item -> [String: Any] in
            var values: [String: Any] = [
                "href": "/items/\(item.objectId.hex)", "name": item.name, "itemId": item.itemId, "version": item.version, "type": item.type,
                "company": item.tenantId, "image": Self.image(of: item.document) ?? "",
            ]
            if !item.description.isEmpty { values["description"] = item.description }
            if let caller = session?.caller, item.tenantId != caller.tenantId { values["shared"] = item.isPublic ? "public" : "shared" }
            return values
        }
        func link(_ page: Int) -> String {
            var pairs: [(String, String)] = []
            if !words.isEmpty { pairs.append(("q", words)) }
            if let type { pairs.append(("type", type)) }
            if let company { pairs.append(("company", company)) }
            if page > 1 { pairs.append(("page", String(page))) }
            return "/" + (pairs.isEmpty ? "" : "?" + pairs.map { "\($0)=\(CatalogRoute.escape($1))" }.joined(separator: "&"))
        }
        let shown = items.count
        let summary =
            shown == 0
            ? (words.isEmpty && type == nil && company == nil ? "No items yet." : "No items match.")
            : "Items \((page - 1) * Self.pageSize + 1)–\((page - 1) * Self.pageSize + shown)\(found.count > Self.pageSize ? ", more on the next page" : "")."
        var values: [String: Any] = [
            "heading": words.isEmpty ? "Sidecars and other items" : "Items matching “\(words)”", "q": words, "company": company ?? "",
            "types": (Self.knownTypes + [type].compactMap { $0 }.filter { !Self.knownTypes.contains($0) }).map { ["value": $0, "selected": $0 == type] },
            "items": items, "hasItems": !items.isEmpty, "summary": summary, "page": page,
            "scope": session.map { "You see \($0.caller.tenantId)'s items and those other companies share." }
                ?? "Signed out, you see public items only.",
        ]
        if page > 1 { values["previous"] = link(page - 1) }
        if found.count > Self.pageSize { values["next"] = link(page + 1) }
        return Self.html(layout(title: words.isEmpty ? "Catalog" : "Search", session: session, notice: nil, body: WebTemplates.render("home", values)))
    }

    /// The session and the item of the path, which the session (or, without one, everyone) may see.
    func visibleItem(_ request: Request, _ context: BasicRequestContext) async throws -> (Session?, StoredItem) {
        let session = try await self.session(request)
        let objectId = try CatalogServer.parameter(context, "id")
        do {
            return (session, try await service.item(objectId: objectId, caller: session?.caller))
        } catch let error as CatalogError where error.code == .unauthorized || error.code == .notFound {
            // Signed out, a private item and an unknown one look the same.
            throw CatalogError(.notFound, "No item \(objectId) that you may see." + (session == nil ? " Sign in to see your company's items." : ""))
        }
    }

    func item(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (session, item) = try await visibleItem(request, context)
        let objectId = item.objectId.hex
        let (yaml, json) = ItemPresentation.texts(of: item.document)
        var values: [String: Any] = [
            "name": item.name, "itemId": item.itemId, "version": item.version, "type": item.type, "company": item.tenantId,
            "visibility": item.isPublic ? "public: everyone" : item.allTenants ? "every company" : "\(item.tenantId) only",
            "revision": item.revision, "updated": Timestamp.rfc3339(item.updatedAt), "yaml": yaml, "json": json,
        ]
        if !item.description.isEmpty { values["description"] = item.description }
        if let session { values["csrf"] = session.formToken }
        let document = (try? JSONValue.parse(Array(item.document.utf8))) ?? .null
        if case .string(let status)? = document["lifecycleStatus"] { values["lifecycle"] = status }
        if case .string(let link)? = document["documentation"]?["url"] { values["documentation"] = link }
        if let logo = Self.logo(of: document, company: item.tenantId) { values["logo"] = logo }
        let mia = ItemPresentation.mia(of: item)
        values["container"] = mia.flatMap(ItemPresentation.container)
        let example = ItemPresentation.exampleService(of: item, mia: mia)
        let snippets = ItemPresentation.snippets(of: item, example: example)
        values["snippets"] = snippets
        if example != nil { values["graph"] = "/items/\(objectId)/graph.svg" }
        values["hasSnippets"] = !snippets.isEmpty
        let versions = (try? await service.visibleVersions(company: item.tenantId, itemId: item.itemId, caller: session?.caller)) ?? []
        values["versions"] = versions.map { ["version": $0.version, "href": "/items/\($0.objectId.hex)", "current": $0.objectId == item.objectId] }
        values["hasVersions"] = versions.count > 1
        // The history is the owner's: readable by its company, restorable by its publishers.
        if let session, session.caller.tenantId == item.tenantId,
            let revisions = try? await service.history(objectId: objectId, company: item.tenantId, caller: session.caller)
        {
            let mayRestore = session.caller.role >= .publish
            var previous: String?
            var entries: [[String: Any]] = []
            for revision in revisions {
                let text = ItemPresentation.texts(of: revision.document).yaml
                var entry: [String: Any] = [
                    "revision": revision.revision, "action": revision.action.rawValue, "actor": revision.actor, "at": Timestamp.rfc3339(revision.at),
                ]
                if !revision.changes.isEmpty { entry["changes"] = revision.changes.joined(separator: ", ") }
                if let previous {
                    let diff = Self.diff(from: previous, to: text)
                    entry["diff"] = diff
                    entry["hasDiff"] = !diff.isEmpty
                }
                if mayRestore, revision.revision != revisions.last?.revision {
                    entry["restorable"] = true
                    entry["restoreAction"] = "/items/\(objectId)/restore"
                }
                entries.append(entry)
                previous = text
            }
            values["history"] = Array(entries.reversed())
            values["hasHistory"] = !entries.isEmpty
        }
        let notice = Self.query(request)["restored"].map { "Revision \($0) restored: this is the item now." }
        return Self.html(layout(title: item.name, session: session, notice: notice, body: WebTemplates.render("item", values)))
    }

    /// The start dependencies of the example service that uses the item, as `tandem graph` draws them.
    /// An image of its own (not inline): SVG shown through `<img>` runs nothing, whatever its text holds.
    func graph(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (_, item) = try await visibleItem(request, context)
        guard let example = ItemPresentation.exampleService(of: item, mia: ItemPresentation.mia(of: item)) else {
            throw CatalogError(.notFound, "\(item.itemId) runs no container.")
        }
        var response = Response(
            status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: DependencyGraphPicture.svg(example))))
        Self.secure(&response)
        return response
    }

    /// The changed lines with two lines of context around each change (`LineDiff`'s hunks); "…" where
    /// unchanged lines are left out between them.
    static func diff(from old: String, to new: String) -> [[String: Any]] {
        let lines = LineDiff.lines(from: old, to: new)
        var result: [[String: Any]] = []
        for (number, hunk) in LineDiff.hunks(lines, context: 2).enumerated() {
            if number > 0 { result.append(["kind": "same", "sign": " ", "text": "…"]) }
            for line in lines[hunk] {
                switch line {
                case .same(let text): result.append(["kind": "same", "sign": " ", "text": text])
                case .removed(let text): result.append(["kind": "removed", "sign": "-", "text": text])
                case .added(let text): result.append(["kind": "added", "sign": "+", "text": text])
                }
            }
        }
        return result
    }

    func restore(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (session, form) = try await signedForm(request)
        let objectId = try CatalogServer.parameter(context, "id")
        guard let text = form["revision"], text.utf8.count <= 9, let revision = Int(text), revision >= 1 else {
            throw CatalogError(.invalid, "The form has no revision to restore.")
        }
        let item = try await service.item(objectId: objectId, caller: session.caller)
        _ = try await service.restore(objectId: objectId, revision: revision, company: item.tenantId, caller: session.caller)
        return Self.redirect("/items/\(item.objectId.hex)?restored=\(revision)")
    }

    func signInPage(_ request: Request, problem: String?) async throws -> Response {
        // A session that no longer works is no reason not to show the form.
        let session = (try? await self.session(request)) ?? nil
        var values: [String: Any] = [:]
        if let problem { values["problem"] = problem }
        var response = Self.html(layout(title: "Sign in", session: session, notice: nil, body: WebTemplates.render("signIn", values)))
        if problem != nil { response.status = .unauthorized }
        return response
    }

    func signIn(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        var token: String
        if let given = form["token"]?.trimmingCharacters(in: .whitespaces), !given.isEmpty {
            token = given
        } else if let id = form["client_id"], let secret = form["client_secret"], !id.isEmpty, !secret.isEmpty {
            let body = "grant_type=client_credentials&client_id=\(CatalogRoute.escape(id))&client_secret=\(CatalogRoute.escape(secret))"
            do {
                token = try await service.issueAccessToken(authorization: nil, contentType: "application/x-www-form-urlencoded", body: Array(body.utf8))
                    .access_token
            } catch {
                return try await signInPage(request, problem: "That client id and secret are not a service account's.")
            }
        } else {
            return try await signInPage(request, problem: "Give a token, or a client id and its secret.")
        }
        guard token.utf8.count <= 512, (try? await service.authenticate(authorization: "Bearer \(token)")) != nil else {
            return try await signInPage(request, problem: "That token is not known, has expired or was revoked.")
        }
        var response = Self.redirect("/")
        response.headers[.setCookie] = "\(Self.cookieName)=\(CatalogRoute.escape(token)); Path=/; HttpOnly; SameSite=Strict"
        return response
    }

    func signOut(_ request: Request) async throws -> Response {
        _ = try await signedForm(request)
        var response = Self.redirect("/")
        response.headers[.setCookie] = "\(Self.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
        return response
    }

    // MARK: sessions

    struct Session {
        var token: String
        var caller: Caller
        /// What every form of this session carries: a cross-site form cannot know it.
        var formToken: String { String(TokenSecret.hash("tandem-form:" + token).prefix(32)) }
    }

    /// The signed-in caller, from the session cookie; nil without one. A cookie whose token no longer
    /// works is an error that says so (the page offers to sign in again).
    func session(_ request: Request) async throws -> Session? {
        guard let cookie = Self.cookie(request, named: Self.cookieName), !cookie.isEmpty,
            let token = FormEncoding.decodePath(Array(cookie.utf8))
        else { return nil }
        do {
            return Session(token: token, caller: try await service.authenticate(authorization: "Bearer \(token)"))
        } catch {
            throw CatalogError(.unauthorized, "Your session has ended (the token expired or was revoked). Sign in again.")
        }
    }

    /// A POSTed form of a signed-in session, with the session's form token.
    func signedForm(_ request: Request) async throws -> (Session, [String: String]) {
        guard let session = try await session(request) else { throw CatalogError(.unauthorized, "Sign in first.") }
        let form = try await Self.form(request)
        guard form["csrf"] == session.formToken else {
            throw CatalogError(.forbidden, "This form did not come from this page (its form token is missing or stale). Reload the page and try again.")
        }
        return (session, form)
    }

    static func cookie(_ request: Request, named name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name { return parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return nil
    }

    static func form(_ request: Request) async throws -> [String: String] {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw CatalogError(.unsupportedMediaType, "Forms are sent as application/x-www-form-urlencoded.")
        }
        var request = request
        let body = try await CatalogServer.collect(&request, limit: 1 << 14)
        guard let pairs = FormEncoding.pairs(body) else { throw CatalogError(.invalid, "The form is not valid.") }
        var form: [String: String] = [:]
        for (name, value) in pairs where form[name] == nil { form[name] = value }
        return form
    }

    static func query(_ request: Request) -> [String: String] {
        var query: [String: String] = [:]
        for (name, value) in FormEncoding.pairs(Array((request.uri.query ?? "").utf8)) ?? [] where query[name] == nil { query[name] = value }
        return query
    }

    // MARK: responses

    func layout(title: String, session: Session?, notice: String?, body: String) -> String {
        var values: [String: Any] = ["title": title, "body": body]
        if let session {
            values["session"] = ["company": session.caller.tenantId, "role": session.caller.role.rawValue, "csrf": session.formToken]
            values["csrf"] = session.formToken
        }
        if let notice { values["notice"] = notice }
        return WebTemplates.render("layout", values)
    }

    /// Runs a page; a failure becomes a page that says what went wrong, with the status the API would give.
    func page(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch {
            let failure = error as? CatalogError ?? CatalogError(.storage, "Something went wrong on the server.")
            let heading =
                switch failure.code {
                case .notFound: "Not found"
                case .unauthorized: "Sign in needed"
                case .forbidden: "Not allowed"
                default: "That did not work"
                }
            let page = WebTemplates.render("problem", ["heading": heading, "message": failure.message])
            var response = Self.html(layout(title: heading, session: nil, notice: nil, body: page))
            response.status = failure.status
            if failure.code == .unauthorized {
                // A session that no longer works is forgotten.
                response.headers[.setCookie] = "\(Self.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
            }
            return response
        }
    }

    static func html(_ text: String) -> Response {
        var response = Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        secure(&response)
        return response
    }

    static func redirect(_ location: String) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        secure(&response)
        return response
    }

    /// No script, no plugin, no frame, no foreign style or image: what the page needs, from itself.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func secure(_ response: inout Response) {
        response.headers[HTTPField.Name("Content-Security-Policy")!] = contentSecurityPolicy
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
    }

    // MARK: document fields

    /// The container image a list row shows (a sidecar's `resources.dockerImage`).
    static func image(of document: String) -> String? {
        guard let value = try? JSONValue.parse(Array(document.utf8)), case .string(let image)? = value["resources"]?["dockerImage"] else { return nil }
        return image
    }

    /// The item's uploaded logo, only when it is one of this catalog's files (the page loads nothing
    /// from elsewhere).
    static func logo(of document: JSONValue, company: String) -> String? {
        var location: String?
        if case .array(let images)? = document["image"], case .string(let path)? = images.first?["location"] { location = path }
        if location == nil, case .string(let path)? = document["imageUrl"] { location = path }
        guard let location, location.hasPrefix(CatalogRoutes.marketplace + "/tenants/\(CatalogRoute.escape(company))/files/") else { return nil }
        return location
    }
}

extension JSONValue {
    /// An object's field; nil for a missing one or a value that is not an object.
    subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { fields[key] } else { nil }
    }
}
