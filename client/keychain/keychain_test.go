package keychain

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/wallet"
)

// jsFixture is ../testdata/keychain.json, written by @stacks/wallet-sdk
// 7.4.0 (testdata/js/fixtures.cjs).
type jsFixture struct {
	Wallets []struct {
		Mnemonic string `json:"mnemonic"`
		Salt     string `json:"salt"`
		Accounts []struct {
			Index          uint32            `json:"index"`
			DataPrivateKey string            `json:"dataPrivateKey"`
			AppKeys        map[string]string `json:"appKeys"`
		} `json:"accounts"`
	} `json:"wallets"`
	HashCode []struct {
		S    string `json:"s"`
		Hash uint32 `json:"hash"`
	} `json:"hashCode"`
}

func loadFixture(t *testing.T) jsFixture {
	t.Helper()
	data, err := os.ReadFile("../testdata/keychain.json")
	if err != nil {
		t.Fatal(err)
	}
	var f jsFixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Wallets) == 0 || len(f.HashCode) == 0 {
		t.Fatal("empty fixture")
	}
	return f
}

func keyHex(k *btcec.PrivateKey) string {
	b := k.Key.Bytes()
	return hex.EncodeToString(b[:])
}

// TestWalletSDKVectors derives the salt, identity keys and app keys of the
// fixture's mnemonics and compares them with @stacks/wallet-sdk's.
func TestWalletSDKVectors(t *testing.T) {
	f := loadFixture(t)
	for _, w := range f.Wallets {
		k, err := FromMnemonic(w.Mnemonic, "mainnet")
		if err != nil {
			t.Fatal(err)
		}
		if k.Salt() != w.Salt {
			t.Errorf("salt %s, want %s", k.Salt(), w.Salt)
		}
		for _, a := range w.Accounts {
			id, err := k.Identity(a.Index)
			if err != nil {
				t.Fatal(err)
			}
			if got := keyHex(id.Key.PrivKey()); got != a.DataPrivateKey {
				t.Errorf("identity %d key %s, want %s", a.Index, got, a.DataPrivateKey)
			}
			for domain, want := range a.AppKeys {
				app, err := id.AppPrivateKey(domain)
				if err != nil {
					t.Fatal(err)
				}
				if got := keyHex(app); got != want {
					t.Errorf("identity %d app %s: %s, want %s", a.Index, domain, got, want)
				}
			}
		}
	}
}

func TestHashCode(t *testing.T) {
	for _, v := range loadFixture(t).HashCode {
		if got := HashCode(v.S); got != v.Hash {
			t.Errorf("HashCode(%q) = %d, want %d", v.S, got, v.Hash)
		}
	}
}

// TestSameKeysAsWallet: the keychain's identity and payment keys are the
// wallet package's owner and payment keys for the same mnemonic.
func TestSameKeysAsWallet(t *testing.T) {
	const m = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
	dir := t.TempDir()
	w, err := wallet.Create(filepath.Join(dir, "w.json"), wallet.CreateOptions{Network: "regtest", Mnemonic: m, OwnerKeys: 2})
	if err != nil {
		t.Fatal(err)
	}
	k, err := FromMnemonic("  "+strings.ReplaceAll(m, " ", "\n ")+" ", "regtest")
	if err != nil {
		t.Fatal(err)
	}
	if k.Mnemonic() != m {
		t.Errorf("mnemonic not normalised: %q", k.Mnemonic())
	}
	for i, owner := range w.OwnerKeys() {
		id, err := k.Identity(uint32(i))
		if err != nil {
			t.Fatal(err)
		}
		if id.Key.Address().EncodeAddress() != owner.Address().EncodeAddress() {
			t.Errorf("identity %d: %s, wallet owner key %s", i, id.Key.Address(), owner.Address())
		}
		if id.GaiaAddress() != gaiaauth.AddressFromKey(owner.PrivKey()) || id.GaiaAddress()[0] != '1' {
			t.Errorf("identity %d Gaia address %s", i, id.GaiaAddress())
		}
	}
	pay, err := k.PaymentKey()
	if err != nil {
		t.Fatal(err)
	}
	if pay.Address().EncodeAddress() != w.PaymentKey().Address().EncodeAddress() {
		t.Errorf("payment key %s, wallet's %s", pay.Address(), w.PaymentKey().Address())
	}
}

func TestFromMnemonicErrors(t *testing.T) {
	tests := []struct{ mnemonic, network string }{
		{"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon", "mainnet"}, // checksum
		{"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", "moonnet"},
		{"", "mainnet"},
	}
	for _, tt := range tests {
		if _, err := FromMnemonic(tt.mnemonic, tt.network); err == nil {
			t.Errorf("FromMnemonic(%q, %q) succeeded", tt.mnemonic, tt.network)
		}
	}
	k, _ := New("devnet")
	if _, err := k.Identity(1 << 31); err == nil {
		t.Error("identity 2^31 derived")
	}
}

// testScrypt keeps the tests fast; the format is the same.
var testScrypt = ScryptParams{N: 1 << 10, R: 8, P: 1}

func TestSealOpen(t *testing.T) {
	k, err := New("testnet")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(k.Mnemonic())); n != 24 {
		t.Fatalf("new mnemonic has %d words", n)
	}
	pass := []byte("correct horse battery staple")
	sealed, err := k.Seal(pass, testScrypt)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), strings.Fields(k.Mnemonic())[0]+" ") {
		t.Fatal("sealed file holds the mnemonic in the clear")
	}
	got, err := Open(sealed, pass)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mnemonic() != k.Mnemonic() || got.Network() != "testnet" || got.Salt() != k.Salt() {
		t.Errorf("opened %q on %s", got.Mnemonic(), got.Network())
	}

	var f map[string]any
	if err := json.Unmarshal(sealed, &f); err != nil {
		t.Fatal(err)
	}
	edit := func(change func(map[string]any)) []byte {
		var g map[string]any
		json.Unmarshal(sealed, &g)
		change(g)
		b, _ := json.Marshal(g)
		return b
	}
	tests := []struct {
		name string
		data []byte
		pass string
		want error // nil: any error
	}{
		{"wrong passphrase", sealed, "Correct horse battery staple", ErrPassphrase},
		{"network changed", edit(func(g map[string]any) { g["network"] = "mainnet" }), string(pass), ErrPassphrase},
		{"cost lowered", edit(func(g map[string]any) { g["scrypt"].(map[string]any)["n"] = 512 }), string(pass), ErrPassphrase},
		{"ciphertext altered", edit(func(g map[string]any) { g["ciphertext"] = "AAAA" + g["ciphertext"].(string)[4:] }), string(pass), ErrPassphrase},
		{"cost too high", edit(func(g map[string]any) { g["scrypt"].(map[string]any)["n"] = 1 << 22 }), string(pass), nil},
		{"n not a power of two", edit(func(g map[string]any) { g["scrypt"].(map[string]any)["n"] = 1000 }), string(pass), nil},
		{"unknown kdf", edit(func(g map[string]any) { g["kdf"] = "pbkdf2" }), string(pass), nil},
		{"version 2", edit(func(g map[string]any) { g["version"] = 2 }), string(pass), nil},
		{"not JSON", []byte("mnemonic"), string(pass), nil},
	}
	for _, tt := range tests {
		_, err := Open(tt.data, []byte(tt.pass))
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		if tt.want == nil && errors.Is(err, ErrPassphrase) {
			t.Errorf("%s: rejected only by the AEAD: %v", tt.name, err)
		}
	}
	if _, err := k.Seal(nil, testScrypt); err == nil {
		t.Error("sealed with an empty passphrase")
	}
}

func TestSaveLoadFile(t *testing.T) {
	k, _ := New("mainnet")
	path := filepath.Join(t.TempDir(), "keys", "keychain.json")
	pass := []byte("pw")
	if err := k.SaveFile(path, pass, testScrypt); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("stat: %v, %v", fi, err)
	}
	if err := k.SaveFile(path, pass, testScrypt); err == nil {
		t.Error("SaveFile replaced an existing keychain")
	}
	got, err := LoadFile(path, pass)
	if err != nil || got.Mnemonic() != k.Mnemonic() {
		t.Fatalf("LoadFile: %v", err)
	}
	if _, err := LoadFile(path, []byte("other")); !errors.Is(err, ErrPassphrase) {
		t.Errorf("LoadFile with a wrong passphrase: %v", err)
	}
}

// TestDefaultScrypt seals once with the default cost, so that a change to
// it that scrypt refuses is caught.
func TestDefaultScrypt(t *testing.T) {
	if testing.Short() {
		t.Skip("128 MiB scrypt")
	}
	k, _ := New("mainnet")
	sealed, err := k.Seal([]byte("pw"), ScryptParams{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sealed), `"n": 131072`) {
		t.Errorf("default cost not written: %s", sealed)
	}
	if _, err := Open(sealed, []byte("pw")); err != nil {
		t.Fatal(err)
	}
}

// TestOpensEarlierFiles: a keychain file sealed before the format's code
// moved to internal/seal (testdata/sealed-v1.json) still opens.
func TestOpensEarlierFiles(t *testing.T) {
	data, err := os.ReadFile("testdata/sealed-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	k, err := Open(data, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if k.Mnemonic() != "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about" || k.Network() != "devnet" {
		t.Fatalf("opened %q for %s", k.Mnemonic(), k.Network())
	}
	if _, err := Open(data, []byte("wrong")); !errors.Is(err, ErrPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
}
