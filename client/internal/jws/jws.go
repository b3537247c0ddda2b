// Package jws signs and parses the compact ES256K JSON web tokens of
// Blockstack profiles and app sign-in, as the jsontokens library writes
// them. It owns only the token encoding; what the claims mean belongs to
// client/profile and client/auth.
//
// The signature algorithm is gaiaauth.SigningMethodES256K (secp256k1 ECDSA
// over SHA-256 of the signing input, r‖s); parsing goes through golang-jwt. Signing builds the signing
// input here rather than with jwt.Token.SignedString, because golang-jwt
// marshals with encoding/json defaults: the header comes out as
// {"alg","typ"} and <, > and & in claims as \u003c escapes, where jsontokens
// writes {"typ":"JWT","alg":"ES256K"} and JSON.stringify leaves those
// characters alone. The tokens made here are therefore the bytes jsontokens
// makes for the same payload (up to the random parts and ECDSA's S, which
// jsontokens does not normalise).
package jws

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/golang-jwt/jwt/v5"
)

// header is jsontokens' TokenSigner header, in its member order.
const header = `{"typ":"JWT","alg":"ES256K"}`

// Marshal is json.Marshal without HTML escaping, as JSON.stringify writes
// (for types whose MarshalJSON is built from Marshal too).
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Sign returns the compact token for payload (marshalled with Marshal)
// signed with key.
func Sign(payload any, key *btcec.PrivateKey) (string, error) {
	body, err := Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("jws: payload: %w", err)
	}
	input := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString(body)
	sig, err := gaiaauth.SigningMethodES256K.Sign(input, key)
	if err != nil {
		return "", fmt.Errorf("jws: sign: %w", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Parse parses token into claims and verifies its signature with the key
// keyFunc returns. It reads ES256K tokens only (so "alg":"none" and every
// other algorithm are refused), keeps JSON numbers as json.Number, and
// leaves time rules to the caller.
func Parse(token string, claims jwt.Claims, keyFunc jwt.Keyfunc) (*jwt.Token, error) {
	return parser().ParseWithClaims(token, claims, keyFunc)
}

// parser is built on first use, which registers ES256K with golang-jwt
// only in programs that parse tokens.
var parser = sync.OnceValue(func() *jwt.Parser {
	return gaiaauth.NewParser(jwt.WithValidMethods([]string{"ES256K"}), jwt.WithoutClaimsValidation(), jwt.WithJSONNumber())
})
