import Foundation

public enum Timestamp {
    /// Milliseconds since 1970 as RFC 3339 in UTC, to the second.
    public static func rfc3339(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(.iso8601)
    }

    public static func nowMilliseconds() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }
}
