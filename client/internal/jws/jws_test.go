package jws

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/golang-jwt/jwt/v5"
)

func TestSignParse(t *testing.T) {
	key, _ := btcec.NewPrivateKey()
	tok, err := Sign(map[string]any{"url": "https://a.example/?x=1&y=<2>", "n": 1}, key)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	p, _ := base64.RawURLEncoding.DecodeString(parts[1])
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	if string(h) != `{"typ":"JWT","alg":"ES256K"}` || string(p) != `{"n":1,"url":"https://a.example/?x=1&y=<2>"}` || len(sig) != 64 {
		t.Fatalf("token parts %s %s %x", h, p, sig)
	}
	claims := jwt.MapClaims{}
	if _, err := Parse(tok, claims, func(*jwt.Token) (any, error) { return key.PubKey(), nil }); err != nil {
		t.Fatal(err)
	}
	other, _ := btcec.NewPrivateKey()
	if _, err := Parse(tok, jwt.MapClaims{}, func(*jwt.Token) (any, error) { return other.PubKey(), nil }); err == nil {
		t.Error("verified with another key")
	}
	hs256 := base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"HS256"}`)) + "." + parts[1] + "." + parts[2]
	if _, err := Parse(hs256, jwt.MapClaims{}, func(*jwt.Token) (any, error) { return []byte("k"), nil }); err == nil {
		t.Error("HS256 accepted")
	}
}
