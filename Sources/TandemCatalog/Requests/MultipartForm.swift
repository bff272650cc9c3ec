/// A `multipart/form-data` body (RFC 7578), as miactl sends an image: parts with a name, maybe a file
/// name and a Content-Type, and their bytes.
public struct MultipartForm: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var filename: String?
        public var contentType: String?
        public var body: [UInt8]
    }

    public var parts: [Part]

    /// The most parts a form may have; miactl sends five.
    public static let maxParts = 32

    public init(body: [UInt8], boundary: String) throws(CatalogError) {
        guard !boundary.isEmpty, boundary.utf8.count <= 70 else {
            throw CatalogError(.invalid, "the multipart boundary must be 1 to 70 characters")
        }
        let delimiter = Array("--\(boundary)".utf8)
        guard var start = Self.find(delimiter, in: body, from: 0) else {
            throw CatalogError(.invalid, "the multipart body has no part (no boundary \(boundary))")
        }
        parts = []
        while true {
            var index = start + delimiter.count
            // `--` after a delimiter ends the body.
            if body[index...].starts(with: [0x2D, 0x2D]) { break }
            guard body[index...].starts(with: [0x0D, 0x0A]) else { throw Self.malformed("a boundary is not followed by a line end") }
            index += 2
            guard let headerEnd = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: index) else {
                throw Self.malformed("a part's headers do not end")
            }
            let headers = try Self.headers(body[index..<headerEnd])
            let contentStart = headerEnd + 4
            guard let next = Self.find([0x0D, 0x0A] + delimiter, in: body, from: contentStart) else {
                throw Self.malformed("a part does not end with the boundary")
            }
            guard let disposition = headers["content-disposition"], disposition.lowercased().hasPrefix("form-data"),
                let name = headerParameter(disposition, "name")
            else {
                throw Self.malformed("a part has no Content-Disposition: form-data with a name")
            }
            guard parts.count < Self.maxParts else { throw Self.malformed("more than \(Self.maxParts) parts") }
            parts.append(
                Part(
                    name: name, filename: headerParameter(disposition, "filename"), contentType: headers["content-type"], body: Array(body[contentStart..<next])
                ))
            start = next + 2
        }
    }

    public func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// A text field's value.
    public func field(_ name: String) -> String? {
        part(name).flatMap { String(validating: $0.body, as: UTF8.self) }
    }

    static func malformed(_ why: String) -> CatalogError {
        CatalogError(.invalid, "the multipart body is malformed: \(why)")
    }

    static func headers(_ bytes: ArraySlice<UInt8>) throws(CatalogError) -> [String: String] {
        var headers: [String: String] = [:]
        var remaining = bytes[...]
        while !remaining.isEmpty {
            let end = find([0x0D, 0x0A], in: remaining) ?? remaining.endIndex
            let line = remaining[remaining.startIndex..<end]
            remaining = end == remaining.endIndex ? [] : remaining[(end + 2)...]
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), let text = String(validating: line, as: UTF8.self) else {
                throw malformed("a part header is not \"Name: value\"")
            }
            let offset = colon - line.startIndex
            let name = text.utf8.prefix(offset)
            let value = text.utf8.dropFirst(offset + 1)
            headers[String(decoding: name, as: UTF8.self).lowercased()] = String(decoding: value, as: UTF8.self).trimmingSpaces()
        }
        return headers
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        find(needle, in: haystack[start...])
    }

    static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            guard let candidate = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) { return candidate }
            index = candidate + 1
        }
        return nil
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(Substring(self).trimmingCharacters(in: " \t"))
    }
}
