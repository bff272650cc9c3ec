import CTandemSystem
import Foundation
import Testing

/// `tandem-supervisor` grows its descriptor table to its unit's size before its main (keeper.c), while it
/// has one thread: a table that grows later, shared by threads, waits for an RCU grace period each time it
/// doubles.
@Suite struct DescriptorTableTests {
    static func tableSize() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("FDSize:") })
        return try #require(Int(line.dropFirst("FDSize:".count).trimmingCharacters(in: .whitespaces)))
    }

    @Test func theTableGrowsToTheCountAndKeepsItsSize() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let wanted = min(3000, Int(limit.rlim_cur))
        let before = try Self.tableSize()
        #expect(tandem_reserve_descriptors(STDERR_FILENO, wanted) == 0)
        #expect(try Self.tableSize() >= max(wanted, before))
        // Nothing is left open: the number it took is free again.
        #expect(fcntl(Int32(wanted - 1), F_GETFD) == -1)
    }

    @Test func aSmallCountLeavesTheTableAlone() {
        #expect(tandem_reserve_descriptors(STDERR_FILENO, 10) == -1)
    }
}
