/// One moment of a process's life in a run, for the report and its picture (`tandem run --timeline`):
/// from each mark to the next the process is in the mark's state.
public struct TimelineMark: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Waiting for a dependency (`detail`: which, and for what).
        case waiting
        /// Started, not ready yet.
        case starting
        /// Its checks pass (or it has none).
        case ready
        /// A probe failed (`detail`: which); the process keeps its state.
        case probeFailed = "probe_failed"
        /// Asked to stop.
        case stopping
        /// Its process ended (`detail`: how); a restart may follow.
        case exited
        /// Waiting out its backoff before the next start.
        case restarting
        /// Ended for good.
        case ended
    }

    /// Seconds since the unit started.
    public var at: Double
    public var kind: Kind
    public var detail: String?

    public init(at: Double, kind: Kind, detail: String? = nil) {
        self.at = at
        self.kind = kind
        self.detail = detail
    }
}

/// Text for SVG (XML): every value is the user's, escaped for text and attributes alike; characters XML
/// cannot hold become U+FFFD.
public enum SVGText {
    public static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            default:
                if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1, scalar.value < 0x20, scalar != "\n",
                    scalar != "\t"
                {
                    output += "\u{FFFD}"
                } else {
                    output.append(character)
                }
            }
        }
        return output
    }
}
