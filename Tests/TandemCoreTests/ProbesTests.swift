import Foundation
import TandemCore
import Testing

/// `Probes` keeps its three probes in a shared box: it must still behave as a value.
@Suite struct ProbesTests {
    let check = Probe(action: .exec(["ready"]), period: 5)
    let alive = Probe(action: .tcp(port: nil), failureThreshold: 3)

    @Test func aCopyIsUnchangedWhenTheOriginalChanges() {
        var original = Probes(readiness: check)
        let copy = original
        original.readiness?.period = 10
        original.liveness = alive
        #expect(copy.readiness?.period == 5)
        #expect(copy.liveness == nil)
        #expect(original.readiness?.period == 10)
        #expect(original.liveness == alive)
        #expect(original != copy)
    }

    @Test func probesSetOneByOneEqualThoseGivenAtOnceAndHashAlike() {
        var oneByOne = Probes()
        #expect(oneByOne.isEmpty)
        oneByOne.startup = check
        oneByOne.liveness = alive
        let atOnce = Probes(startup: check, liveness: alive)
        #expect(oneByOne == atOnce)
        #expect(Set([oneByOne, atOnce]).count == 1)
        oneByOne.startup = nil
        oneByOne.liveness = nil
        #expect(oneByOne.isEmpty)
        #expect(oneByOne == Probes())
    }

    @Test func encodesOnlyTheProbesItHasAndReadsThemBack() throws {
        let probes = Probes(readiness: check, liveness: alive)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(probes)
        let keys = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]).keys.sorted()
        #expect(keys == ["liveness", "readiness"])
        #expect(try JSONDecoder().decode(Probes.self, from: data) == probes)
        #expect(try JSONDecoder().decode(Probes.self, from: Data("{}".utf8)).isEmpty)
    }
}
