import Foundation
import TandemCore
import TandemFormats
import TandemTestSupport
import Testing

@testable import TandemRenderers

/// `tandem graph`'s pictures: golden SVG files, valid XML by xmllint (Debian's libxml2-utils), the same
/// bytes for the same service, and every name escaped.
@Suite struct DependencyGraphPictureTests {
    static func xmllint(_ svg: String) async throws -> (status: Int32, errors: String) {
        let file = NSTemporaryDirectory() + "tandem-graph-\(UUID().uuidString).svg"
        try svg.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try await runTool("/usr/bin/xmllint", ["--noout", file])
        return (result.status, result.stderr)
    }

    @Test(arguments: ["web", "api", "cf"])
    func golden(example: String) async throws {
        let svg = DependencyGraphPicture.svg(try exampleService(example))
        #expect(svg == DependencyGraphPicture.svg(try exampleService(example)))
        let checked = try await Self.xmllint(svg)
        #expect(checked.status == 0, "\(checked.errors)")
        let url = URL(fileURLWithPath: repositoryRoot + "/Tests/TandemRenderersTests/Golden/\(example)-graph.svg")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(svg.utf8).write(to: url)
            return
        }
        #expect(svg == (try String(contentsOf: url, encoding: .utf8)), "golden \(example)-graph.svg differs")
    }

    /// A chain with a cycle's worth of edge cases: waits in a row go right, names with markup stay text.
    @Test func namesAreTextAndEachProcessStandsRightOfWhatItWaitsFor() async throws {
        var first = Container(name: "db<script>alert(1)</script>", role: .main)
        first.essential = true
        var second = Container(name: "api \"quoted\" & 'single'", role: .main)
        second.dependsOn = [Dependency(container: first.name, condition: .healthy, timeout: 30)]
        var third = Container(name: "agent", role: .sidecar)
        third.dependsOn = [Dependency(container: second.name, condition: .start), Dependency(container: first.name, condition: .complete)]
        let service = Service(name: "shop & co", containers: [third, second, first])
        let svg = DependencyGraphPicture.svg(service)
        #expect(!svg.contains("<script>") && svg.contains("db&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(svg.contains("api &quot;quoted&quot; &amp; &apos;single&apos;"))
        #expect(svg.contains("healthy, up to 30s<") && svg.contains("start, up to 120s (default)"))
        #expect(try await Self.xmllint(svg).status == 0)
        let columns = DependencyGraphPicture.columnsByStartOrder(service.containers, known: Set(service.containers.map(\.name)))
        #expect(columns == [first.name: 0, second.name: 1, "agent": 2])
    }
}
