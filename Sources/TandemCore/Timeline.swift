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

    /// The start of a picture, the same for each of Tandem's: the root element (an image labelled by its
    /// title and description, for screen readers), the arrowhead marker `url(#arrow)` of `arrowSize`
    /// pixels, a white background. The caller adds what it draws and `</svg>`.
    public static func head(width: Int, height: Int, title: String, description: String, arrowSize: Int) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
        role="img" aria-labelledby="title desc" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
        <title id="title">\(escape(title))</title>
        <desc id="desc">\(escape(description))</desc>
        <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="\(arrowSize)" markerHeight="\(arrowSize)" \
        orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/></marker></defs>
        <rect width="100%" height="100%" fill="#ffffff"/>

        """
    }

    /// `text` cut to `length` characters with an ellipsis, for a label in a box of fixed width.
    public static func clip(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }
}
