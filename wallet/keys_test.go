package wallet

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"
)

// The BIP39 test phrase. Its seed (empty passphrase) is the well-known
// vector; the addresses were recomputed by an independent BIP32
// implementation in Python (HMAC-SHA512, secp256k1 from first principles).
const testMnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

func TestWIFVectors(t *testing.T) {
	// Private key 1: the textbook vectors.
	tests := []struct {
		wif    string
		params *chaincfg.Params
		addr   string
	}{
		{"KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn", &chaincfg.MainNetParams, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"},
		{"5HpHagT65TZzG1PH3CSu63k8DbpvD8s5ip4nEB3kEsreAnchuDf", &chaincfg.MainNetParams, "1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm"},
		{"cMahea7zqjxrtgAbB7LSGbcQUr1uX1ojuat9jZodMN87JcbXMTcA", &chaincfg.TestNet3Params, "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r"},
		{"cMahea7zqjxrtgAbB7LSGbcQUr1uX1ojuat9jZodMN87JcbXMTcA", &chaincfg.RegressionNetParams, "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r"},
	}
	for _, tt := range tests {
		k, err := ParseWIF(tt.wif, tt.params)
		if err != nil {
			t.Fatalf("%s: %v", tt.wif, err)
		}
		if got := k.Address().EncodeAddress(); got != tt.addr {
			t.Errorf("%s on %s: address %s, want %s", tt.wif, tt.params.Name, got, tt.addr)
		}
		if got := k.WIF(); got != tt.wif {
			t.Errorf("WIF round trip: %s, want %s", got, tt.wif)
		}
	}
	if _, err := ParseWIF("KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn", &chaincfg.TestNet3Params); err == nil {
		t.Error("mainnet WIF accepted on testnet")
	}
	if _, err := ParseWIF("KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWm", &chaincfg.MainNetParams); err == nil {
		t.Error("WIF with a bad checksum accepted")
	}
}

func TestMnemonicSeedVector(t *testing.T) {
	seed, err := seedFromMnemonic("  abandon abandon abandon abandon abandon abandon\nabandon abandon abandon abandon abandon about ")
	if err != nil {
		t.Fatal(err)
	}
	want := "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4"
	if got := hex.EncodeToString(seed); got != want {
		t.Errorf("seed %s, want %s", got, want)
	}
	// Twelve "abandon" fail the checksum.
	bad := "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon"
	if _, err := seedFromMnemonic(bad); err == nil {
		t.Error("mnemonic with a bad checksum accepted")
	}
}

func TestDerivedKeys(t *testing.T) {
	tests := []struct {
		network  string
		payment  string
		owners   []string
		owner0PK string
	}{
		{"mainnet", "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA",
			[]string{"1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL", "19Zr9EqFt9eT4mNBwMsxa8sF5UFWe9C6Ya"},
			"02ed9b172e392fd595e7918aa0c21a401a6bc1fba3bfd89872d3b92fabd971710c"},
		{"testnet", "mkpZhYtJu2r87Js3pDiWJDmPte2NRZ8bJV",
			[]string{"n2hq5YuvxTvTuEqZugrmJ9KHpu7azLMizB", "mp5oSHvEhB5hqsqoevrLQ45ZwTrDZiYaKn"},
			"02ed9b172e392fd595e7918aa0c21a401a6bc1fba3bfd89872d3b92fabd971710c"},
		{"devnet", "mkpZhYtJu2r87Js3pDiWJDmPte2NRZ8bJV",
			[]string{"n2hq5YuvxTvTuEqZugrmJ9KHpu7azLMizB", "mp5oSHvEhB5hqsqoevrLQ45ZwTrDZiYaKn"},
			"02ed9b172e392fd595e7918aa0c21a401a6bc1fba3bfd89872d3b92fabd971710c"},
	}
	for _, tt := range tests {
		w, err := Create(filepath.Join(t.TempDir(), "wallet.json"), CreateOptions{Network: tt.network, Mnemonic: testMnemonic, OwnerKeys: 2})
		if err != nil {
			t.Fatal(err)
		}
		if got := w.PaymentKey().Address().EncodeAddress(); got != tt.payment {
			t.Errorf("%s payment %s, want %s", tt.network, got, tt.payment)
		}
		for i, k := range w.OwnerKeys() {
			if got := k.Address().EncodeAddress(); got != tt.owners[i] {
				t.Errorf("%s owner %d: %s, want %s", tt.network, i, got, tt.owners[i])
			}
		}
		if got := hex.EncodeToString(w.OwnerKeys()[0].SerializedPubKey()); got != tt.owner0PK {
			t.Errorf("%s owner 0 public key %s, want %s", tt.network, got, tt.owner0PK)
		}
	}
	if got := FormatPath(OwnerPath(3)); got != "m/888'/0'/3'" {
		t.Errorf("owner path %s", got)
	}
	if got := FormatPath(PaymentPath(&chaincfg.TestNet3Params)); got != "m/44'/1'/0'/0/0" {
		t.Errorf("testnet payment path %s", got)
	}
}

func TestWalletFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "wallet.json")
	w, err := Create(path, CreateOptions{Network: "testnet"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(w.Mnemonic()); n == 0 {
		t.Fatal("no mnemonic generated")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("wallet file mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := Create(path, CreateOptions{Network: "testnet"}); !errors.Is(err, ErrWalletExists) {
		t.Errorf("second create: %v, want ErrWalletExists", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want the wallet only", len(entries))
	}

	w2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if w2.Network() != "testnet" || w2.Mnemonic() != w.Mnemonic() ||
		w2.PaymentKey().Address().String() != w.PaymentKey().Address().String() {
		t.Error("reopened wallet differs")
	}

	if _, err := Open(filepath.Join(dir, "missing.json")); !errors.Is(err, ErrNoWallet) {
		t.Errorf("open missing: %v, want ErrNoWallet", err)
	}
	empty := filepath.Join(dir, "empty.json")
	data, _ := json.Marshal(walletFile{Version: fileVersion, Network: "devnet"})
	if err := os.WriteFile(empty, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(empty); !errors.Is(err, ErrNoKeys) {
		t.Errorf("open keyless: %v, want ErrNoKeys", err)
	}
	if _, err := Create(filepath.Join(dir, "bad.json"), CreateOptions{Network: "devnet", Mnemonic: "abandon abandon"}); err == nil {
		t.Error("invalid mnemonic accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.json")); !errors.Is(err, os.ErrNotExist) {
		t.Error("wallet file written for an invalid mnemonic")
	}
	if _, err := Create(filepath.Join(dir, "x.json"), CreateOptions{Network: "moon"}); err == nil {
		t.Error("unknown network accepted")
	}

	// A WIF wallet: one key is both payment and owner key.
	ww, err := Create(filepath.Join(dir, "wif.json"), CreateOptions{Network: "regtest", WIF: "cMahea7zqjxrtgAbB7LSGbcQUr1uX1ojuat9jZodMN87JcbXMTcA"})
	if err != nil {
		t.Fatal(err)
	}
	if ww.PaymentKey() != ww.OwnerKeys()[0] || len(ww.OwnerKeys()) != 1 {
		t.Error("WIF wallet: payment key is not owner key 0")
	}
	if ww.Mnemonic() != "" {
		t.Error("WIF wallet has a mnemonic")
	}
}
