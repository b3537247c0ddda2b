package wallet

import (
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
	"github.com/tyler-smith/go-bip39"
)

// Key is a secp256k1 private key with its P2PKH address on one network.
type Key struct {
	priv *btcec.PrivateKey
	// compress says whether the address commits to the compressed public
	// key; keys the wallet derives always are, an imported WIF says.
	compress bool
	params   *chaincfg.Params
	addr     *btcutil.AddressPubKeyHash
	script   []byte
}

func newKey(priv *btcec.PrivateKey, compress bool, params *chaincfg.Params) (*Key, error) {
	pub := priv.PubKey().SerializeUncompressed()
	if compress {
		pub = priv.PubKey().SerializeCompressed()
	}
	addr, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(pub), params)
	if err != nil {
		return nil, fmt.Errorf("p2pkh address: %w", err)
	}
	script, err := txscript.PayToAddrScript(addr)
	if err != nil {
		return nil, fmt.Errorf("p2pkh script: %w", err)
	}
	return &Key{priv: priv, compress: compress, params: params, addr: addr, script: script}, nil
}

// ParseWIF imports a WIF-encoded private key for the network of params.
// Testnet and regtest share WIF versions, so a testnet WIF imports on
// regtest and the devnet.
func ParseWIF(s string, params *chaincfg.Params) (*Key, error) {
	w, err := btcutil.DecodeWIF(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("decode wif: %w", err)
	}
	if !w.IsForNet(params) {
		return nil, fmt.Errorf("wif key is not for %s", params.Name)
	}
	return newKey(w.PrivKey, w.CompressPubKey, params)
}

// WIF exports the key in wallet import format.
func (k *Key) WIF() string {
	w, err := btcutil.NewWIF(k.priv, k.params, k.compress)
	if err != nil {
		// NewWIF fails only for a nil network, which newKey never accepts.
		panic(fmt.Sprintf("wallet: wif of a valid key: %v", err))
	}
	return w.String()
}

// Address is the key's P2PKH address.
func (k *Key) Address() *btcutil.AddressPubKeyHash { return k.addr }

// PkScript is the key's P2PKH output script (a copy the caller may keep).
func (k *Key) PkScript() []byte { return append([]byte(nil), k.script...) }

// pays says whether script is the key's P2PKH script.
func (k *Key) pays(script []byte) bool { return string(script) == string(k.script) }

// PubKey is the key's public key.
func (k *Key) PubKey() *btcec.PublicKey { return k.priv.PubKey() }

// SerializedPubKey is the public key as its address commits to it
// (compressed unless an uncompressed WIF was imported).
func (k *Key) SerializedPubKey() []byte {
	if k.compress {
		return k.priv.PubKey().SerializeCompressed()
	}
	return k.priv.PubKey().SerializeUncompressed()
}

// PrivKey is the private key, for signing beyond transactions (profiles,
// zone files, Gaia tokens).
func (k *Key) PrivKey() *btcec.PrivateKey { return k.priv }

// Paths of the keys a mnemonic wallet derives (see the package doc).
const (
	ownerPurpose   = 888
	paymentPurpose = 44
)

// OwnerPath is the BIP32 path of owner key i: m/888'/0'/i'.
func OwnerPath(i uint32) []uint32 {
	h := uint32(hdkeychain.HardenedKeyStart)
	return []uint32{h + ownerPurpose, h + 0, h + i}
}

// PaymentPath is the BIP32 path of the payment key: m/44'/coin'/0'/0/0,
// coin being the network's SLIP-44 type.
func PaymentPath(params *chaincfg.Params) []uint32 {
	h := uint32(hdkeychain.HardenedKeyStart)
	return []uint32{h + paymentPurpose, h + params.HDCoinType, h + 0, 0, 0}
}

// normalizeMnemonic collapses whitespace so that a phrase pasted with line
// breaks or double spaces gives the same seed.
func normalizeMnemonic(m string) string {
	return strings.Join(strings.Fields(m), " ")
}

// seedFromMnemonic checks a BIP39 phrase (word list and checksum) and
// returns its seed with the empty passphrase Blockstack's wallets use.
func seedFromMnemonic(mnemonic string) ([]byte, error) {
	seed, err := bip39.NewSeedWithErrorChecking(normalizeMnemonic(mnemonic), "")
	if err != nil {
		return nil, fmt.Errorf("invalid mnemonic: %w", err)
	}
	return seed, nil
}

// newMnemonic generates a 24-word phrase (256 bits of entropy).
func newMnemonic() (string, error) {
	entropy, err := bip39.NewEntropy(256)
	if err != nil {
		return "", fmt.Errorf("mnemonic entropy: %w", err)
	}
	m, err := bip39.NewMnemonic(entropy)
	if err != nil {
		return "", fmt.Errorf("new mnemonic: %w", err)
	}
	return m, nil
}

// deriveKey derives the compressed key at path below master.
func deriveKey(master *hdkeychain.ExtendedKey, path []uint32, params *chaincfg.Params) (*Key, error) {
	k := master
	for _, i := range path {
		var err error
		// Derive is the BIP32-conformant derivation (DeriveNonStandard
		// reproduces an old btcutil bug with short private keys).
		if k, err = k.Derive(i); err != nil {
			return nil, fmt.Errorf("derive %s: %w", FormatPath(path), err)
		}
	}
	priv, err := k.ECPrivKey()
	if err != nil {
		return nil, fmt.Errorf("derive %s: %w", FormatPath(path), err)
	}
	return newKey(priv, true, params)
}

// FormatPath renders a BIP32 path as m/888'/0'/0'.
func FormatPath(path []uint32) string {
	var b strings.Builder
	b.WriteString("m")
	for _, i := range path {
		if i >= hdkeychain.HardenedKeyStart {
			fmt.Fprintf(&b, "/%d'", i-hdkeychain.HardenedKeyStart)
		} else {
			fmt.Fprintf(&b, "/%d", i)
		}
	}
	return b.String()
}
