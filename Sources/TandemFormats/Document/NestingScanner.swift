/// Estimates how deeply a YAML text nests, without parsing it. Yams composes documents recursively, so a
/// file of a million `[` would overflow the stack; this scan runs first and refuses such input.
///
/// The estimate is an upper bound for block structure (each indentation level or compact `- ` may open
/// one mapping and one sequence, hence the factor 2) and exact for flow brackets outside quotes,
/// comments and block scalars.
enum NestingScanner {
    static func firstTooDeep(_ text: String, limit: Int) -> (line: Int, column: Int)? {
        var flowDepth = 0
        var quote: UInt8? = nil
        var blockScalarParentIndent: Int? = nil
        var indentStack: [Int] = []
        var lineNumber = 0

        var utf8 = Array(text.utf8)
        utf8.append(10)
        var lineStart = 0
        while lineStart < utf8.count {
            var lineEnd = lineStart
            while utf8[lineEnd] != 10 { lineEnd += 1 }
            lineNumber += 1
            defer { lineStart = lineEnd + 1 }

            var indent = 0
            while lineStart + indent < lineEnd, utf8[lineStart + indent] == 32 { indent += 1 }
            let contentStart = lineStart + indent
            let isBlank = contentStart >= lineEnd || utf8[contentStart] == 13 || utf8[contentStart] == 35 || utf8[contentStart] == 9

            if let parentIndent = blockScalarParentIndent {
                if isBlank || indent > parentIndent { continue }
                blockScalarParentIndent = nil
            }

            var blockDepth = 0
            var position = contentStart
            if quote == nil && flowDepth == 0 {
                if isBlank { continue }
                while let last = indentStack.last, last > indent { indentStack.removeLast() }
                if indentStack.last != indent { indentStack.append(indent) }
                blockDepth = indentStack.count
                // Compact nested sequences (`- - - x`) open one level per dash on a single line.
                while position < lineEnd, utf8[position] == 45,
                    position + 1 == lineEnd || utf8[position + 1] == 32
                {
                    blockDepth += 1
                    position += 1
                    while position < lineEnd, utf8[position] == 32 { position += 1 }
                }
                if 2 * blockDepth > limit { return (lineNumber, indent + 1) }
            }

            var previous: UInt8 = 32
            var index = position
            while index < lineEnd {
                let byte = utf8[index]
                if let open = quote {
                    if open == 34 && byte == 92 {
                        index += 2
                        previous = 0
                        continue
                    }
                    if byte == open {
                        if open == 39 && index + 1 < lineEnd && utf8[index + 1] == 39 {
                            index += 2
                            continue
                        }
                        quote = nil
                    }
                    previous = byte
                    index += 1
                    continue
                }
                switch byte {
                case 35 where previous == 32 || previous == 9:
                    index = lineEnd
                    continue
                case 34, 39:
                    // A quote opens a quoted scalar only where a scalar can start; `it's` is plain text.
                    if [32, 9, 91, 123, 44, 58].contains(previous) { quote = byte }
                case 91, 123:
                    flowDepth += 1
                    if 2 * blockDepth + flowDepth > limit {
                        return (lineNumber, String(decoding: utf8[lineStart..<index], as: UTF8.self).unicodeScalars.count + 1)
                    }
                case 93, 125:
                    flowDepth = max(0, flowDepth - 1)
                case 124 where flowDepth == 0 && previous == 32, 62 where flowDepth == 0 && previous == 32:
                    if restIsBlockScalarHeader(utf8, from: index + 1, to: lineEnd) {
                        blockScalarParentIndent = indent
                        index = lineEnd
                        continue
                    }
                default:
                    break
                }
                previous = byte
                index += 1
            }
        }
        return nil
    }

    /// After `|` or `>`: optional indentation and chomping indicators, then only blanks or a comment.
    private static func restIsBlockScalarHeader(_ bytes: [UInt8], from start: Int, to end: Int) -> Bool {
        var index = start
        while index < end, (bytes[index] >= 48 && bytes[index] <= 57) || bytes[index] == 43 || bytes[index] == 45 { index += 1 }
        while index < end, bytes[index] == 32 || bytes[index] == 9 || bytes[index] == 13 { index += 1 }
        return index == end || bytes[index] == 35
    }
}
