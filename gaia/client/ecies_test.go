package client

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
)

func mustHex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestECIESVector is atlas-gaia.md C.3, checked there against
// @stacks/encryption's decryptECIES.
func TestECIESVector(t *testing.T) {
	sk, _ := btcec.PrivKeyFromBytes(mustHex(t, "a5c61c6ca7b3e7e55edee68566aeab22e4da26baa285c7bd10e8d2218aa3b229"))
	if got := hex.EncodeToString(sk.PubKey().SerializeCompressed()); got != "027d28f9951ce46538951e3697c62588a87f1f1f295de4a14fdd4c780fc52cfe69" {
		t.Fatalf("pub %s", got)
	}
	eph, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{1}, 32))
	c, err := encryptWith(sk.PubKey(), []byte("hello world"), true, eph, mustHex(t, "000102030405060708090a0b0c0d0e0f"))
	if err != nil {
		t.Fatal(err)
	}
	want := CipherObject{
		IV:          "000102030405060708090a0b0c0d0e0f",
		EphemeralPK: "031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f",
		CipherText:  "28e69398f1e37363d9dc5b6da07b7e25",
		MAC:         "2c950feb430909c95101313a7b59bb6659c6a1d13967f40af61c7c60173727ca",
		WasString:   true,
	}
	if *c != want {
		t.Errorf("cipher object\n got %+v\nwant %+v", *c, want)
	}
	pt, err := DecryptECIES(sk, &want)
	if err != nil || string(pt) != "hello world" {
		t.Errorf("decrypt: %q %v", pt, err)
	}
}

func TestECIESRoundTripAndTamper(t *testing.T) {
	sk, _ := btcec.NewPrivateKey()
	for _, msg := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("0123456789abcdef"), 100)} {
		c, err := EncryptECIES(sk.PubKey(), msg, false)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := DecryptECIES(sk, c)
		if err != nil || !bytes.Equal(pt, msg) {
			t.Errorf("round trip of %d bytes: %v", len(msg), err)
		}
		bad := *c
		bad.CipherText = "00" + bad.CipherText[2:]
		if bad.CipherText == c.CipherText {
			bad.CipherText = "11" + bad.CipherText[2:]
		}
		if _, err := DecryptECIES(sk, &bad); !errors.Is(err, ErrDecrypt) {
			t.Errorf("tampered ciphertext: %v", err)
		}
	}
	other, _ := btcec.NewPrivateKey()
	c, _ := EncryptECIES(sk.PubKey(), []byte("secret"), true)
	if _, err := DecryptECIES(other, c); !errors.Is(err, ErrDecrypt) {
		t.Errorf("wrong key: %v", err)
	}
}
