import ArgumentParser
import Foundation
import TandemCatalog
import TandemCatalogClient
import TandemCore
import TandemFormats

struct MarketplaceApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Create or update items from files and folders (walked recursively; only .json, .yaml and .yml are read).",
        discussion: """
            Files are checked before anything is sent: one malformed file, one without name or itemId, or two with \
            the same itemId, and nothing is applied. The server then checks every item with the Mia rules and \
            applies the valid ones. Exit status 1 when any item was not applied. An item that is Updated is \
            shown with what changed (a unified diff of its YAML, as kubectl diff shows it).
            """)

    @Option(name: [.customShort("f"), .customLong("file-path")], help: "A file or folder of items; repeatable.") var paths: [String] = []
    @Flag(
        name: .customLong("dry-run"),
        help: "Check every item with the catalog's own rules and say what would be Created, Updated or Unchanged; send nothing.")
    var dryRun = false
    @Flag(
        name: .long,
        help: "Print what would change in each item (a unified diff of its YAML, as kubectl diff) and apply nothing; exit 1 when something would.")
    var diff = false
    @OptionGroup var connection: CatalogConnectionOptions

    func validate() throws {
        if paths.isEmpty { throw ValidationError("missing -f/--file-path") }
    }

    func run() async throws {
        let company = try connection.company()
        let client = try connection.client()
        var items: [PreparedItem]
        do {
            items = try Self.prepare(paths: paths)
        } catch let error as CLIError {
            throw CLIError("error preparing apply request: \(error.message)")
        }
        // As miactl: each `image` / `supportedByImage` file (relative to its item's file) is uploaded first,
        // and the item then names it by the URL the catalog answered.
        for index in items.indices {
            for (key, urlKey) in Self.imageKeys {
                guard case .string(let localPath)? = items[index].root[key]?["localPath"]?.value else { continue }
                let file =
                    localPath.hasPrefix("/")
                    ? localPath : ((items[index].file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(localPath)
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CLIError("error while uploading image: \(file): no such file or directory")
                }
                guard StoredFile.imageType(of: Array(data)) != nil else {
                    throw CLIError("error while uploading image: \(file): the file must a jpeg or png image")
                }
                guard case .string(let itemId)? = items[index].root["itemId"]?.value else { continue }
                let assetType = key == "image" ? "imageAssetType" : "supportedByImageAssetType"
                let uploaded = try await calling {
                    try await client.uploadImage(
                        company: company, itemId: itemId, fileName: (file as NSString).lastPathComponent, bytes: Array(data), assetType: assetType)
                }
                items[index].replace(key, with: urlKey, value: uploaded.location)
            }
        }
        if dryRun || diff {
            try await preview(items, company: company, client: client)
            return
        }
        // What is there now, to show what an update changes.
        let before = try await current(items, company: company, client: client)
        let response = try await calling { try await client.apply(company: company, itemsJSON: items.map(\.json)) }
        // Each refusal once, located in the file it came from (for editors and people).
        writeOutput(Self.summary(response) { index, message in index < items.count ? items[index].locate(message).description : message.message })
        for (index, outcome) in response.items.enumerated() where outcome.status == "Updated" && index < items.count {
            if let old = before[index]?.json { writeOutput(Self.diff(old, items[index].json, itemId: outcome.itemId ?? "", file: items[index].file)) }
        }
        if !response.done { throw ExitCode(1) }
    }

    static let imageKeys = [("image", "imageUrl"), ("supportedByImage", "supportedByImageUrl")]

    /// Each item as the catalog holds it now (its object id, and compact JSON without `_id`), nil when it has none.
    private func current(_ items: [PreparedItem], company: String, client: CatalogClient) async throws -> [(id: String, json: String)?] {
        var documents: [(id: String, json: String)?] = []
        for item in items {
            guard case .string(let itemId)? = item.root["itemId"]?.value else {
                documents.append(nil)
                continue
            }
            var version = "N/A"
            if case .string(let name)? = item.root["version"]?["name"]?.value, !name.isEmpty { version = name }
            do {
                let bytes = try await client.item(company: company, itemId: itemId, version: version)
                guard var entries = DocumentLoader.load(bytes: bytes, file: "response").root?.entries else {
                    documents.append(nil)
                    continue
                }
                let id: String = if case .string(let text)? = entries.first(where: { $0.key == "_id" })?.value.value { text } else { "-" }
                entries.removeAll { $0.key == "_id" }
                documents.append((id, CanonicalJSON.ordered(DocumentNode(.mapping(entries), at: .init(line: 1, column: 1)))))
            } catch let error as CatalogClientError where error.status == 404 {
                documents.append(nil)
            } catch let error as CatalogClientError {
                throw CLIError(error.message)
            }
        }
        return documents
    }

    /// `--dry-run` and `--diff`: the catalog's own checks and a comparison with what it holds; nothing is sent.
    private func preview(_ items: [PreparedItem], company: String, client: CatalogClient) async throws {
        var prepared = items
        for index in prepared.indices {
            for (key, urlKey) in Self.imageKeys {
                guard case .string(let localPath)? = prepared[index].root[key]?["localPath"]?.value else { continue }
                prepared[index].replace(key, with: urlKey, value: "(uploaded on apply: \(localPath))")
            }
        }
        let before = try await current(prepared, company: company, client: client)
        var applied = TablePrinter(["Object ID", "Item ID", "Status"])
        var refused = TablePrinter(["Object ID", "Item ID", "Validation Errors"])
        var diffs: [String] = []
        var valid = 0
        var invalid = 0
        for (index, item) in prepared.enumerated() {
            let itemId: String = if case .string(let id)? = item.root["itemId"]?.value { id } else { "" }
            switch CatalogService.draft(from: item.root, index: index, company: company) {
            case .failure(let errors):
                invalid += 1
                refused.append(["N/A", itemId, errors.messages.map { item.locate($0).description }.joined(separator: "\n")])
            case .success(let draft):
                valid += 1
                guard let old = before[index] else {
                    applied.append(["N/A", itemId, "Created"])
                    diffs.append(Self.diff("", draft.document, itemId: itemId, file: item.file))
                    continue
                }
                let same = CanonicalJSON.sameContent(old.json, draft.document)
                applied.append([old.id, itemId, same ? "Unchanged" : "Updated"])
                if !same { diffs.append(Self.diff(old.json, draft.document, itemId: itemId, file: item.file)) }
            }
        }
        let total = prepared.count
        if diff {
            let text = diffs.joined()
            if !text.isEmpty { writeOutput(text) }
        }
        if dryRun {
            var output = ""
            if valid > 0 { output += "\(valid) of \(total) items would be applied (dry run: nothing was sent):\n\n" + applied.render() }
            if invalid > 0 {
                if !output.isEmpty { output += "\n" }
                output += "\(invalid) of \(total) items would not be applied due to validation errors:\n\n" + refused.render()
            }
            writeOutput(output)
        }
        if invalid > 0 || (diff && !diffs.allSatisfy(\.isEmpty)) { throw ExitCode(1) }
    }

    /// What applying `new` over `old` changes, as YAML in the document's order (empty when nothing).
    static func diff(_ old: String, _ new: String, itemId: String, file: String) -> String {
        func yaml(_ json: String) -> String {
            guard !json.isEmpty, let root = DocumentLoader.load(text: json, file: "-").root, var entries = root.entries else { return "" }
            // The object id is the catalog's, not part of what changes.
            entries.removeAll { $0.key == "_id" }
            return YAMLValue(DocumentNode(.mapping(entries), at: root.position)).yaml()
        }
        return LineDiff.unified(from: yaml(old), to: yaml(new), oldName: "\(itemId) (in the catalog)", newName: "\(itemId) (\(file))")
    }

    struct PreparedItem {
        var file: String
        var root: DocumentNode
        var json: String

        /// `image: {localPath}` becomes `imageUrl: URL` once the file is uploaded, as miactl does.
        mutating func replace(_ key: String, with urlKey: String, value: String) {
            guard var entries = root.entries, let index = entries.firstIndex(where: { $0.key == key }) else { return }
            let position = entries[index].keyPosition
            entries.remove(at: index)
            entries.append(.init(key: urlKey, keyPosition: position, value: DocumentNode(.scalar(.init(text: value, isPlain: false)), at: position)))
            root = DocumentNode(.mapping(entries), at: root.position)
            json = CanonicalJSON.ordered(root)
        }

        func locate(_ message: CatalogAPI.Message) -> Diagnostic {
            let node = message.path.flatMap { FieldLookup.node(at: $0, in: root) }
            let text =
                message.path.map { path in
                    message.message.hasPrefix(path + ": ") ? String(message.message.dropFirst(path.count + 2)) : message.message
                } ?? message.message
            return Diagnostic(
                .error, file: file, line: node.map { Int($0.position.line) }, column: node.map { Int($0.position.column) },
                path: message.path ?? "", message: text)
        }
    }

    /// miactl's client-side checks, in its order; the first failure stops everything.
    static func prepare(paths: [String]) throws -> [PreparedItem] {
        var files: [String] = []
        for path in paths { files += try collect(path) }
        var items: [PreparedItem] = []
        var seen = Set<[String]>()
        for file in files {
            let loaded = DocumentLoader.load(path: file)
            guard let root = loaded.root, !loaded.diagnostics.hasErrors else {
                let first = loaded.diagnostics.errors.first
                let position = first.flatMap { diagnostic in diagnostic.line.map { "\($0):\(diagnostic.column ?? 1): " } } ?? ""
                throw CLIError("file malformed \(file): \(position)\(first?.message ?? "empty document")")
            }
            guard root.entries != nil else { throw CLIError("file malformed \(file): an item must be an object, found \(root.typeName)") }
            for key in ["name", "itemId"] {
                guard let node = root[key] else { throw CLIError("the required field \"\(key)\" was not found in the resource: \(file)") }
                guard case .string = node.value else { throw CLIError("the field \"\(key)\" must be a string: \(file)") }
            }
            var versionName = ""
            if let version = root["version"] {
                guard case .string(let name)? = version["name"]?.value else { throw CLIError("the field \"version.name\" must be a string") }
                versionName = name
            }
            guard case .string(let itemId)? = root["itemId"]?.value else { continue }
            guard seen.insert([itemId, versionName]).inserted else {
                throw CLIError("some resources have duplicated itemId-version tuple: \(itemId)")
            }
            for (key, urlKey) in Self.imageKeys where root[key] != nil {
                if root[urlKey] != nil { throw CLIError("only one of the image keys is admitted, found both: \(key); \(urlKey)") }
                guard root[key]?.entries != nil else { throw CLIError("the image object is not valid: image is not an object") }
                guard let localPath = root[key]?["localPath"] else { throw CLIError("the image object is not valid: localPath key not found") }
                guard case .string = localPath.value else { throw CLIError("the image object is not valid: localPath is not string") }
            }
            items.append(PreparedItem(file: file, root: root, json: CanonicalJSON.ordered(root)))
        }
        guard !items.isEmpty else { throw CLIError("no valid files were provided") }
        return items
    }

    /// The files under `path` as Go's filepath.Walk visits them (lexical order, depth first) with a
    /// .json, .yaml or .yml extension.
    static func collect(_ path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError("error processing files: lstat \(path): no such file or directory")
        }
        guard isDirectory.boolValue else { return InputLoader.fileExtensions.contains((path as NSString).pathExtension) ? [path] : [] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var files: [String] = []
        for entry in entries.sorted() {
            files += try collect(path.hasSuffix("/") ? path + entry : path + "/" + entry)
        }
        return files
    }

    /// miactl's outcome tables: the applied items, then the others with one line per error.
    /// miactl's tables of applied and refused items; `located` writes a refusal of the item at an index.
    static func summary(
        _ response: CatalogAPI.ApplyResponse, located: (Int, CatalogAPI.Message) -> String = { $1.message }
    ) -> String {
        let total = response.items.count
        let applied = response.items.filter(\.done)
        let failed = response.items.filter { !$0.done }
        var output = ""
        if !applied.isEmpty {
            var table = TablePrinter(["Object ID", "Item ID", "Status"])
            for item in applied { table.append([item._id ?? "N/A", item.itemId ?? "", item.status ?? "UNKNOWN"]) }
            output += "\(applied.count) of \(total) items have been successfully applied:\n\n" + table.render()
        }
        if !failed.isEmpty {
            if !output.isEmpty { output += "\n" }
            var table = TablePrinter(["Object ID", "Item ID", "Validation Errors"])
            for (index, item) in response.items.enumerated() where !item.done {
                let messages = (item.errors.isEmpty ? item.validationErrors : item.errors).map { located(index, $0) }
                table.append([item._id ?? "N/A", item.itemId ?? "", messages.isEmpty ? "-" : messages.joined(separator: "\n")])
            }
            output += "\(failed.count) of \(total) items have not been applied due to validation errors:\n\n" + table.render()
        }
        return output
    }
}

/// Finds the node a field path such as `resources.containerPorts[0].name` names.
enum FieldLookup {
    static func node(at path: String, in root: DocumentNode) -> DocumentNode? {
        var node = root
        for part in path.split(separator: ".") {
            var name = Substring(part)
            var indices: [Int] = []
            while name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                guard let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) else { return nil }
                indices.insert(index, at: 0)
                name = name[..<open]
            }
            if !name.isEmpty {
                guard let child = node[String(name)] else { return node }
                node = child
            }
            for index in indices {
                guard let items = node.items, index < items.count else { return node }
                node = items[index]
            }
        }
        return node
    }
}
