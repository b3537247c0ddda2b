package ecies

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// maxDERLen is the longest DER secp256k1 signature.
const maxDERLen = 72

// SigSuffix is appended to a signed plain file's path to name the file
// that holds its signature object (@stacks/storage SIGNATURE_FILE_SUFFIX).
const SigSuffix = ".sig"

// Signature is a signature object: {"signature": DER hex, "publicKey": hex}.
type Signature struct {
	Signature string `json:"signature"`
	PublicKey string `json:"publicKey"`
}

// Sign signs SHA-256 of content (RFC 6979, low S) as signECDSA does, with
// the compressed public key.
func Sign(priv *btcec.PrivateKey, content []byte) Signature {
	h := sha256.Sum256(content)
	return SignDigest(priv, h[:])
}

// SignDigest is Sign of content whose SHA-256 is digest, for content
// hashed as it streams.
func SignDigest(priv *btcec.PrivateKey, digest []byte) Signature {
	return Signature{
		Signature: hexString(ecdsa.Sign(priv, digest).Serialize()),
		PublicKey: PublicKeyHex(priv),
	}
}

// Signer is the Gaia address of the signature's public key: Bitcoin
// mainnet P2PKH of the key bytes as written.
func (s Signature) Signer() (string, error) {
	if _, _, err := ParsePublicKey(s.PublicKey); err != nil {
		return "", err
	}
	return gaiaauth.AddressFromPubKeyHex(s.PublicKey)
}

// Verify checks that s was made over content by a key whose Gaia address
// is wantAddress: first the address (*SignerError), then the signature
// (ErrSignature). As verifyECDSA, it accepts high-S signatures and a
// 64-byte compact r‖s where DER does not parse.
func (s Signature) Verify(content []byte, wantAddress string) error {
	h := sha256.Sum256(content)
	return s.VerifyDigest(h[:], wantAddress)
}

// VerifyDigest is Verify of content whose SHA-256 is digest.
func (s Signature) VerifyDigest(digest []byte, wantAddress string) error {
	pub, _, err := ParsePublicKey(s.PublicKey)
	if err != nil {
		return fmt.Errorf("signature object: %w", err)
	}
	got, err := s.Signer()
	if err != nil {
		return err
	}
	if got != wantAddress {
		return &SignerError{Want: wantAddress, Got: got}
	}
	raw, err := hex.DecodeString(s.Signature)
	if err != nil {
		return malformed("signature: %v", err)
	}
	sig, err := ecdsa.ParseDERSignature(raw)
	if err != nil && len(raw) == 64 {
		sig, err = compactSignature(raw)
	}
	if err != nil {
		return malformed("signature: %v", err)
	}
	if !sig.Verify(digest, pub) {
		return ErrSignature
	}
	return nil
}

func compactSignature(raw []byte) (*ecdsa.Signature, error) {
	var r, s btcec.ModNScalar
	if r.SetByteSlice(raw[:32]) || s.SetByteSlice(raw[32:]) || r.IsZero() || s.IsZero() {
		return nil, fmt.Errorf("compact signature r or s out of range")
	}
	return ecdsa.NewSignature(&r, &s), nil
}

// AppendJSON appends the signature object as JSON.stringify writes it.
func (s Signature) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"signature":`...)
	dst = appendString(dst, []byte(s.Signature))
	dst = append(dst, `,"publicKey":`...)
	dst = appendString(dst, []byte(s.PublicKey))
	return append(dst, '}')
}

// appendHead appends the envelope's members before the cipher text's
// value: {"signature":"…","publicKey":"…","cipherText":"
func (s Signature) appendHead(dst []byte) []byte {
	dst = append(dst, `{"signature":`...)
	dst = appendString(dst, []byte(s.Signature))
	dst = append(dst, `,"publicKey":`...)
	dst = appendString(dst, []byte(s.PublicKey))
	return append(dst, `,"cipherText":"`...)
}

// SignFile returns the content of the ".sig" file for a signed plain
// file: the signature object over content.
func SignFile(priv *btcec.PrivateKey, content []byte) []byte {
	return Sign(priv, content).AppendJSON(nil)
}

// ParseSignature reads a signature object (a ".sig" file).
func ParseSignature(data []byte) (Signature, error) {
	o, _, err := parseObject(data, false)
	if err != nil {
		return Signature{}, err
	}
	return signatureFrom(o)
}

func signatureFrom(o object) (Signature, error) {
	sig, _, err := o.str("signature", true)
	if err != nil {
		return Signature{}, err
	}
	pub, _, err := o.str("publicKey", true)
	if err != nil {
		return Signature{}, err
	}
	return Signature{Signature: string(sig), PublicKey: string(pub)}, nil
}

// VerifyFile checks a signed plain file against its ".sig" file, expecting
// the signer's Gaia address to be wantAddress (the bucket's address).
func VerifyFile(content, sigFile []byte, wantAddress string) error {
	s, err := ParseSignature(sigFile)
	if err != nil {
		return fmt.Errorf("%s file: %w", SigSuffix, err)
	}
	return s.Verify(content, wantAddress)
}

// EncryptAndSign encrypts plaintext to pub and signs the cipher object's
// JSON with signer, returning the envelope
// {"signature","publicKey","cipherText":"<cipher object JSON>"} as
// encryptContent with sign does.
func EncryptAndSign(pub *btcec.PublicKey, signer *btcec.PrivateKey, plaintext []byte, opts Options) ([]byte, error) {
	return seal(pub, plaintext, opts, signer)
}

// Envelope is a signed envelope, decoded.
type Envelope struct {
	Signature
	// CipherText is the cipher object's JSON, the bytes that were signed.
	// It may share memory with the parsed data.
	CipherText []byte
}

// ParseEnvelope reads a signed envelope.
func ParseEnvelope(data []byte) (*Envelope, error) {
	o, _, err := parseObject(data, false)
	if err != nil {
		return nil, err
	}
	s, ct, err := envelopeFrom(o)
	if err != nil {
		return nil, err
	}
	return &Envelope{Signature: s, CipherText: ct.text()}, nil
}

func envelopeFrom(o object) (Signature, member, error) {
	s, err := signatureFrom(o)
	if err != nil {
		return Signature{}, member{}, err
	}
	ct, _, err := o.strMember("cipherText", true)
	if err != nil {
		return Signature{}, member{}, err
	}
	return s, ct, nil
}

// VerifyAndDecrypt checks a signed envelope (signer's Gaia address must be
// wantAddress, the signature must hold) and then decrypts it with priv. A
// MAC failure under a valid signature gives ErrWrongKey.
//
// The inner cipher object is hashed and read where it lies in data, still
// escaped, when the fast JSON path allows (see parseObjectFast); a 100 MiB
// file's envelope is then never copied.
func VerifyAndDecrypt(priv *btcec.PrivateKey, data []byte, wantAddress string) (plaintext []byte, wasString bool, err error) {
	c, src, err := verifyEnvelope(data, wantAddress)
	if err != nil {
		return nil, false, err
	}
	pt, err := open(priv, c, src)
	if err != nil {
		return nil, false, envelopeError(err)
	}
	return pt, c.WasString, nil
}

// VerifyAndDecryptTo is VerifyAndDecrypt writing the plain text to w, for
// files too large to hold twice in memory: it decodes the cipher text twice,
// first to check the MAC and then to decrypt into w, so nothing reaches w
// unless the MAC matched.
func VerifyAndDecryptTo(w io.Writer, priv *btcec.PrivateKey, data []byte, wantAddress string) (wasString bool, err error) {
	c, src, err := verifyEnvelope(data, wantAddress)
	if err != nil {
		return false, err
	}
	if err := openTo(w, priv, c, src); err != nil {
		return false, envelopeError(err)
	}
	return c.WasString, nil
}

// DecryptUnverified decrypts a signed envelope with priv without checking
// its signature, for a reader who knows no signer to check it against;
// VerifyAndDecrypt is the one that says who wrote it.
func DecryptUnverified(priv *btcec.PrivateKey, data []byte) (plaintext []byte, wasString bool, err error) {
	c, src, err := openEnvelope(data, "", false)
	if err != nil {
		return nil, false, err
	}
	pt, err := open(priv, c, src)
	if err != nil {
		return nil, false, fmt.Errorf("signed cipher text: %w", err)
	}
	return pt, c.WasString, nil
}

// verifyEnvelope checks the envelope's signer and signature and returns
// its cipher object with the cipher text still encoded.
func verifyEnvelope(data []byte, wantAddress string) (*CipherObject, source, error) {
	return openEnvelope(data, wantAddress, true)
}

// openEnvelope reads a signed envelope, checks its signer and signature
// if verify, and returns its cipher object with the cipher text still
// encoded.
func openEnvelope(data []byte, wantAddress string, verify bool) (*CipherObject, source, error) {
	o, fast, err := parseObject(data, false)
	if err != nil {
		return nil, source{}, err
	}
	if isCipherObject(o) {
		return nil, source{}, malformed("not signed: a cipher object with no signature (written encrypted, not signed)")
	}
	s, ct, err := envelopeFrom(o)
	if err != nil {
		return nil, source{}, err
	}
	if verify {
		h := sha256.New()
		ct.writeText(h)
		if err := s.VerifyDigest(h.Sum(nil), wantAddress); err != nil {
			return nil, source{}, err
		}
	}
	inner, ok := parseObjectFast(ct.str, fast, fast && ct.esc)
	if !ok {
		if inner, _, err = parseObject(ct.text(), fast); err != nil {
			return nil, source{}, fmt.Errorf("signed cipher text: %w", err)
		}
	}
	c, src, err := cipherObjectFrom(inner)
	if err != nil {
		return nil, source{}, fmt.Errorf("signed cipher text: %w", err)
	}
	return c, src, nil
}

// envelopeError: under a valid signature a MAC failure means another key.
func envelopeError(err error) error {
	if errors.Is(err, ErrMAC) {
		return ErrWrongKey
	}
	return fmt.Errorf("signed cipher text: %w", err)
}
