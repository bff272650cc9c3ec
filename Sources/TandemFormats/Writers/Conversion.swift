import TandemCore

public enum ConversionTarget: String, Sendable, CaseIterable {
    case tandem
    case mia
    case copilot
    case cfManifest = "cf-manifest"
}

public enum ConversionOutcome: Sendable {
    /// The converted text, and what the target could not hold.
    case converted(text: String, dropped: [String])
    /// The target cannot hold the service at all; the diagnostics say why (read back from the output).
    case refused(reasons: [String], dropped: [String])
}

extension ManifestWriter {
    /// Writes `service` in `target`'s format, then reads the result back with the target's own reader:
    /// output that the target would reject is never handed out.
    public static func convert(
        _ service: Service, to target: ConversionTarget, container: String? = nil, itemId: String? = nil, tenantId: String = "my-company",
        itemName: String? = nil, extras: SourceExtras = SourceExtras()
    ) -> ConversionOutcome {
        var result: ConversionResult
        let format: InputFormat
        let fileName: String
        switch target {
        case .tandem:
            (result, format, fileName) = (tandem(service), .tandem, "tandem.yml")
        case .copilot:
            guard !service.mainContainers.isEmpty else {
                return .refused(reasons: ["a Copilot service needs a main container, and the input has none (a catalog item is a sidecar only)"], dropped: [])
            }
            (result, format, fileName) = (copilot(service), .copilot, "manifest.yml")
        case .cfManifest:
            (result, format, fileName) = (cloudFoundryManifest(service, kept: extras.cloudFoundry), .cfManifest, "manifest.yml")
        case .mia:
            let item = miaItem(service, container: container, itemId: itemId, tenantId: tenantId, itemName: itemName, original: extras.miaDocument)
            (result, format, fileName) = (item, .mia, "item.yaml")
        }
        if target != .cfManifest, let kept = extras.cloudFoundry, !kept.isEmpty {
            result.dropped.append("the app's Cloud Foundry settings: \(kept.names.joined(separator: ", "))")
        }
        let check = InputLoader(format: format).load(text: result.text, file: fileName)
        if check.isValid { return .converted(text: result.text, dropped: result.dropped) }
        return .refused(reasons: check.diagnostics.errors.map { $0.path.isEmpty ? $0.message : "\($0.path): \($0.message)" }, dropped: result.dropped)
    }
}
