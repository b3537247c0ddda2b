package wallet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

func readWalletFile(path string) (*walletFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open wallet %s: %w", path, ErrNoWallet)
	}
	if err != nil {
		return nil, fmt.Errorf("open wallet: %w", err)
	}
	var f walletFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("open wallet %s: %w", path, err)
	}
	if f.Version != fileVersion {
		return nil, fmt.Errorf("open wallet %s: unsupported version %d", path, f.Version)
	}
	return &f, nil
}

// StatePath is the state file kept next to a wallet file:
// wallet.json → wallet.state.json.
func StatePath(walletPath string) string {
	return strings.TrimSuffix(walletPath, ".json") + ".state.json"
}

// writeFileAtomic replaces path with data so that a crash leaves either the
// old or the new file, never a torn one: the data goes to a temporary file
// in the same directory (created 0600, as keys are in the clear), is synced,
// then renamed over path. With exclusive set it is hard-linked instead,
// which fails when path exists, so creating a wallet never overwrites one.
func writeFileAtomic(path string, data []byte, exclusive bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// After a rename this finds nothing; after a link or a failure it
	// removes the temporary name.
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if exclusive {
		err = os.Link(tmp.Name(), path)
	} else {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// The new directory entry is durable only once the directory is.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("write %s: sync directory: %w", path, err)
	}
	return nil
}
