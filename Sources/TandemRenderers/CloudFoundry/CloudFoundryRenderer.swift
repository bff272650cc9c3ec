import TandemCore
import TandemFormats

/// A `cf push` manifest with `sidecars:`, from the same writer `tandem convert` uses; every meaning the
/// manifest cannot carry (images, start order, per-sidecar health and environment) is a named loss.
struct CloudFoundryRenderer {
    let service: Service
    let kept: CloudFoundryAppFields?

    func render(_ losses: inout Losses, file: String) -> [RenderedFile] {
        // Cloud Controller refuses to start an app that breaks its memory policy.
        for diagnostic in CloudFoundryReader.memoryPolicy(service, file: file) { losses.refuse(diagnostic) }
        let result = ManifestWriter.cloudFoundryManifest(service, kept: kept)
        for note in result.dropped {
            losses.lose("dropped", service.origin, note)
        }
        let hasOrder = service.containers.contains { !$0.dependsOn.isEmpty }
        if hasOrder {
            losses.lose("start-order", service.origin, "Cloud Foundry starts a process and its sidecars together: start order and health gating are not kept")
        }
        if service.mainContainers.isEmpty {
            losses.fail(service.origin, "a Cloud Foundry app needs a process, and the service has none (a catalog item alone is a sidecar)")
        }
        return [RenderedFile(name: RenderTarget.cloudfoundry.fileName, contents: result.text)]
    }
}
