package wallet

import (
	"fmt"

	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"
)

// The exported BIP39/BIP32 helpers below let client/keychain derive the
// Blockstack identity, app and payment keys from a mnemonic exactly as the
// wallet derives its own, without a second copy of the derivation code.

// NormalizeMnemonic collapses whitespace in a BIP39 phrase, as the wallet
// stores it.
func NormalizeMnemonic(mnemonic string) string { return normalizeMnemonic(mnemonic) }

// NewMnemonic generates a 24-word BIP39 phrase (256 bits of entropy).
func NewMnemonic() (string, error) { return newMnemonic() }

// MasterKey checks a BIP39 phrase (word list and checksum) and returns the
// BIP32 master key of its seed, with the empty passphrase Blockstack's
// wallets use, for the network of params.
func MasterKey(mnemonic string, params *chaincfg.Params) (*hdkeychain.ExtendedKey, error) {
	seed, err := seedFromMnemonic(mnemonic)
	if err != nil {
		return nil, err
	}
	master, err := hdkeychain.NewMaster(seed, params)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return master, nil
}

// DeriveKey derives the compressed key at path below parent (BIP32
// conformant derivation), with its P2PKH address on the network of params.
func DeriveKey(parent *hdkeychain.ExtendedKey, path []uint32, params *chaincfg.Params) (*Key, error) {
	return deriveKey(parent, path, params)
}
