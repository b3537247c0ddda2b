package wallet

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/internal/seal"
)

var testScrypt = seal.ScryptParams{N: 1 << 10, R: 8, P: 1}

func pass(p string) func() ([]byte, error) { return func() ([]byte, error) { return []byte(p), nil } }

// TestEncryptedWallet: a wallet created with a passphrase holds none of
// its secrets in plain text, opens with the passphrase to the same keys,
// refuses a wrong or missing one, and is never read as a keychain.
func TestEncryptedWallet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wallet.json")
	mnemonic := "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
	w, err := Create(path, CreateOptions{Network: "devnet", Mnemonic: mnemonic, Passphrase: []byte("pw"), Scrypt: testScrypt})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, secret := range []string{"abandon", w.PaymentKey().WIF()} {
		if bytes.Contains(data, []byte(secret)) {
			t.Fatalf("the encrypted file holds %q", secret)
		}
	}
	w2, err := OpenWith(path, pass("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if w2.Mnemonic() != mnemonic || w2.PaymentKey().WIF() != w.PaymentKey().WIF() {
		t.Fatal("reopened wallet differs")
	}
	if _, err := OpenWith(path, pass("wrong")); !errors.Is(err, ErrPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := Open(path); !errors.Is(err, ErrNeedPassphrase) {
		t.Fatalf("no passphrase: %v", err)
	}
	if _, _, err := seal.Open(data, []byte("pw"), ""); err == nil || !strings.Contains(err.Error(), "holds a wallet") {
		t.Fatalf("opened as a keychain: %v", err)
	}
}

// TestEncryptMigrates: Encrypt turns a plain wallet into an encrypted one
// in place, with the same keys; a second Encrypt is refused.
func TestEncryptMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wallet.json")
	w, err := Create(path, CreateOptions{Network: "devnet"})
	if err != nil {
		t.Fatal(err)
	}
	if err := Encrypt(path, []byte("pw"), testScrypt); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte(w.Mnemonic()[:20])) {
		t.Fatal("the mnemonic is still in the file")
	}
	w2, err := OpenWith(path, pass("pw"))
	if err != nil || w2.Mnemonic() != w.Mnemonic() {
		t.Fatalf("after Encrypt: %v", err)
	}
	if err := Encrypt(path, []byte("pw"), testScrypt); err == nil || !strings.Contains(err.Error(), "encrypted already") {
		t.Fatalf("second Encrypt: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("%d files beside the wallet after Encrypt", len(entries)-1)
	}
}
