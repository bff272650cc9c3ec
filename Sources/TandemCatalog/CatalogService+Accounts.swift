import TandemCore

/// Service accounts and the OAuth 2 client-credentials exchange miactl performs at
/// `POST /api/m2m/oauth/token` (golang.org/x/oauth2's `clientcredentials`, credentials in a Basic
/// header, or in the form as some clients send them).
extension CatalogService {
    /// A failed exchange, answered as RFC 6749 section 5.2 says (`error`, `error_description`) with
    /// miactl's `message` beside them.
    public struct TokenExchangeError: Error, Sendable, Equatable {
        public var status: Int
        public var error: String
        public var description: String

        init(_ status: Int, _ error: String, _ description: String) {
            self.status = status
            self.error = error
            self.description = description
        }
    }

    /// Exchanges a service account's client id and secret for an access token that expires after
    /// `accessTokenLifetime`.
    public func issueAccessToken(authorization: String?, contentType: String?, body: [UInt8]) async throws -> CatalogAPI.AccessToken {
        guard mediaType(contentType) == "application/x-www-form-urlencoded" else {
            throw TokenExchangeError(400, "invalid_request", "the token request must be a form (Content-Type: application/x-www-form-urlencoded)")
        }
        guard let pairs = FormEncoding.pairs(body) else { throw TokenExchangeError(400, "invalid_request", "the form is not valid") }
        var form: [String: String] = [:]
        for (name, value) in pairs {
            guard form[name] == nil else { throw TokenExchangeError(400, "invalid_request", "form field \(name) is given more than once") }
            form[name] = value
        }
        guard let grant = form["grant_type"] else { throw TokenExchangeError(400, "invalid_request", "the form has no grant_type") }
        guard grant == "client_credentials" else {
            throw TokenExchangeError(
                400, "unsupported_grant_type", "grant_type \"\(QueryParameters.shown(grant))\" is not supported; this catalog takes client_credentials")
        }
        if form["client_assertion"] != nil {
            throw TokenExchangeError(
                400, "invalid_request", "private_key_jwt service accounts are not supported; use a client id and secret (tandem catalog service-account create)"
            )
        }
        let credentials: (id: String, secret: String)
        if let authorization, !authorization.isEmpty {
            guard let basic = Self.basicCredentials(authorization) else {
                throw TokenExchangeError(401, "invalid_client", "the Authorization header must be \"Basic base64(client_id:client_secret)\"")
            }
            credentials = basic
        } else if let id = form["client_id"], let secret = form["client_secret"] {
            credentials = (id, secret)
        } else {
            throw TokenExchangeError(401, "invalid_client", "no client credentials: send them in a Basic Authorization header")
        }
        guard let account = try await store.serviceAccount(clientId: credentials.id), account.secretHash == TokenSecret.hash(credentials.secret) else {
            throw TokenExchangeError(401, "invalid_client", "unknown client id or wrong secret")
        }
        guard account.revokedAt == nil else { throw TokenExchangeError(401, "invalid_client", "service account \(account.clientId) has been revoked") }
        let issuedAt = now()
        let lifetime = accessTokenLifetime.components.seconds
        let (secret, record) = TokenSecret.generate(
            tenantId: account.tenantId, name: account.name, role: account.role, at: issuedAt, expiresAt: issuedAt + lifetime * 1000,
            serviceAccount: account.clientId)
        try await store.addToken(record)
        return CatalogAPI.AccessToken(access_token: secret, token_type: "Bearer", expires_in: Int(lifetime))
    }

    /// `Basic base64(id:secret)`, each half form-decoded as RFC 6749 section 2.3.1 asks (Go's oauth2 encodes them so).
    public static func basicCredentials(_ header: String) -> (id: String, secret: String)? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic", let decoded = Base64.decode(String(parts[1].trimmingCharacters(in: " "))) else {
            return nil
        }
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        guard let id = FormEncoding.decode(decoded[..<colon]), let secret = FormEncoding.decode(decoded[(colon + 1)...]) else { return nil }
        return (id, secret)
    }
}
