import Crypto

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

    public init(id: String, tenantId: String, name: String, role: Role, hash: String, createdAt: Int64, expiresAt: Int64? = nil, revokedAt: Int64? = nil) {
        self.id = id
        self.tenantId = tenantId
        self.name = name
        self.role = role
        self.hash = hash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    public func isUsable(at now: Int64) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }
}

public enum TokenSecret {
    /// A new token: `tdm_` and 40 hex digits (160 random bits), with its record.
    public static func generate(
        tenantId: String, name: String, role: Role, at now: Int64, expiresAt: Int64? = nil
    ) -> (secret: String, record: TokenRecord) {
        var generator = SystemRandomNumberGenerator()
        let secret = "tdm_" + hexString((0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let id = hexString((0..<6).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let record = TokenRecord(id: id, tenantId: tenantId, name: name, role: role, hash: hash(secret), createdAt: now, expiresAt: expiresAt)
        return (secret, record)
    }

    public static func hash(_ secret: String) -> String {
        hexString(SHA256.hash(data: Array(secret.utf8)))
    }
}
