// Package keychain derives a Blockstack user's keys from a BIP39 mnemonic and
// keeps the mnemonic encrypted at rest.
//
// It owns
//
//   - the identity keys at m/888'/0'/i' (the key that owns the user's BNS
//     names, signs profiles and holds profile.json on the user's Gaia hub;
//     Stacks calls it dataPrivateKey) and the payment key of package wallet;
//   - the per-app keys: the apps node of identity i (m/888'/0'/i'/0'), the
//     wallet salt and, for an app origin, the app private key at
//     appsNode/appIndex' where appIndex is a 32-bit string hash (AppIndex);
//   - the encrypted keychain file (Seal, Open, SaveFile, LoadFile).
//
// It must not touch the network, the chain, Gaia or tokens: signing and
// encrypting with these keys belongs to client/ecies, client/profile and
// client/auth, and spending to package wallet, whose derivation code
// (wallet.MasterKey, wallet.DeriveKey, wallet.OwnerPath) it reuses so that a
// mnemonic gives the same owner and payment keys in both.
//
// # Facts checked against the JavaScript libraries
//
// The derivation follows docs/client-formats.md ("Keys"), checked against
// @stacks/wallet-sdk 7.4.0 (derive.ts deriveSalt and deriveAccount,
// models/account.ts getAppPrivateKey) and @stacks/encryption 7.6.0
// (utils.ts hashCode); testdata/keychain.json holds vectors that wallet-sdk
// computed, and the test compares against them.
//
//   - The salt hashes the ASCII of the lowercase hex string of the m/888'/0'
//     compressed public key, not its 33 raw bytes (wallet-sdk does
//     utf8ToBytes(bytesToHex(publicKey))); some third-party ports hash the
//     raw bytes and get other app keys.
//   - appIndex = hashCode(hex(sha256(appDomain + salt))): Java's
//     String.hashCode over UTF-16 code units with int32 wrap-around, then
//     & 0x7fffffff. The app key is the hardened child appIndex' of the apps
//     node, 32 bytes, written as 64 hex characters.
//   - appDomain is used exactly as given (an origin such as
//     "https://app.example.com", no trailing slash): a different spelling is
//     a different key.
//   - The same scheme is the "legacy" one of micro-stacks, which also has a
//     newer variant (a chain code of sha256(appDomain+salt) and child 0');
//     @stacks/wallet-sdk and the Blockstack browser use only this one.
package keychain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"unicode/utf16"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/wallet"
)

const hardened = hdkeychain.HardenedKeyStart

// identitiesPath is m/888'/0', the keychain whose children are the
// identities and whose public key makes the salt.
var identitiesPath = wallet.OwnerPath(0)[:2]

// Keychain is the keys of one BIP39 mnemonic on one network. It is safe
// for concurrent use (it is never modified after it is made).
type Keychain struct {
	mnemonic string
	network  string
	params   *chaincfg.Params
	master   *hdkeychain.ExtendedKey
	salt     string
}

// New makes a keychain from a fresh 24-word mnemonic. network is devnet,
// regtest, testnet or mainnet: it sets the addresses of the owner and
// payment keys (the app keys and Gaia addresses are the same on every
// network).
func New(network string) (*Keychain, error) {
	m, err := wallet.NewMnemonic()
	if err != nil {
		return nil, fmt.Errorf("keychain: %w", err)
	}
	return FromMnemonic(m, network)
}

// FromMnemonic imports a BIP39 mnemonic (English word list, checksum
// checked, whitespace collapsed; empty BIP39 passphrase as Blockstack's
// wallets use).
func FromMnemonic(mnemonic, network string) (*Keychain, error) {
	params, err := chain.NetworkParams(network)
	if err != nil {
		return nil, fmt.Errorf("keychain: %w", err)
	}
	mnemonic = wallet.NormalizeMnemonic(mnemonic)
	master, err := wallet.MasterKey(mnemonic, params)
	if err != nil {
		return nil, fmt.Errorf("keychain: %w", err)
	}
	ids, err := wallet.DeriveKey(master, identitiesPath, params)
	if err != nil {
		return nil, fmt.Errorf("keychain: %w", err)
	}
	return &Keychain{
		mnemonic: mnemonic,
		network:  network,
		params:   params,
		master:   master,
		salt:     Salt(ids.PubKey()),
	}, nil
}

// Mnemonic exports the keychain's secret: whoever has it has every key.
func (k *Keychain) Mnemonic() string { return k.mnemonic }

// Network is the network the keychain was made for.
func (k *Keychain) Network() string { return k.network }

// Salt is the wallet salt that app keys are derived with (64 hex
// characters).
func (k *Keychain) Salt() string { return k.salt }

// PaymentKey is the BIP44 payment key package wallet spends from
// (wallet.PaymentPath).
func (k *Keychain) PaymentKey() (*wallet.Key, error) {
	key, err := wallet.DeriveKey(k.master, wallet.PaymentPath(k.params), k.params)
	if err != nil {
		return nil, fmt.Errorf("keychain: payment key: %w", err)
	}
	return key, nil
}

// Identity derives identity i: its key at m/888'/0'/i' and its apps node.
func (k *Keychain) Identity(i uint32) (*Identity, error) {
	if i >= hardened {
		return nil, fmt.Errorf("keychain: identity index %d is not below 2^31", i)
	}
	key, err := wallet.DeriveKey(k.master, wallet.OwnerPath(i), k.params)
	if err != nil {
		return nil, fmt.Errorf("keychain: identity %d: %w", i, err)
	}
	return &Identity{Index: i, Key: key, k: k}, nil
}

// Identity is one of a keychain's identities.
type Identity struct {
	Index uint32
	// Key is the identity (owner) key at m/888'/0'/Index': it owns the
	// user's BNS names, signs the profile and auth responses, and its
	// Gaia bucket holds profile.json. Its Address is on the keychain's
	// network; GaiaAddress is the mainnet form hubs use.
	Key *wallet.Key
	k   *Keychain
}

// GaiaAddress is the identity's Gaia bucket address: the Bitcoin mainnet
// P2PKH address of its compressed public key, whatever the network.
func (id *Identity) GaiaAddress() string { return gaiaauth.AddressFromKey(id.Key.PrivKey()) }

// AppsNodePath is the BIP32 path of the identity's apps node,
// m/888'/0'/i'/0'.
func (id *Identity) AppsNodePath() []uint32 {
	return append(wallet.OwnerPath(id.Index), hardened+0)
}

// AppPrivateKey derives the identity's private key for the app at
// appDomain (its origin, e.g. "https://app.example.com"): the hardened
// child AppIndex(appDomain, salt) of the apps node. The app's Gaia bucket
// is gaiaauth.AddressFromKey of it.
func (id *Identity) AppPrivateKey(appDomain string) (*btcec.PrivateKey, error) {
	path := append(id.AppsNodePath(), hardened+AppIndex(appDomain, id.k.salt))
	key, err := wallet.DeriveKey(id.k.master, path, id.k.params)
	if err != nil {
		return nil, fmt.Errorf("keychain: app key for %q: %w", appDomain, err)
	}
	return key.PrivKey(), nil
}

// Salt is the wallet salt for the m/888'/0' public key ids:
// hex(sha256(ascii(hex(compressed ids)))).
func Salt(ids *btcec.PublicKey) string {
	h := sha256.Sum256([]byte(hex.EncodeToString(ids.SerializeCompressed())))
	return hex.EncodeToString(h[:])
}

// AppIndex is the apps-node child index (before hardening) of appDomain's
// key: HashCode(hex(sha256(utf8(appDomain + salt)))).
func AppIndex(appDomain, salt string) uint32 {
	h := sha256.Sum256([]byte(appDomain + salt))
	return HashCode(hex.EncodeToString(h[:]))
}

// HashCode is the JavaScript hashCode of @stacks/encryption: Java's
// String.hashCode over the UTF-16 code units of s (h = 31h + c with int32
// wrap-around), masked with 0x7fffffff so that it is a valid unhardened
// BIP32 index.
func HashCode(s string) uint32 {
	var h int32
	for _, c := range utf16.Encode([]rune(s)) {
		h = h<<5 - h + int32(c) // Go's int32 arithmetic wraps, as JS's |0 does
	}
	return uint32(h) & 0x7fffffff
}
