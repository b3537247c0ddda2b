package ecies

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"strconv"

	"github.com/btcsuite/btcd/btcec/v2"
)

// Encoding is how a cipher object writes its cipher text.
type Encoding string

const (
	// Hex is the default of @stacks/encryption and what @stacks/storage
	// still writes: the JSON is about twice the plain text.
	Hex Encoding = "hex"
	// Base64 (standard alphabet, padded) makes the JSON about 4/3 of the
	// plain text; the object then carries "cipherTextEncoding":"base64".
	Base64 Encoding = "base64"
)

const (
	ivLen  = 16
	macLen = sha256.Size
)

// CipherObject is an ECIES cipher object, decoded.
type CipherObject struct {
	IV []byte
	// EphemeralPK is the ephemeral public key as written: compressed (33
	// bytes) from every known writer, uncompressed (65) accepted.
	EphemeralPK []byte
	CipherText  []byte
	MAC         []byte
	// WasString says the plain text was a string: JavaScript readers get a
	// string back rather than bytes. It does not change the encryption.
	WasString bool
	// Encoding is how the cipher text is written in JSON.
	Encoding Encoding
}

// Options are the choices of Encrypt.
type Options struct {
	WasString bool
	// Encoding defaults to Hex.
	Encoding Encoding
	// Rand is the source of the ephemeral key and the IV, crypto/rand if
	// nil (tests pass fixed bytes to reproduce known-answer vectors).
	Rand io.Reader
}

// Encrypt encrypts plaintext to pub.
func Encrypt(pub *btcec.PublicKey, plaintext []byte, opts Options) (*CipherObject, error) {
	h, encKey, macKey, err := newHeader(pub, opts)
	if err != nil {
		return nil, err
	}
	ct := make([]byte, 0, paddedLen(len(plaintext)))
	h.MAC = encryptPieces(encKey, macKey, h.IV, h.EphemeralPK, plaintext, func(p []byte) { ct = append(ct, p...) })
	h.CipherText = ct
	return h, nil
}

// newHeader draws the ephemeral key and IV (in that order, as
// encryptECIES does) and returns the object without cipher text and MAC,
// and the keys.
func newHeader(pub *btcec.PublicKey, opts Options) (c *CipherObject, encKey, macKey []byte, err error) {
	enc := opts.Encoding
	if enc == "" {
		enc = Hex
	}
	if enc != Hex && enc != Base64 {
		return nil, nil, nil, fmt.Errorf("ecies: unknown cipher text encoding %q", enc)
	}
	r := opts.Rand
	if r == nil {
		r = rand.Reader
	}
	eph, err := randomKey(r)
	if err != nil {
		return nil, nil, nil, err
	}
	iv := make([]byte, ivLen)
	if _, err := io.ReadFull(r, iv); err != nil {
		return nil, nil, nil, fmt.Errorf("ecies: iv: %w", err)
	}
	encKey, macKey = sharedKeys(eph, pub)
	return &CipherObject{IV: iv, EphemeralPK: eph.PubKey().SerializeCompressed(), WasString: opts.WasString, Encoding: enc}, encKey, macKey, nil
}

// chunkSize is the piece size in which texts are encrypted, MACed, encoded
// and hashed: each piece passes through every step while it is in cache.
// It is a multiple of the AES block and of 3, so base64 pieces concatenate.
const chunkSize = 48 << 10

func paddedLen(n int) int { return (n/aes.BlockSize + 1) * aes.BlockSize }

// encryptPieces encrypts pt with AES-256-CBC and PKCS#7 padding (Node's and
// WebCrypto's default), handing the cipher text to emit in pieces of
// chunkSize bytes but the last, and returns the MAC over iv ‖ ephPK ‖
// cipher text. emit must not keep the slice.
func encryptPieces(encKey, macKey, iv, ephPK, pt []byte, emit func([]byte)) []byte {
	block, err := aes.NewCipher(encKey)
	if err != nil {
		panic(err) // the key is always 32 bytes
	}
	mode := cipher.NewCBCEncrypter(block, iv)
	mac := hmac.New(sha256.New, macKey)
	mac.Write(iv)
	mac.Write(ephPK)
	buf := make([]byte, chunkSize+aes.BlockSize)
	i := 0
	for ; len(pt)-i > chunkSize; i += chunkSize {
		mode.CryptBlocks(buf[:chunkSize], pt[i:i+chunkSize])
		mac.Write(buf[:chunkSize])
		emit(buf[:chunkSize])
	}
	last := buf[:paddedLen(len(pt)-i)]
	n := copy(last, pt[i:])
	for j := n; j < len(last); j++ {
		last[j] = byte(len(last) - n)
	}
	mode.CryptBlocks(last, last)
	mac.Write(last)
	emit(last)
	return mac.Sum(nil)
}

// randomKey draws a private key in [1, n-1] from r by rejection, as
// noble-secp256k1's randomPrivateKey does in effect.
func randomKey(r io.Reader) (*btcec.PrivateKey, error) {
	var b [32]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("ecies: ephemeral key: %w", err)
		}
		var k btcec.ModNScalar
		if overflow := k.SetBytes(&b); overflow == 0 && !k.IsZero() {
			return btcec.PrivKeyFromScalar(&k), nil
		}
	}
}

// sharedKeys derives the AES and HMAC keys: SHA-512 of the 32-byte
// big-endian x-coordinate of the ECDH point, unhashed before that.
func sharedKeys(priv *btcec.PrivateKey, pub *btcec.PublicKey) (encKey, macKey []byte) {
	k := sha512.Sum512(btcec.GenerateSharedSecret(priv, pub))
	return k[:32], k[32:]
}

// Decrypt checks the MAC in constant time and decrypts.
func Decrypt(priv *btcec.PrivateKey, c *CipherObject) ([]byte, error) {
	return open(priv, c, source{text: c.CipherText})
}

// opener holds what decrypting one cipher object needs.
type opener struct {
	c      *CipherObject
	src    source
	n      int // cipher text bytes
	encKey []byte
	// macs are the HMACs to compare with c.MAC, already fed iv and the
	// ephemeral key: one over its compressed form and, for an uncompressed
	// key, one over the bytes as written (@stacks/encryption 7.x MACs
	// those).
	macs []hash.Hash
}

func newOpener(priv *btcec.PrivateKey, c *CipherObject, src source) (*opener, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	n, err := src.decodedLen()
	if err != nil {
		return nil, err
	}
	if n == 0 || n%aes.BlockSize != 0 {
		return nil, malformed("cipherText is %d bytes, not a positive multiple of %d", n, aes.BlockSize)
	}
	eph, err := btcec.ParsePubKey(c.EphemeralPK)
	if err != nil {
		return nil, malformed("ephemeralPK: %v", err)
	}
	o := &opener{c: c, src: src, n: n}
	var macKey []byte
	o.encKey, macKey = sharedKeys(priv, eph)
	for _, k := range [][]byte{eph.SerializeCompressed(), c.EphemeralPK} {
		m := hmac.New(sha256.New, macKey)
		m.Write(c.IV)
		m.Write(k)
		o.macs = append(o.macs, m)
		if len(c.EphemeralPK) == btcec.PubKeyBytesLenCompressed {
			break
		}
	}
	return o, nil
}

func (o *opener) write(ct []byte) {
	for _, m := range o.macs {
		m.Write(ct)
	}
}

// macOK compares the MACs in constant time.
func (o *opener) macOK() bool {
	ok := false
	for _, m := range o.macs {
		ok = hmac.Equal(m.Sum(nil), o.c.MAC) || ok
	}
	return ok
}

func (o *opener) decrypter() cipher.BlockMode {
	block, err := aes.NewCipher(o.encKey)
	if err != nil {
		panic(err) // the key is always 32 bytes
	}
	return cipher.NewCBCDecrypter(block, o.c.IV)
}

// unpad is the length of the last plain text block without its PKCS#7
// padding.
func unpad(last []byte) (int, error) {
	pad := int(last[len(last)-1])
	if pad == 0 || pad > aes.BlockSize {
		return 0, malformed("bad PKCS#7 padding")
	}
	for _, b := range last[len(last)-pad:] {
		if int(b) != pad {
			return 0, malformed("bad PKCS#7 padding")
		}
	}
	return len(last) - pad, nil
}

// open decrypts the cipher text that src holds with the IV, ephemeral key
// and MAC of c, in one pass: the pieces are MACed and decrypted as they are
// decoded, and nothing decrypted is returned unless the whole MAC matches.
func open(priv *btcec.PrivateKey, c *CipherObject, src source) ([]byte, error) {
	o, err := newOpener(priv, c, src)
	if err != nil {
		return nil, err
	}
	mode := o.decrypter()
	pt := make([]byte, o.n)
	off := 0
	err = src.pieces(func(ct []byte) {
		o.write(ct)
		mode.CryptBlocks(pt[off:off+len(ct)], ct)
		off += len(ct)
	})
	if err != nil {
		return nil, err
	}
	if !o.macOK() {
		clear(pt)
		return nil, ErrMAC
	}
	n, err := unpad(pt[o.n-aes.BlockSize:])
	if err != nil {
		return nil, err
	}
	return pt[:o.n-aes.BlockSize+n], nil
}

// openTo is open writing to w instead of into one buffer, in two passes
// over the cipher text: the first checks the MAC, the second decrypts
// piece by piece into w. Nothing reaches w unless the MAC matched; a bad
// padding (possible only if the sender's encryptor was broken, as the MAC
// held) is found after all but the last piece were written.
func openTo(w io.Writer, priv *btcec.PrivateKey, c *CipherObject, src source) error {
	o, err := newOpener(priv, c, src)
	if err != nil {
		return err
	}
	if err := src.pieces(o.write); err != nil {
		return err
	}
	if !o.macOK() {
		return ErrMAC
	}
	mode := o.decrypter()
	buf := make([]byte, min(o.n, chunkSize))
	off := 0
	var werr error
	err = src.pieces(func(ct []byte) {
		if werr != nil {
			return
		}
		out := buf[:len(ct)]
		mode.CryptBlocks(out, ct)
		if off += len(ct); off == o.n {
			n, err := unpad(out[len(out)-aes.BlockSize:])
			if err != nil {
				werr = err
				return
			}
			out = out[:len(out)-aes.BlockSize+n]
		}
		if _, err := w.Write(out); err != nil {
			werr = fmt.Errorf("ecies: write plain text: %w", err)
		}
	})
	if err != nil {
		return err
	}
	return werr
}

// check validates the lengths Decrypt relies on.
func (c *CipherObject) check() error {
	switch {
	case len(c.IV) != ivLen:
		return malformed("iv is %d bytes, want %d", len(c.IV), ivLen)
	case len(c.MAC) != macLen:
		return malformed("mac is %d bytes, want %d", len(c.MAC), macLen)
	}
	return nil
}

// encodedLen is the length of ctLen bytes of cipher text as written.
func (c *CipherObject) encodedLen(ctLen int) int {
	if c.Encoding == Base64 {
		return base64.StdEncoding.EncodedLen(ctLen)
	}
	return 2 * ctLen
}

// jsonLen is the exact length of AppendJSON's output for ctLen bytes of
// cipher text.
func (c *CipherObject) jsonLen(ctLen int) int {
	n := len(`{"iv":"","ephemeralPK":"","cipherText":"","mac":"","wasString":}`) +
		2*(ivLen+len(c.EphemeralPK)+macLen) + c.encodedLen(ctLen) + len(strconv.FormatBool(c.WasString))
	if c.Encoding == Base64 {
		n += len(`,"cipherTextEncoding":"base64"`)
	}
	return n
}

// AppendJSON appends the object as JSON.stringify writes it.
func (c *CipherObject) AppendJSON(dst []byte) []byte {
	dst = c.appendPrefix(dst)
	dst = c.appendCipherText(dst, c.CipherText)
	return c.appendSuffix(dst)
}

// The JSON is written in three parts so that seal can write the cipher
// text piece by piece: the prefix up to the cipher text's opening quote,
// the cipher text, and the suffix from its closing quote.
func (c *CipherObject) appendPrefix(dst []byte) []byte {
	dst = append(dst, `{"iv":"`...)
	dst = appendHex(dst, c.IV)
	dst = append(dst, `","ephemeralPK":"`...)
	dst = appendHex(dst, c.EphemeralPK)
	return append(dst, `","cipherText":"`...)
}

// appendCipherText appends a piece of the cipher text, encoded; pieces but
// the last must be multiples of 3 bytes long.
func (c *CipherObject) appendCipherText(dst, ct []byte) []byte {
	if c.Encoding == Base64 {
		return base64.StdEncoding.AppendEncode(dst, ct)
	}
	return appendHex(dst, ct)
}

func (c *CipherObject) appendSuffix(dst []byte) []byte {
	dst = append(dst, `","mac":"`...)
	dst = appendHex(dst, c.MAC)
	dst = append(dst, `","wasString":`...)
	dst = strconv.AppendBool(dst, c.WasString)
	if c.Encoding == Base64 {
		dst = append(dst, `,"cipherTextEncoding":"base64"`...)
	}
	return append(dst, '}')
}

// MarshalJSON implements json.Marshaler with AppendJSON.
func (c *CipherObject) MarshalJSON() ([]byte, error) {
	return c.AppendJSON(make([]byte, 0, c.jsonLen(len(c.CipherText)))), nil
}

// ParseCipherObject reads a cipher object's JSON. Members other than the
// six it knows are ignored, as JavaScript readers ignore them.
func ParseCipherObject(data []byte) (*CipherObject, error) {
	o, _, err := parseObject(data, false)
	if err != nil {
		return nil, err
	}
	c, src, err := cipherObjectFrom(o)
	if err != nil {
		return nil, err
	}
	n, err := src.decodedLen()
	if err != nil {
		return nil, err
	}
	c.CipherText = make([]byte, 0, n)
	if err := src.pieces(func(p []byte) { c.CipherText = append(c.CipherText, p...) }); err != nil {
		return nil, err
	}
	return c, nil
}

// cipherObjectFrom reads every member but leaves the cipher text as
// written, in src.
func cipherObjectFrom(o object) (*CipherObject, source, error) {
	var err error
	c := &CipherObject{Encoding: Hex}
	if c.IV, err = hexMember(o, "iv"); err != nil {
		return nil, source{}, err
	}
	eph, _, err := o.str("ephemeralPK", true)
	if err != nil {
		return nil, source{}, err
	}
	if _, c.EphemeralPK, err = ParsePublicKey(string(eph)); err != nil {
		return nil, source{}, malformed("ephemeralPK: %v", err)
	}
	if c.MAC, err = hexMember(o, "mac"); err != nil {
		return nil, source{}, err
	}
	switch ws := o["wasString"]; ws.kind {
	case 't':
		c.WasString = true
	case 'f', 'n', 0: // absent reads as undefined, which is false
	default:
		return nil, source{}, malformed(`member "wasString" is not a boolean`)
	}
	enc, present, err := o.str("cipherTextEncoding", false)
	if err != nil {
		return nil, source{}, err
	}
	if present {
		c.Encoding = Encoding(enc)
	}
	if c.Encoding != Hex && c.Encoding != Base64 {
		return nil, source{}, malformed("unknown cipherTextEncoding %q", enc)
	}
	ct, _, err := o.str("cipherText", true)
	if err != nil {
		return nil, source{}, err
	}
	if err := c.check(); err != nil {
		return nil, source{}, err
	}
	return c, source{enc: c.Encoding, text: ct}, nil
}

func hexMember(o object, name string) ([]byte, error) {
	s, _, err := o.str(name, true)
	if err != nil {
		return nil, err
	}
	b := make([]byte, len(s)/2)
	if err := decodeHex(b, s); err != nil {
		return nil, malformed("%s: %v", name, err)
	}
	return b, nil
}

// EncryptContent encrypts plaintext to pub and returns the cipher object's
// JSON, as encryptContent does without signing.
func EncryptContent(pub *btcec.PublicKey, plaintext []byte, opts Options) ([]byte, error) {
	return seal(pub, plaintext, opts, nil)
}

// DecryptContent decrypts a cipher object's JSON, returning the plain
// text and whether it was a string.
//
// A signed envelope is ErrSignedEnvelope: its signature is there to be
// checked (VerifyAndDecrypt), or knowingly not (DecryptUnverified).
func DecryptContent(priv *btcec.PrivateKey, data []byte) (plaintext []byte, wasString bool, err error) {
	o, _, err := parseObject(data, false)
	if err != nil {
		return nil, false, err
	}
	if isEnvelope(o) {
		return nil, false, ErrSignedEnvelope
	}
	return decryptObject(priv, o)
}

// isEnvelope and isCipherObject tell the two encrypted formats apart by
// the members only one of them has.
func isEnvelope(o object) bool {
	_, iv := o["iv"]
	_, sig := o["signature"]
	return sig && !iv
}

func isCipherObject(o object) bool {
	_, iv := o["iv"]
	_, sig := o["signature"]
	return iv && !sig
}

func decryptObject(priv *btcec.PrivateKey, o object) ([]byte, bool, error) {
	c, src, err := cipherObjectFrom(o)
	if err != nil {
		return nil, false, err
	}
	pt, err := open(priv, c, src)
	if err != nil {
		return nil, false, err
	}
	return pt, c.WasString, nil
}

// EncryptedSize is the exact length of the JSON that EncryptContent (sign
// false) or EncryptAndSign (sign true, counting the DER signature at its
// 72-byte maximum, as eciesGetJsonStringLength does) produce for n bytes
// of plain text; hubs' size limits are checked against it before
// encrypting.
func EncryptedSize(n int, wasString, sign bool, enc Encoding) int {
	c := CipherObject{EphemeralPK: make([]byte, btcec.PubKeyBytesLenCompressed), WasString: wasString, Encoding: enc}
	inner := c.jsonLen(paddedLen(n))
	if !sign {
		return inner
	}
	// The inner JSON holds 18 quotes (22 with cipherTextEncoding), each
	// escaped as \".
	quotes := 18
	if enc == Base64 {
		quotes = 22
	}
	return len(`{"signature":"","publicKey":"","cipherText":""}`) + 2*maxDERLen + 2*btcec.PubKeyBytesLenCompressed + inner + quotes
}
