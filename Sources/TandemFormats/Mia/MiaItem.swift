import TandemCore

/// Which rules a Mia-Platform Marketplace sidecar item is held to.
public enum MiaSchemaProfile: String, Sendable, CaseIterable {
    /// Tandem's default: every rule of the current console-sdk schema (patterns, units, enums, no unknown
    /// fields) except that `lifecycleStatus` is optional; `type: sidecar` and `resources.dockerImage` are
    /// required, as the seed page says; miactl's `image` / `supportedByImage` upload fields are accepted.
    case standard
    /// Exactly the seed page's schema (the pre-v14 Marketplace): required fields and types, nothing more.
    case marketplace
    /// Exactly the console-sdk v14 catalog schema (`sidecar.manifest.schema.json`).
    case catalog
    /// Exactly the schema of Mia-Platform's public catalog (mia-platform-marketplace/public-catalog,
    /// `items/sidecar/manifest.schema.json`): the v14 rules, plus what an item published there must say
    /// (`itemTypeDefinitionRef`, images by local path, `supportedBy`, `categoryId`, public visibility).
    case publicCatalog = "public-catalog"

    /// The profiles that transcribe a published console-sdk schema (with its bugs).
    var isPublishedSchema: Bool { self == .catalog || self == .publicCatalog }
}

/// A sidecar item of the Marketplace, with the sidecar it defines read into the model.
public struct MiaItem: Sendable {
    public var name: String?
    public var itemId: String?
    public var tenantId: String?
    public var description: String?
    public var lifecycleStatus: String?
    public var visibleToAllTenants: Bool
    public var isPublic: Bool
    public var documentationType: String?
    public var documentationURL: String?
    /// The sidecar as a one-container service named after the item, with its config maps and volumes.
    public var service: Service
    /// The item as written, for storage and round trips.
    public var document: DocumentNode

    public var container: Container? { service.containers.first }
}
