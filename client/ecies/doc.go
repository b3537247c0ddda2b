// Package ecies encrypts and signs data in the formats Blockstack and Stacks
// apps store on Gaia (docs/client-formats.md, "Encryption"), byte-compatible with
// @stacks/encryption (encryptECIES, decryptECIES, signECDSA, verifyECDSA,
// encryptContent, decryptContent) and @stacks/storage (signed files).
//
// It owns
//
//   - the ECIES cipher object: ECDH on secp256k1 with an ephemeral key,
//     SHA-512 of the shared x-coordinate split into an AES-256-CBC key and an
//     HMAC-SHA256 key, the MAC over iv ‖ compressed ephemeral key ‖ cipher
//     text, and the JSON object {iv, ephemeralPK, cipherText, mac, wasString
//     [, cipherTextEncoding]} with hex or base64 cipher text;
//   - the signature object {signature, publicKey} (DER ECDSA over SHA-256),
//     the encrypt+sign envelope {signature, publicKey, cipherText: "<cipher
//     object JSON>"}, and the ".sig" file stored next to a signed plain file;
//   - the checks on reading them, each failing with an error that matches one
//     of ErrMalformed, ErrInvalidPublicKey, ErrMAC, ErrWrongKey, ErrSignature
//     or ErrWrongSigner (with *SignerError saying which addresses differ), and
//     ErrSignedEnvelope for an envelope given to DecryptContent.
//
// It must not touch Gaia, the network, key derivation or tokens: which key
// encrypts, who is expected to have signed and where the bytes go are the
// callers' business (client/keychain derives keys, client/auth uses
// EncryptContent for the app private key).
//
// # Facts checked against @stacks/encryption 7.6.0 (src/ec.ts, encryption.ts)
//
//   - Public keys are validated as isValidPublicKey does: 66 hex characters
//     starting 02/03 or 130 starting 04, on the curve (which rejects the twist
//     attack points).
//   - The ephemeral key is written compressed. For the MAC, the spec (B.9)
//     and blockstack.js (elliptic) re-encode it compressed, while 7.x MACs the
//     bytes as written; both only differ for an uncompressed ephemeralPK,
//     which neither library writes. Decrypt accepts an uncompressed one under
//     either rule, so objects from both generations open here.
//   - cipherTextEncoding is written only for base64 (hex is the default when
//     the field is absent or null). Base64 is standard with padding, as
//     base64-js writes it.
//   - JSON.stringify writes members in insertion order: iv, ephemeralPK,
//     cipherText, mac, wasString[, cipherTextEncoding] and signature,
//     publicKey, cipherText; those orders are reproduced byte for byte.
//     Readers accept any member order, whitespace and JSON escapes.
//   - signECDSA signs SHA-256 of the content with RFC 6979 nonces and low S
//     (noble-secp256k1 signSync), as btcec does, so both libraries produce
//     identical signatures. verifyECDSA is non-strict: high-S signatures
//     verify, and noble also reads a 64-byte compact r‖s signature where DER
//     fails; Verify does the same.
//   - The signer's address is publicKeyToBtcAddress: Bitcoin mainnet P2PKH of
//     the public key bytes as written.
//   - Hex is read strictly (even length, hex digits only), where @stacks's
//     hexToBytes also takes a 0x prefix or odd length; no writer produces
//     those.
//
// # Sizes and speed
//
// Hex cipher text doubles the padded plain text, base64 adds a third;
// EncryptedSize gives the exact JSON length the way eciesGetJsonStringLength
// does (with the signature assumed at its 144 hex character maximum).
//
// Large files are processed in 48 KiB pieces that are encrypted, MACed,
// encoded and hashed while in cache, written straight into the one output
// buffer; reading parses the envelope in place (the inner cipher object is
// hashed and read without unescaping a copy) and decodes, MACs and
// decrypts piece by piece. VerifyAndDecryptTo streams the plain text to a
// writer instead of allocating it. BenchmarkEnvelope measures 1 MiB and
// 100 MiB against the bare AES-CBC and HMAC passes of the standard library.
package ecies
