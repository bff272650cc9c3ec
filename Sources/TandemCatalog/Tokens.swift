/// What a token may do. Each role includes the ones before it.
public enum Role: String, Sendable, Equatable, Comparable, CaseIterable {
    /// get, list, list-versions, history.
    case read
    /// read, and apply and restore.
    case publish
    /// publish, and delete.
    case admin

    private var rank: Int {
        switch self {
        case .read: 0
        case .publish: 1
        case .admin: 2
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

/// A bearer token of one company. Only the SHA-256 of the secret is stored: the secret is shown once,
/// when it is created, and a stolen database does not give working tokens.
public struct TokenRecord: Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var name: String
    public var role: Role
    public var hash: String
    public var createdAt: Int64
    public var expiresAt: Int64?
    public var revokedAt: Int64?
    /// The client id of the service account this access token was issued to; nil for a token made by
    /// `tandem catalog token create`.
    public var serviceAccount: String?

    public init(
        id: String, tenantId: String, name: String, role: Role, hash: String, createdAt: Int64, expiresAt: Int64? = nil, revokedAt: Int64? = nil,
        serviceAccount: String? = nil
    ) {
        self.id = id
        self.tenantId = tenantId
        self.name = name
        self.role = role
        self.hash = hash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.serviceAccount = serviceAccount
    }

    public func isUsable(at now: Int64) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }
}

public enum TokenSecret {
    /// A new token: `tdm_` and 40 hex digits (160 random bits), with its record.
    public static func generate(
        tenantId: String, name: String, role: Role, at now: Int64, expiresAt: Int64? = nil, serviceAccount: String? = nil
    ) -> (secret: String, record: TokenRecord) {
        let secret = "tdm_" + randomHex(20)
        let record = TokenRecord(
            id: randomHex(6), tenantId: tenantId, name: name, role: role, hash: hash(secret), createdAt: now, expiresAt: expiresAt,
            serviceAccount: serviceAccount)
        return (secret, record)
    }

    /// `count` random bytes in hex.
    public static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return hexString((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    public static func hash(_ secret: String) -> String {
        hexString(SHA256.digest(secret.utf8))
    }
}

/// A service account: a client id and secret of one company with a role, which miactl (`miactl context
/// auth --client-id --client-secret`) exchanges at `/api/m2m/oauth/token` for an access token that
/// expires. Only the secret's SHA-256 is kept; revoking the account revokes every token issued to it.
public struct ServiceAccountRecord: Sendable, Equatable {
    public var clientId: String
    public var tenantId: String
    public var name: String
    public var role: Role
    public var secretHash: String
    public var createdAt: Int64
    public var revokedAt: Int64?

    public init(clientId: String, tenantId: String, name: String, role: Role, secretHash: String, createdAt: Int64, revokedAt: Int64? = nil) {
        self.clientId = clientId
        self.tenantId = tenantId
        self.name = name
        self.role = role
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// A new account: the client id (`sa_` and 16 hex digits) and a secret (`tds_` and 40 hex digits,
    /// 160 random bits) shown once.
    public static func generate(tenantId: String, name: String, role: Role, at now: Int64) -> (secret: String, record: ServiceAccountRecord) {
        let secret = "tds_" + TokenSecret.randomHex(20)
        let record = ServiceAccountRecord(
            clientId: "sa_" + TokenSecret.randomHex(8), tenantId: tenantId, name: name, role: role, secretHash: TokenSecret.hash(secret),
            createdAt: now)
        return (secret, record)
    }
}

/// An image uploaded for an item (its `imageUrl` or `supportedByImageUrl`), kept in the database with
/// the items so that a backup or a second server has it too.
public struct StoredFile: Sendable, Equatable {
    public var fileId: String
    public var tenantId: String
    public var name: String
    public var contentType: String
    public var bytes: [UInt8]
    public var createdAt: Int64

    public init(fileId: String, tenantId: String, name: String, contentType: String, bytes: [UInt8], createdAt: Int64) {
        self.fileId = fileId
        self.tenantId = tenantId
        self.name = name
        self.contentType = contentType
        self.bytes = bytes
        self.createdAt = createdAt
    }

    /// The largest image accepted: logos are kilobytes.
    public static let maxBytes = 2 << 20

    /// `image/png` or `image/jpeg` from the first bytes, as Go's `http.DetectContentType` (which miactl
    /// uses) tells them; nil for anything else.
    public static func imageType(of bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        return nil
    }
}
