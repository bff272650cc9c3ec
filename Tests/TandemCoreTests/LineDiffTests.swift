import Foundation
import TandemCore
import TandemTestSupport
import Testing

/// The line diff against GNU diff (`diff -u`), the tool whose format it prints.
@Suite struct LineDiffTests {
    static func gnuDiff(_ old: String, _ new: String) async throws -> String {
        let folder = NSTemporaryDirectory() + "tandem-diff-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try old.write(toFile: folder + "/old", atomically: true, encoding: .utf8)
        try new.write(toFile: folder + "/new", atomically: true, encoding: .utf8)
        return try await runTool("/usr/bin/diff", ["-u", "--label", "old", "--label", "new", folder + "/old", folder + "/new"]).stdout
    }

    @Test func aSimpleEditReadsAsDiffPrintsIt() async throws {
        let old = (1...20).map { "line \($0)" }.joined(separator: "\n") + "\n"
        var lines = (1...20).map { "line \($0)" }
        lines[4] = "line five"
        lines.insert("new line", at: 15)
        lines.removeLast()
        let new = lines.joined(separator: "\n") + "\n"
        #expect(LineDiff.unified(from: old, to: new, oldName: "old", newName: "new") == (try await Self.gnuDiff(old, new)))
        #expect(LineDiff.unified(from: old, to: old, oldName: "old", newName: "new") == "")
        #expect(LineDiff.unified(from: "", to: "a\nb\n", oldName: "old", newName: "new") == (try await Self.gnuDiff("", "a\nb\n")))
    }

    /// Random edits: both texts come back from the diff, and it changes as few lines as GNU diff does.
    @Test func randomEditsAreMinimalAndComplete() async throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<60 {
            let words = ["a", "b", "c", "d", "e"]
            let old = (0..<Int.random(in: 0...30, using: &generator)).map { _ in words.randomElement(using: &generator)! }
            var new = old
            for _ in 0..<Int.random(in: 0...8, using: &generator) {
                switch Int.random(in: 0..<3, using: &generator) {
                case 0 where !new.isEmpty: new.remove(at: Int.random(in: 0..<new.count, using: &generator))
                case 1: new.insert(words.randomElement(using: &generator)!, at: Int.random(in: 0...new.count, using: &generator))
                default: if !new.isEmpty { new[Int.random(in: 0..<new.count, using: &generator)] = "x" }
                }
            }
            let oldText = old.map { $0 + "\n" }.joined()
            let newText = new.map { $0 + "\n" }.joined()
            let diff = LineDiff.lines(from: oldText, to: newText)
            let kept = diff.compactMap { line -> String? in
                switch line {
                case .same(let text), .removed(let text): text
                case .added: nil
                }
            }
            let made = diff.compactMap { line -> String? in
                switch line {
                case .same(let text), .added(let text): text
                case .removed: nil
                }
            }
            #expect(kept == old && made == new)
            let changes = diff.filter { $0 != .same({ if case .same(let t) = $0 { t } else { "" } }($0)) }.count
            let gnu = try await Self.gnuDiff(oldText, newText).split(separator: "\n").dropFirst(2).filter { $0.hasPrefix("+") || $0.hasPrefix("-") }.count
            #expect(changes == gnu, "\(old) -> \(new)")
        }
    }
}
