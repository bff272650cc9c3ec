/// A database URL with its password replaced, for messages and logs.
public func redactedDatabaseURL(_ text: String) -> String {
    guard let scheme = text.firstRange(of: "://"), let at = text.lastIndex(of: "@"), at > scheme.upperBound else { return text }
    guard let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
    return String(text[..<colon]) + ":***" + String(text[at...])
}
