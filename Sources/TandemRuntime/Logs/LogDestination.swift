/// Where `tandem run` delivers the processes' lines itself when the log router has no command to run
/// here: the two Fluent Bit output plugins that make sense on one machine, read from the same
/// `destination` options a FireLens router takes (`Name: file` with `Path`/`File`/`Format`, `Name: http`
/// with `Host`/`Port`/`URI`/`Format`/`Header`). Option names are case-insensitive, as in Fluent Bit.
public enum LogDestination: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum FileFormat: String, Sendable, Equatable, Codable {
        /// Fluent Bit's default: `TAG: [TIME, RECORD]`, the tag being the process.
        case outFile = "out_file"
        /// The record alone, one JSON object per line.
        case plain
    }

    public enum HTTPFormat: String, Sendable, Equatable, Codable {
        /// One JSON object per line (`application/x-ndjson`).
        case jsonLines = "json_lines"
        /// A JSON array of the records (`application/json`).
        case json
    }

    case file(path: String, format: FileFormat)
    case http(host: String, port: Int, path: String, format: HTTPFormat, header: String?)

    public var description: String {
        switch self {
        case .file(let path, _): "file \(path)"
        case .http(let host, let port, let path, _, _): "http://\(host):\(port)\(path)"
        }
    }

    /// A problem with the options, for `logging.destination.KEY`.
    public struct Problem: Sendable, Equatable {
        public var key: String
        public var message: String
        public var isError: Bool
    }

    /// The built-in destination the options name, nil when their `Name` is not `file` or `http`, with
    /// the problems found. A relative file path is taken from `directory`.
    public static func parse(_ options: [String: String], directory: String, service: String) -> (LogDestination?, [Problem]) {
        var remaining: [String: (key: String, value: String)] = [:]
        for (key, value) in options { remaining[key.lowercased()] = (key, value) }
        func take(_ name: String) -> (key: String, value: String)? { remaining.removeValue(forKey: name) }
        var problems: [Problem] = []
        guard let name = take("name") else { return (nil, []) }
        // What Fluent Bit reads for every output and that changes nothing here.
        for ignored in ["match", "match_regex", "retry_limit", "workers", "alias", "log_level"] { _ = take(ignored) }
        let destination: LogDestination?
        switch name.value.lowercased() {
        case "file":
            let folder = take("path")?.value ?? directory
            let file = take("file")?.value ?? service + ".log"
            let formatText = take("format")?.value ?? FileFormat.outFile.rawValue
            let format = FileFormat(rawValue: formatText.lowercased())
            if format == nil {
                problems.append(Problem(key: "Format", message: "tandem run writes out_file or plain, found \"\(formatText)\"", isError: true))
            }
            if file.contains("/") || file == ".." || file.isEmpty {
                problems.append(Problem(key: "File", message: "expected a file name without \"/\", found \"\(file)\"", isError: true))
            }
            let absolute = folder.hasPrefix("/") ? folder : directory + "/" + folder
            destination = format.map { .file(path: absolute + "/" + file, format: $0) }
        case "http":
            let host = take("host")?.value
            if host == nil || host?.isEmpty == true {
                problems.append(Problem(key: "Host", message: "the http destination needs a Host", isError: true))
            }
            let portText = take("port")?.value ?? "80"
            let port = Int(portText).flatMap { (1...65535).contains($0) ? $0 : nil }
            if port == nil { problems.append(Problem(key: "Port", message: "expected a port from 1 to 65535, found \"\(portText)\"", isError: true)) }
            var path = take("uri")?.value ?? "/"
            if !path.hasPrefix("/") { path = "/" + path }
            let formatText = take("format")?.value ?? HTTPFormat.jsonLines.rawValue
            let format = HTTPFormat(rawValue: formatText.lowercased())
            if format == nil {
                problems.append(Problem(key: "Format", message: "tandem run sends json_lines or json, found \"\(formatText)\"", isError: true))
            }
            if let tls = take("tls"), !["off", "false", "no", "0"].contains(tls.value.lowercased()) {
                problems.append(
                    Problem(key: tls.key, message: "TLS is not built in; give logging a command (a router that speaks TLS) instead", isError: true))
            }
            let header = take("header")?.value
            if let header, !header.contains(" ") || header.contains("\r") || header.contains("\n") {
                problems.append(
                    Problem(key: "Header", message: "expected \"Name value\" on one line (the value is not shown: it may be a secret)", isError: true))
            }
            for forbidden in [path, host ?? ""] where forbidden.contains(" ") || forbidden.contains("\r") || forbidden.contains("\n") {
                problems.append(Problem(key: forbidden == path ? "URI" : "Host", message: "must not contain spaces or line breaks", isError: true))
            }
            destination =
                if let host, let port, let format {
                    .http(host: host, port: port, path: path, format: format, header: header.map(Self.headerLine))
                } else { nil }
        default:
            return (nil, [])
        }
        for (key, _) in remaining.values.sorted(by: { $0.key < $1.key }) {
            problems.append(Problem(key: key, message: "not used by tandem run's built-in \(name.value.lowercased()) destination", isError: false))
        }
        return (problems.contains(where: \.isError) ? nil : destination, problems)
    }

    /// Fluent Bit's `Header X-Key value` as an HTTP header line.
    private static func headerLine(_ option: String) -> String {
        guard let space = option.firstIndex(of: " ") else { return option }
        return option[..<space] + ": " + option[option.index(after: space)...].drop { $0 == " " }
    }
}
