package keychain

import (
	"fmt"
	"os"

	"github.com/go-blockstack/go-blockstack/internal/atomicfile"
	"github.com/go-blockstack/go-blockstack/internal/seal"
)

// A sealed keychain is a file of package internal/seal holding the
// mnemonic: AES-256-GCM under a key scrypt derives from the passphrase,
// the header bound to the ciphertext.

// ErrPassphrase is returned by Open when the passphrase is wrong or the
// sealed data was altered (AES-GCM cannot tell the two apart).
var ErrPassphrase = seal.ErrPassphrase

// ScryptParams are the cost parameters of the passphrase KDF.
type ScryptParams = seal.ScryptParams

// DefaultScrypt costs about 128 MiB and a fraction of a second per Open.
var DefaultScrypt = seal.DefaultScrypt

// Seal encrypts the keychain's mnemonic with passphrase, using params (the
// zero value means DefaultScrypt).
func (k *Keychain) Seal(passphrase []byte, params ScryptParams) ([]byte, error) {
	b, err := seal.Seal([]byte(k.mnemonic), passphrase, k.network, "", params)
	if err != nil {
		return nil, fmt.Errorf("keychain: %w", err)
	}
	return b, nil
}

// Open decrypts a sealed keychain. A wrong passphrase gives an error
// matching ErrPassphrase.
func Open(data, passphrase []byte) (*Keychain, error) {
	mnemonic, network, err := seal.Open(data, passphrase, "")
	if err != nil {
		return nil, fmt.Errorf("keychain: open: %w", err)
	}
	k, err := FromMnemonic(string(mnemonic), network)
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
