// Package seal encrypts a secret (a keychain's mnemonic, a wallet's keys)
// under a passphrase, as a JSON file: AES-256-GCM under a key that scrypt
// derives from the passphrase and a random salt. The header (version,
// network, what the secret is, KDF and its parameters, nonce) is the
// AEAD's additional data, so weakening the parameters, or changing the
// network or the kind of secret in the file, makes Open fail rather than
// derive other keys or read one kind of file as another.
//
// This is this project's own format: @stacks/wallet-sdk's encryptMnemonic
// (PBKDF2 + AES-CBC + HMAC) is not read or written here.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/scrypt"
)

// fileVersion is the sealed file layout version.
const fileVersion = 1

// ErrPassphrase is returned by Open when the passphrase is wrong or the
// sealed data was altered (AES-GCM cannot tell the two apart).
var ErrPassphrase = errors.New("wrong passphrase or altered file")

// ErrNotSealed is returned by Open for data that is not a sealed file.
var ErrNotSealed = errors.New("not a sealed file")

// ScryptParams are the cost parameters of the passphrase KDF.
type ScryptParams struct {
	// N is the CPU/memory cost, a power of two; memory is 128·N·R bytes.
	N int `json:"n"`
	R int `json:"r"`
	P int `json:"p"`
}

// DefaultScrypt costs about 128 MiB and a fraction of a second per Open,
// the interactive-login setting of current guidance (N=2^17, r=8, p=1).
var DefaultScrypt = ScryptParams{N: 1 << 17, R: 8, P: 1}

// maxScryptN bounds what Open accepts from a file (1 GiB of memory at r=8),
// so that a crafted file cannot exhaust memory.
const maxScryptN = 1 << 20

func (p ScryptParams) check() error {
	if p.N < 2 || p.N&(p.N-1) != 0 || p.N > maxScryptN {
		return fmt.Errorf("scrypt N=%d is not a power of two in [2, %d]", p.N, maxScryptN)
	}
	if p.R < 1 || p.P < 1 || p.R*p.P >= 1<<20 {
		return fmt.Errorf("scrypt r=%d p=%d out of range", p.R, p.P)
	}
	return nil
}

// header is everything in the file but the ciphertext; its JSON is the
// AEAD's additional data.
type header struct {
	Version int    `json:"version"`
	Network string `json:"network"`
	// Content says what the secret is; "" is a keychain's mnemonic (the
	// files made before other kinds existed say nothing).
	Content string       `json:"content,omitempty"`
	KDF     string       `json:"kdf"`
	Scrypt  ScryptParams `json:"scrypt"`
	Salt    []byte       `json:"salt"`
	Cipher  string       `json:"cipher"`
	Nonce   []byte       `json:"nonce"`
}

type file struct {
	header
	Ciphertext []byte `json:"ciphertext"`
}

const (
	kdfScrypt    = "scrypt"
	cipherAESGCM = "aes-256-gcm"
	saltLen      = 32
)

// Seal encrypts secret with passphrase for network, labelled content,
// using params (the zero value means DefaultScrypt), and returns the file.
func Seal(secret, passphrase []byte, network, content string, params ScryptParams) ([]byte, error) {
	if params == (ScryptParams{}) {
		params = DefaultScrypt
	}
	if err := params.check(); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	if len(passphrase) == 0 {
		return nil, errors.New("seal: empty passphrase")
	}
	h := header{
		Version: fileVersion, Network: network, Content: content,
		KDF: kdfScrypt, Scrypt: params, Salt: make([]byte, saltLen),
		Cipher: cipherAESGCM, Nonce: make([]byte, 12),
	}
	if _, err := rand.Read(h.Salt); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	if _, err := rand.Read(h.Nonce); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, ad, err := h.aead(passphrase)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	out, err := json.MarshalIndent(file{header: h, Ciphertext: aead.Seal(nil, h.Nonce, secret, ad)}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return append(out, '\n'), nil
}

// IsSealed reports whether data looks like a sealed file (before any
// passphrase is asked for).
func IsSealed(data []byte) bool {
	var f file
	return json.Unmarshal(data, &f) == nil && f.KDF != "" && f.Ciphertext != nil
}

// Open decrypts a sealed file of content, and returns the secret and the
// network it is for. A wrong passphrase gives an error matching
// ErrPassphrase.
func Open(data, passphrase []byte, content string) (secret []byte, network string, err error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil || f.KDF == "" {
		return nil, "", ErrNotSealed
	}
	h := f.header
	switch {
	case h.Version != fileVersion:
		return nil, "", fmt.Errorf("unsupported version %d", h.Version)
	case h.Content != content:
		return nil, "", fmt.Errorf("the file holds %s, not %s", describe(h.Content), describe(content))
	case h.KDF != kdfScrypt:
		return nil, "", fmt.Errorf("unsupported kdf %q", h.KDF)
	case h.Cipher != cipherAESGCM:
		return nil, "", fmt.Errorf("unsupported cipher %q", h.Cipher)
	case len(h.Salt) < 16:
		return nil, "", fmt.Errorf("salt of %d bytes is too short", len(h.Salt))
	case len(h.Nonce) != 12:
		return nil, "", fmt.Errorf("nonce of %d bytes, want 12", len(h.Nonce))
	}
	if err := h.Scrypt.check(); err != nil {
		return nil, "", err
	}
	aead, ad, err := h.aead(passphrase)
	if err != nil {
		return nil, "", err
	}
	secret, err = aead.Open(nil, h.Nonce, f.Ciphertext, ad)
	if err != nil {
		return nil, "", ErrPassphrase
	}
	return secret, h.Network, nil
}

func describe(content string) string {
	if content == "" {
		return "a keychain"
	}
	return "a " + content
}

// aead derives the key for h and returns the cipher and the additional
// data.
func (h *header) aead(passphrase []byte) (cipher.AEAD, []byte, error) {
	key, err := scrypt.Key(passphrase, h.Salt, h.Scrypt.N, h.Scrypt.R, h.Scrypt.P, 32)
	if err != nil {
		return nil, nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, err
	}
	ad, err := json.Marshal(h)
	if err != nil {
		return nil, nil, err
	}
	return aead, ad, nil
}
