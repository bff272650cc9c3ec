import Foundation

/// A JSON Schema `pattern`: the same regular expression text the published schemas carry, matched with
/// search semantics (unanchored unless the pattern anchors itself), as JSON Schema validators do.
struct Pattern: @unchecked Sendable {
    // NSRegularExpression is immutable once built and documented as safe to share between threads.
    let source: String
    private let expression: NSRegularExpression?
    private let matcher: (@Sendable (String) -> Bool)?

    init(_ source: String) {
        self.source = source
        self.matcher = nil
        do {
            expression = try NSRegularExpression(pattern: source, options: [])
        } catch {
            preconditionFailure("invalid built-in pattern \(source): \(error)")
        }
    }

    /// A pattern whose text ICU cannot compile as JSON Schema validators read it, checked by hand instead.
    init(_ source: String, matcher: @escaping @Sendable (String) -> Bool) {
        self.source = source
        self.expression = nil
        self.matcher = matcher
    }

    func matches(_ text: String) -> Bool {
        if let matcher { return matcher(text) }
        guard let expression else { return false }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return expression.firstMatch(in: text, options: [], range: range) != nil
    }
}
