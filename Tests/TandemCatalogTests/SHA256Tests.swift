import Crypto
import TandemCatalog
import TandemTestSupport
import Testing

@Suite struct SHA256Tests {
    static func hex(_ text: String) -> String { hexString(TandemCatalog.SHA256.digest(Array(text.utf8))) }

    /// The examples of FIPS 180-4 (NIST's "SHA256.pdf" and the two-block message) and the empty message.
    @Test func theStandardsExamples() {
        #expect(Self.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Self.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            Self.hex(
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    /// Every length across the padding's edges (55, 56, 63, 64 bytes and their multiples), random bytes,
    /// digested as swift-crypto digests them.
    @Test func asSwiftCryptoDigestsEveryLength() {
        var generator = SplitMix(seed: 0x5EED_256)
        for length in 0...300 {
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Array(Crypto.SHA256.hash(data: message))
            #expect(TandemCatalog.SHA256.digest(message) == expected, "length \(length)")
            // A slice (not starting at index 0) digests as the array does.
            #expect(TandemCatalog.SHA256.digest(([0xFF] + message).dropFirst()) == expected, "slice of length \(length)")
        }
    }
}
