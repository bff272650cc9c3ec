/// A line diff of two texts, in `diff -u`'s unified format (what `kubectl diff` and `git diff` print):
/// the longest common subsequence of lines, shown as hunks with `context` unchanged lines around each change.
public enum LineDiff {
    public enum Line: Equatable, Sendable {
        case same(String)
        case removed(String)
        case added(String)
    }

    /// Every line of both texts, in order, marked as kept, removed or added.
    public static func lines(from old: String, to new: String) -> [Line] {
        let a = split(old)
        let b = split(new)
        // Common prefix and suffix first: an edit of a long document costs the size of what changed.
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let x = Array(a[prefix..<(a.count - suffix)])
        let y = Array(b[prefix..<(b.count - suffix)])
        // lengths[i][j]: the longest common subsequence of x[i...] and y[j...].
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                lengths[i][j] = x[i] == y[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var result = a[..<prefix].map(Line.same)
        var i = 0
        var j = 0
        while i < x.count || j < y.count {
            if i < x.count, j < y.count, x[i] == y[j] {
                result.append(.same(x[i]))
                i += 1
                j += 1
            } else if i < x.count, j == y.count || lengths[i + 1][j] >= lengths[i][j + 1] {
                // Removals before additions, as diff prints a replaced line.
                result.append(.removed(x[i]))
                i += 1
            } else {
                result.append(.added(y[j]))
                j += 1
            }
        }
        result += a[(a.count - suffix)...].map(Line.same)
        return result
    }

    /// The unified diff, empty when the texts are equal.
    public static func unified(from old: String, to new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let all = lines(from: old, to: new)
        let groups = hunks(all, context: context)
        guard !groups.isEmpty else { return "" }
        var output = "--- \(oldName)\n+++ \(newName)\n"
        for group in groups {
            // Line numbers (1-based) where the hunk starts in each text.
            var oldLine = 1
            var newLine = 1
            for line in all[..<group.lowerBound] {
                switch line {
                case .same:
                    oldLine += 1
                    newLine += 1
                case .removed: oldLine += 1
                case .added: newLine += 1
                }
            }
            var oldCount = 0
            var newCount = 0
            var body = ""
            for line in all[group] {
                switch line {
                case .same(let text):
                    oldCount += 1
                    newCount += 1
                    body += " " + text + "\n"
                case .removed(let text):
                    oldCount += 1
                    body += "-" + text + "\n"
                case .added(let text):
                    newCount += 1
                    body += "+" + text + "\n"
                }
            }
            // diff -u names an empty range by the line before it.
            output += "@@ -\(oldCount == 0 ? oldLine - 1 : oldLine),\(oldCount) +\(newCount == 0 ? newLine - 1 : newLine),\(newCount) @@\n" + body
        }
        return output
    }

    /// The ranges of `lines` to show: each change with `context` unchanged lines around it, changes whose
    /// context touches or overlaps in one range. Empty when nothing changed.
    public static func hunks(_ lines: [Line], context: Int) -> [Range<Int>] {
        var groups: [Range<Int>] = []
        for index in lines.indices {
            if case .same = lines[index] { continue }
            let start = max(0, index - context)
            let end = min(lines.count, index + context + 1)
            if let last = groups.last, start <= last.upperBound {
                groups[groups.count - 1] = last.lowerBound..<max(last.upperBound, end)
            } else {
                groups.append(start..<end)
            }
        }
        return groups
    }

    private static func split(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
