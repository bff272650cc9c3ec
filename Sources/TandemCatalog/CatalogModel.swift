import TandemCore

/// The version every unversioned item (every sidecar) has, as the Marketplace calls it.
public let unversioned = "N/A"

/// A Marketplace object id: 24 hex digits, like a MongoDB ObjectId (seconds since 1970, then 8 random
/// bytes), so ids sort roughly by creation and a client written for the Marketplace accepts them.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    public let hex: String

    public init?(_ text: String) {
        guard text.utf8.count == 24, text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            return nil
        }
        hex = text
    }

    public static func generate(atMilliseconds now: Int64) -> ObjectID {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        let seconds = UInt32(truncatingIfNeeded: now / 1000)
        for shift in [24, 16, 8, 0] { bytes.append(UInt8(truncatingIfNeeded: seconds >> UInt32(shift))) }
        for _ in 0..<8 { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
        return ObjectID(unchecked: hexString(bytes))
    }

    init(unchecked hex: String) { self.hex = hex }

    public var description: String { hex }
}

/// Lower-case hex of bytes.
public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// One item as the catalog keeps it: identity, the fields lists and access need, and the document.
public struct StoredItem: Sendable, Equatable {
    public var objectId: ObjectID
    public var tenantId: String
    public var itemId: String
    public var version: String
    public var name: String
    public var type: String
    public var description: String
    /// `visibility.allTenants`: every company sees it.
    public var allTenants: Bool
    /// `visibility.public`: everyone sees it, even without belonging to a company.
    public var isPublic: Bool
    /// The item in canonical JSON (sorted keys, no `_id`); what `get` returns with `_id` added.
    public var document: String
    /// 1 on creation, one more for every change.
    public var revision: Int
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        objectId: ObjectID, tenantId: String, itemId: String, version: String, name: String, type: String, description: String,
        allTenants: Bool, isPublic: Bool, document: String, revision: Int, createdAt: Int64, updatedAt: Int64
    ) {
        self.objectId = objectId
        self.tenantId = tenantId
        self.itemId = itemId
        self.version = version
        self.name = name
        self.type = type
        self.description = description
        self.allTenants = allTenants
        self.isPublic = isPublic
        self.document = document
        self.revision = revision
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether a caller of `company` may read it: its own company, or shared with every company or the public.
    public func isVisible(to company: String) -> Bool {
        tenantId == company || allTenants || isPublic
    }
}

/// A valid item ready to be stored: what the server's checks produced from one element of a batch.
public struct ItemDraft: Sendable, Equatable {
    public var tenantId: String
    public var itemId: String
    public var version: String
    public var name: String
    public var type: String
    public var description: String
    public var allTenants: Bool
    public var isPublic: Bool
    public var document: String

    public init(
        tenantId: String, itemId: String, version: String = unversioned, name: String, type: String, description: String,
        allTenants: Bool, isPublic: Bool, document: String
    ) {
        self.tenantId = tenantId
        self.itemId = itemId
        self.version = version
        self.name = name
        self.type = type
        self.description = description
        self.allTenants = allTenants
        self.isPublic = isPublic
        self.document = document
    }

    public var key: ItemKey { ItemKey(tenantId: tenantId, itemId: itemId, version: version) }
}

/// The identity of an item: (company, itemId, version).
public struct ItemKey: Hashable, Sendable, Comparable {
    public var tenantId: String
    public var itemId: String
    public var version: String

    public init(tenantId: String, itemId: String, version: String = unversioned) {
        self.tenantId = tenantId
        self.itemId = itemId
        self.version = version
    }

    public static func < (a: ItemKey, b: ItemKey) -> Bool {
        (a.tenantId, a.itemId, a.version) < (b.tenantId, b.itemId, b.version)
    }
}

public enum ApplyStatus: String, Sendable, Equatable {
    case created = "Created"
    case updated = "Updated"
    case unchanged = "Unchanged"
}

/// What one stored item of a batch became.
public struct AppliedItem: Sendable, Equatable {
    public var objectId: ObjectID
    public var itemId: String
    public var status: ApplyStatus
    public var revision: Int

    public init(objectId: ObjectID, itemId: String, status: ApplyStatus, revision: Int) {
        self.objectId = objectId
        self.itemId = itemId
        self.status = status
        self.revision = revision
    }
}

/// One kept state of an item: who changed it, when, how, and what it then was.
public struct Revision: Sendable, Equatable {
    public enum Action: String, Sendable, Equatable {
        case created, updated, restored, deleted
    }

    public var objectId: ObjectID
    public var revision: Int
    public var action: Action
    public var actor: String
    public var at: Int64
    /// Field paths that differ from the revision before (empty on creation).
    public var changes: [String]
    public var document: String

    public init(objectId: ObjectID, revision: Int, action: Action, actor: String, at: Int64, changes: [String], document: String) {
        self.objectId = objectId
        self.revision = revision
        self.action = action
        self.actor = actor
        self.at = at
        self.changes = changes
        self.document = document
    }
}

/// Which items `list` returns.
public struct ItemQuery: Sendable, Equatable {
    /// The company asking; its own items are always listed.
    public var tenantId: String
    /// Also other companies' items shared with every company or the public (`includeTenantId`).
    public var includeShared: Bool
    public var type: String?
    public var limit: Int
    public var offset: Int
    /// Keyset paging: only items after this one in list order (company, itemId, version). Unlike an
    /// offset, a page far down costs what the first one does.
    public var after: ItemKey?

    public init(tenantId: String, includeShared: Bool = false, type: String? = nil, limit: Int = 200, offset: Int = 0, after: ItemKey? = nil) {
        self.tenantId = tenantId
        self.includeShared = includeShared
        self.type = type
        self.limit = limit
        self.offset = offset
        self.after = after
    }
}

/// A search of the catalog by words and filters, as the web page asks it.
public struct ItemSearch: Sendable, Equatable {
    /// Who asks: everyone (public items only) or a company (its own items, shared and public ones).
    public enum Audience: Sendable, Equatable {
        case everyone
        case company(String)
    }

    public var audience: Audience
    /// Free text: every word must begin a word of the item's name, itemId, description, image, type,
    /// lifecycle status or company.
    public var words: String
    public var type: String?
    /// Only this company's items.
    public var company: String?
    public var limit: Int
    public var offset: Int

    public init(audience: Audience, words: String = "", type: String? = nil, company: String? = nil, limit: Int = 20, offset: Int = 0) {
        self.audience = audience
        self.words = words
        self.type = type
        self.company = company
        self.limit = limit
        self.offset = offset
    }

    /// The words of a search as the databases index them: runs of letters and digits, lowercased; at
    /// most 8 of at most 64 characters (a search is typed, not pasted documents).
    public static func terms(_ text: String) -> [String] {
        var terms: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                terms.append(String(current.prefix(64)))
                current = ""
            }
        }
        if !current.isEmpty { terms.append(String(current.prefix(64))) }
        return Array(terms.prefix(8))
    }
}

extension ItemKey {
    /// An opaque page cursor for the list API: the key's fields in hex.
    public var cursor: String { hexString(Array("\(tenantId)\u{1F}\(itemId)\u{1F}\(version)".utf8)) }

    public init?(cursor: String) {
        let digits = Array(cursor.utf8)
        guard digits.count.isMultiple(of: 2), !digits.isEmpty else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        let parts = bytes.split(separator: 0x1F, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard parts.count == 3 else { return nil }
        self.init(tenantId: parts[0], itemId: parts[1], version: parts[2])
    }

    static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x61...0x66: digit - 0x61 + 10
        default: nil
        }
    }
}
