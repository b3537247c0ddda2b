package wallet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/go-blockstack/go-blockstack/internal/atomicfile"
	"github.com/go-blockstack/go-blockstack/internal/seal"
)

// fileVersion is the layout version of the wallet and state files.
const fileVersion = 1

// walletFile is the wallet file's JSON. It holds the mnemonic or the WIF
// key, never both.
type walletFile struct {
	Version  int    `json:"version"`
	Network  string `json:"network"`
	Mnemonic string `json:"mnemonic,omitempty"`
	WIF      string `json:"wif,omitempty"`
	// OwnerKeys is how many owner keys (m/888'/0'/i', i < OwnerKeys) the
	// wallet derives and watches; mnemonic wallets only.
	OwnerKeys int `json:"owner_keys,omitempty"`
	// Birthday is the first height that can hold the wallet's outputs.
	Birthday int64 `json:"birthday"`
}

// sealedContent labels a sealed wallet file (package internal/seal), so
// that a sealed keychain is never read as a wallet or the other way round.
const sealedContent = "wallet"

// ErrNeedPassphrase is returned when a wallet file is encrypted and no
// passphrase was given; ErrPassphrase when the one given is wrong.
var (
	ErrNeedPassphrase = errors.New("the wallet is encrypted: give its passphrase")
	ErrPassphrase     = seal.ErrPassphrase
)

// readWalletFile reads a wallet file, plain or sealed; passphrase (nil:
// none available) is asked for only when the file is sealed.
func readWalletFile(path string, passphrase func() ([]byte, error)) (f *walletFile, sealed bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("open wallet %s: %w", path, ErrNoWallet)
	}
	if err != nil {
		return nil, false, fmt.Errorf("open wallet: %w", err)
	}
	if seal.IsSealed(data) {
		if passphrase == nil {
			return nil, true, fmt.Errorf("open wallet %s: %w", path, ErrNeedPassphrase)
		}
		pass, err := passphrase()
		if err != nil {
			return nil, true, fmt.Errorf("open wallet %s: %w", path, err)
		}
		if data, _, err = seal.Open(data, pass, sealedContent); err != nil {
			return nil, true, fmt.Errorf("open wallet %s: %w", path, err)
		}
		sealed = true
	}
	f, err = parseWalletFile(path, data)
	return f, sealed, err
}

func parseWalletFile(path string, data []byte) (*walletFile, error) {
	var f walletFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("open wallet %s: %w", path, err)
	}
	if f.Version != fileVersion {
		return nil, fmt.Errorf("open wallet %s: unsupported version %d", path, f.Version)
	}
	return &f, nil
}

// sealWallet is the sealed file of f.
func sealWallet(f walletFile, passphrase []byte, params seal.ScryptParams) ([]byte, error) {
	plain, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return seal.Seal(plain, passphrase, f.Network, sealedContent, params)
}

// Encrypt replaces the plain wallet file at path by one sealed with
// passphrase, in one atomic step: the file is either the plain wallet or
// the sealed one, never neither. params zero is seal.DefaultScrypt.
func Encrypt(path string, passphrase []byte, params seal.ScryptParams) error {
	f, sealed, err := readWalletFile(path, nil)
	if sealed {
		return fmt.Errorf("encrypt wallet %s: it is encrypted already", path)
	}
	if err != nil {
		return fmt.Errorf("encrypt %w", err)
	}
	data, err := sealWallet(*f, passphrase, params)
	if err != nil {
		return fmt.Errorf("encrypt wallet %s: %w", path, err)
	}
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("encrypt wallet %s: %w", path, err)
	}
	return nil
}

// StatePath is the state file kept next to a wallet file:
// wallet.json → wallet.state.json.
func StatePath(walletPath string) string {
	return strings.TrimSuffix(walletPath, ".json") + ".state.json"
}
