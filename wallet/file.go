package wallet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
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
