package keychain

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/go-blockstack/go-blockstack/internal/atomicfile"
	"golang.org/x/crypto/scrypt"
)

// A sealed keychain is a JSON file holding the mnemonic encrypted with
// AES-256-GCM under a key that scrypt derives from the passphrase and a
// random salt. The header (version, network, KDF and its parameters, nonce)
// is the AEAD's additional data, so weakening the parameters or changing
// the network in the file makes Open fail rather than derive other keys.
//
// This is this project's own format: @stacks/wallet-sdk's encryptMnemonic
// (PBKDF2 + AES-CBC + HMAC) is not read or written here.

// fileVersion is the sealed file layout version.
const fileVersion = 1

// ErrPassphrase is returned by Open when the passphrase is wrong or the
// sealed data was altered (AES-GCM cannot tell the two apart).
var ErrPassphrase = errors.New("keychain: wrong passphrase or altered keychain file")

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

// sealedHeader is everything in the file but the ciphertext; its JSON is
// the AEAD's additional data.
type sealedHeader struct {
	Version int          `json:"version"`
	Network string       `json:"network"`
	KDF     string       `json:"kdf"`
	Scrypt  ScryptParams `json:"scrypt"`
	Salt    []byte       `json:"salt"`
	Cipher  string       `json:"cipher"`
	Nonce   []byte       `json:"nonce"`
}

type sealedFile struct {
	sealedHeader
	Ciphertext []byte `json:"ciphertext"`
}

const (
	kdfScrypt    = "scrypt"
	cipherAESGCM = "aes-256-gcm"
	saltLen      = 32
)

// Seal encrypts the keychain's mnemonic with passphrase, using params (the
// zero value means DefaultScrypt).
func (k *Keychain) Seal(passphrase []byte, params ScryptParams) ([]byte, error) {
	if params == (ScryptParams{}) {
		params = DefaultScrypt
	}
	if err := params.check(); err != nil {
		return nil, fmt.Errorf("keychain: seal: %w", err)
	}
	if len(passphrase) == 0 {
		return nil, errors.New("keychain: seal: empty passphrase")
	}
	h := sealedHeader{
		Version: fileVersion, Network: k.network,
		KDF: kdfScrypt, Scrypt: params, Salt: make([]byte, saltLen),
		Cipher: cipherAESGCM, Nonce: make([]byte, 12),
	}
	if _, err := rand.Read(h.Salt); err != nil {
		return nil, fmt.Errorf("keychain: seal: %w", err)
	}
	if _, err := rand.Read(h.Nonce); err != nil {
		return nil, fmt.Errorf("keychain: seal: %w", err)
	}
	aead, ad, err := h.aead(passphrase)
	if err != nil {
		return nil, fmt.Errorf("keychain: seal: %w", err)
	}
	f := sealedFile{sealedHeader: h, Ciphertext: aead.Seal(nil, h.Nonce, []byte(k.mnemonic), ad)}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("keychain: seal: %w", err)
	}
	return append(out, '\n'), nil
}

// aead derives the key for h and returns the cipher and the additional
// data.
func (h *sealedHeader) aead(passphrase []byte) (cipher.AEAD, []byte, error) {
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

// Open decrypts a sealed keychain. A wrong passphrase gives an error
// matching ErrPassphrase.
func Open(data, passphrase []byte) (*Keychain, error) {
	var f sealedFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("keychain: open: not a keychain file: %w", err)
	}
	h := f.sealedHeader
	switch {
	case h.Version != fileVersion:
		return nil, fmt.Errorf("keychain: open: unsupported version %d", h.Version)
	case h.KDF != kdfScrypt:
		return nil, fmt.Errorf("keychain: open: unsupported kdf %q", h.KDF)
	case h.Cipher != cipherAESGCM:
		return nil, fmt.Errorf("keychain: open: unsupported cipher %q", h.Cipher)
	case len(h.Salt) < 16:
		return nil, fmt.Errorf("keychain: open: salt of %d bytes is too short", len(h.Salt))
	case len(h.Nonce) != 12:
		return nil, fmt.Errorf("keychain: open: nonce of %d bytes, want 12", len(h.Nonce))
	}
	if err := h.Scrypt.check(); err != nil {
		return nil, fmt.Errorf("keychain: open: %w", err)
	}
	aead, ad, err := h.aead(passphrase)
	if err != nil {
		return nil, fmt.Errorf("keychain: open: %w", err)
	}
	mnemonic, err := aead.Open(nil, h.Nonce, f.Ciphertext, ad)
	if err != nil {
		return nil, ErrPassphrase
	}
	k, err := FromMnemonic(string(mnemonic), h.Network)
	if err != nil {
		return nil, fmt.Errorf("keychain: open: %w", err)
	}
	return k, nil
}

// SaveFile seals the keychain into a new file at path (mode 0600). It
// never replaces an existing file: losing a mnemonic to a mistyped path
// cannot be undone.
func (k *Keychain) SaveFile(path string, passphrase []byte, params ScryptParams) error {
	data, err := k.Seal(passphrase, params)
	if err != nil {
		return err
	}
	if err := atomicfile.Create(path, data); err != nil {
		return fmt.Errorf("keychain: save: %w", err)
	}
	return nil
}

// LoadFile opens the sealed keychain at path.
func LoadFile(path string, passphrase []byte) (*Keychain, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keychain: load: %w", err)
	}
	k, err := Open(data, passphrase)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
