import CTandemFuzz
import TandemCatalog
import TandemCore
import TandemFormats

#if canImport(Glibc)
    import Glibc
#endif

/// What the catalog reads from strangers, driven by libFuzzer (scripts/fuzz.sh builds this with
/// `-sanitize=fuzzer -D FUZZING`): `TANDEM_FUZZ_TARGET` picks one of `targets`. Built normally, it
/// replays files given as arguments through a target, so a crash found once stays a test.
enum FuzzTargets {
    static let targets: [String: @Sendable ([UInt8]) -> Void] = [
        // A catalog item file as `tandem validate` and the server read it.
        "item": { bytes in
            let loaded = DocumentLoader.load(bytes: bytes, file: "fuzz.json", limits: .init(maxBytes: 1 << 20, maxDepth: 128, maxNodes: 100_000))
            if let root = loaded.root { _ = MiaItemReader(profile: .standard).read(root, file: "fuzz.json") }
        },
        // An apply request's body, read as JSON and as YAML, every item checked.
        "apply": { bytes in
            _ = try? CatalogService.checkBatch(body: bytes, format: .json, company: "acme")
            _ = try? CatalogService.checkBatch(body: bytes, format: .yaml, company: "acme")
        },
        // A list request's query string, a token request's form and Basic header, a Content-Type.
        "query": { bytes in
            _ = try? ListRequest(query: bytes)
            _ = FormEncoding.pairs(bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            _ = CatalogService.basicCredentials(text)
            _ = BodyFormat(contentType: text)
            _ = headerParameter(text, "boundary")
        },
        // An image upload: the first line is the boundary, the rest the body.
        "multipart": { bytes in
            let split = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
            let boundary = String(decoding: bytes[..<split], as: UTF8.self)
            _ = try? MultipartForm(body: Array(bytes[min(split + 1, bytes.endIndex)...]), boundary: boundary)
        },
    ]

    static let selected: @Sendable ([UInt8]) -> Void = {
        let name = getenv("TANDEM_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = targets[name] else {
            say("TANDEM_FUZZ_TARGET must be one of \(targets.keys.sorted().joined(separator: ", "))")
            exit(2)
        }
        return target
    }()
}

/// A line on stderr.
func say(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        FuzzTargets.selected(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
#else
    @main struct FuzzReplay {
        static func main() {
            let files = CommandLine.arguments.dropFirst()
            for file in files {
                guard let handle = fopen(file, "rb") else {
                    say("cannot read \(file)")
                    exit(1)
                }
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = fread(&buffer, 1, buffer.count, handle)
                    if count <= 0 { break }
                    bytes += buffer[..<count]
                }
                fclose(handle)
                FuzzTargets.selected(bytes)
            }
            print("replayed \(files.count) inputs through \(String(cString: getenv("TANDEM_FUZZ_TARGET")))")
        }
    }
#endif
