/// The regular expressions of the Marketplace sidecar schema, verbatim, so the published JSON Schema and
/// the Swift checks cannot drift apart (`tandem schema mia` prints them from here).
enum MiaPatterns {
    /// The public catalog's `categoryId` and `supportedBy` values (items/sidecar/manifest.schema.json).
    static let publicCategories = [
        "stream", "business", "frontendbuilder", "monitoring", "utility", "auth", "database", "devportal", "files", "microfrontend",
        "notification", "orchestrators", "serverless", "code", "dotnetcore", "golang", "kotlin", "nodejs", "python", "rust", "spa",
        "insurance", "addgeo", "addonsecurity", "payments", "fast-data", "communication", "scheduling", "fast-data-connectors", "idm",
        "scoring", "data-catalog", "artificial-intelligence", "healthcare", "integrations",
    ]
    static let publicSupporters = ["Mia-Platform", "Mia-FinTech", "Mia-Care", "Community"]

    static let itemId = Pattern(#"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"#, matcher: PatternMatchers.itemId)
    static let qualifiedKey = Pattern(
        #"^([a-zA-Z0-9][a-zA-Z0-9\.\-]{0,253}[\/])?([a-zA-Z0-9][a-zA-Z0-9\.\-]{0,63}[a-zA-Z0-9]?)$"#, matcher: PatternMatchers.qualifiedKey)
    static let labelValue = Pattern(#"^$|^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$"#, matcher: PatternMatchers.labelValue)
    static let linkURL = Pattern(#"https?:\/\/(www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b([-a-zA-Z0-9()@:%_+.~#?&\/=]*)$"#)
    static let tag = Pattern(#"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$"#, matcher: PatternMatchers.tag)
    static let port = Pattern(#"^$|^((\{\{([A-Z])([A-Z0-9_]*)\}\})|([1-9]\d*|0))$"#, matcher: PatternMatchers.port)
    static let dnsLabel = Pattern(#"^[a-z]([-a-z0-9]*[a-z0-9])?$"#, matcher: PatternMatchers.dnsLabel)
    static let kebabName = Pattern(#"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"#, matcher: PatternMatchers.kebab)
    /// ICU reads the unescaped `[` inside the class as a nested set and refuses it; Python and JavaScript
    /// read it as a literal, so the check is written out: letters, digits, whitespace and the punctuation listed.
    static let mountPath = Pattern(#"^[a-zA-Z0-9-/_\s.|\\!"£$%&()=?^"{}[\]*+@]+$"#) { text in
        !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                if scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)) { return true }
                if "-/_.|\\!\"£$%&()=?^{}[]*+@".unicodeScalars.contains(scalar) { return true }
                return scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
            }
    }
    static let configMapFileName = Pattern(#"^[-._a-zA-Z0-9]+$"#, matcher: PatternMatchers.configMapFileName)
    static let secretKey = Pattern(#"^((\{\{([A-Z])([A-Z0-9_]*)\}\})|[a-zA-Z0-9-_.]*)$"#, matcher: PatternMatchers.secretKey)
    static let annotationFieldPath = Pattern(
        #"^metadata.annotations\['([a-zA-Z0-9][a-zA-Z0-9\.\-]{0,253}[\/])?([a-zA-Z0-9][a-zA-Z0-9\.\-]{0,63}[a-zA-Z0-9]?)'\]$"#)
    static let labelFieldPath = Pattern(
        #"^metadata.labels\['([a-zA-Z0-9][a-zA-Z0-9\.\-]{0,253}[\/])?([a-zA-Z0-9][a-zA-Z0-9\.\-]{0,63}[a-zA-Z0-9]?)'\]$"#)
    static let probePath = Pattern(#"^\/(([\w\-:.\{\}])\/?)*$|^$"#, matcher: PatternMatchers.probePath)
    static let cpu = Pattern(#"(^((\{\{([A-Z])([A-Z0-9_]*)\}\})|(\d+))m$)|^$"#) { PatternMatchers.quantity($0, unit: "m") }
    static let memory = Pattern(#"(^((\{\{([A-Z])([A-Z0-9_]*)\}\})|(\d+))Mi$)|^$"#) { PatternMatchers.quantity($0, unit: "Mi") }
    /// Kept as text for the schema; checked by `matchesDockerImage`, which is linear where the expression
    /// backtracks quadratically on long runs of `/`.
    static let dockerImageSource = #"^(?:[a-z0-9.\-\/:]+\/)?([\w.}{\-\/]+)(:[\w.}{\-]+)?$"#

    static let lifecycleStatuses = ["coming-soon", "draft", "published", "maintenance", "deprecated", "archived"]
    static let documentationTypes = ["externalLink", "markdown"]
    static let downwardFieldPaths = [
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.serviceAccountName", "spec.nodeName",
        "status.hostIP", "status.podIP", "status.podIPs",
    ]
    static let resourceFieldPaths = [
        "resource.limits.cpu", "resource.requests.cpu", "resource.limits.memory", "resource.requests.memory",
        "resource.limits.ephemeral-storage", "resource.requests.ephemeral-storage",
    ]

    /// `^(?:[a-z0-9.\-\/:]+\/)?([\w.}{\-\/]+)(:[\w.}{\-]+)?$` in one pass over the text.
    static func matchesDockerImage(_ text: String) -> Bool {
        let chars = Array(text.unicodeScalars)
        func isWord(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_"
        }
        func isPrefix(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "." || c == "-" || c == "/" || c == ":"
        }
        func isTagChar(_ c: Unicode.Scalar) -> Bool { isWord(c) || c == "." || c == "}" || c == "{" || c == "-" }
        func isNameChar(_ c: Unicode.Scalar) -> Bool { isTagChar(c) || c == "/" }

        // ^(?:P+/)?N+$ over a slice.
        func matchesRepositoryPart(_ part: ArraySlice<Unicode.Scalar>) -> Bool {
            guard !part.isEmpty else { return false }
            if part.allSatisfy(isNameChar) { return true }
            var prefixEnd = part.startIndex
            while prefixEnd < part.endIndex, isPrefix(part[prefixEnd]) { prefixEnd += 1 }
            var nameStart = part.endIndex
            while nameStart > part.startIndex, isNameChar(part[nameStart - 1]) { nameStart -= 1 }
            // A '/' at index i splits P+ = part[..<i] (needs i <= prefixEnd, i > start) from N+ = part[(i+1)...].
            var index = max(part.startIndex + 1, nameStart - 1)
            while index < part.endIndex - 1 && index <= prefixEnd {
                if part[index] == "/" { return true }
                index += 1
            }
            return false
        }

        if matchesRepositoryPart(chars[...]) { return true }
        if let colon = chars.lastIndex(of: ":") {
            let tag = chars[(colon + 1)...]
            if !tag.isEmpty && tag.allSatisfy(isTagChar) && matchesRepositoryPart(chars[..<colon]) { return true }
        }
        return false
    }
}
