// Package auth is Blockstack app sign-in (docs/client-formats.md,
// "Sign-in tokens"): the
// authentication request an app makes with a transit key, the response the
// identity side (a wallet) signs with the user's identity key, carrying the
// app private key encrypted to the transit key, and the checks each side
// runs on the other's token, including expiry and replay.
//
// It owns those two token formats and their checks. It must not touch the
// network, Gaia or BNS: fetching the app manifest, looking up that a
// username belongs to the identity (Session.CheckName is the hook) and
// connecting to the hub belong to the callers. App keys come from
// client/keychain; the encryption is client/ecies; profiles are
// client/profile.Person.
//
// # Facts checked against @stacks/auth 7.6.0 (messages.ts, verification.ts,
// dids.ts) and @stacks/common
//
//   - Both tokens are ES256K JWTs as jsontokens writes them (see
//     client/internal/jws); iat and exp are integer seconds.
//   - A DID is "did:btc-addr:" + the Bitcoin mainnet P2PKH address of the
//     key (publicKeyToBtcAddress).
//   - Request payload: jti, iat, exp, iss, public_keys (one compressed
//     transit public key), domain_name, manifest_uri, redirect_uri, version
//     "1.4.0", do_not_include_profile true, supports_hub_url true, scopes
//     (default ["store_write"]), after any extra parameters of the app (which
//     the standard members override).
//   - private_key in the response is hex(utf8(JSON.stringify(
//     encryptECIES(transitPublicKey, utf8(appPrivateKeyHex), wasString
//     true)))), hex cipher text; core_token likewise when present.
//   - Response payload (7.x order): jti, iat, exp, iss, private_key,
//     public_keys, appPrivateKeyFromWalletSalt, profile, core_token, then
//     email, profile_url, hubUrl, blockstackAPIUrl, associationToken,
//     version. 7.x no longer sends username; the spec and blockstack.js do,
//     so it is written after profile (null when there is none).
//   - verifyAuthRequest and verifyAuthResponse treat a missing exp or iat as
//     valid and compare against the clock with no leeway. Here both must be
//     present (every JavaScript writer sets them) and Leeway can allow for
//     clock skew.
//   - isSameOriginAbsoluteUrl: same scheme, hostname and port (443 for https
//     and 80 otherwise when absent), both absolute http(s) URLs.
//   - makeUUID4 draws the jti from Math.random; here it comes from
//     crypto/rand, since the jti is what replay checks key on.
package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/client/internal/jws"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/golang-jwt/jwt/v5"
)

// Version is the protocol version both tokens carry.
const Version = "1.4.0"

// Scopes an app may ask for.
const (
	ScopeStoreWrite  = "store_write"
	ScopePublishData = "publish_data"
	ScopeEmail       = "email"
)

var (
	// ErrExpired: the token's exp is past (or missing).
	ErrExpired = errors.New("auth: token expired")
	// ErrNotYetValid: the token's iat is in the future (or missing).
	ErrNotYetValid = errors.New("auth: token issued in the future")
	// ErrSignature: the token is not signed by its public key, or not
	// ES256K at all (an unsigned token is refused).
	ErrSignature = errors.New("auth: bad token signature")
	// ErrIssuer: iss is not the DID of the token's public key.
	ErrIssuer = errors.New("auth: issuer does not match the public key")
	// ErrOrigin: manifest_uri or redirect_uri is not an absolute URL of
	// domain_name's origin.
	ErrOrigin = errors.New("auth: URI outside the app's origin")
	// ErrReplay: the response's jti was already accepted in this session.
	ErrReplay = errors.New("auth: response already used")
)

// DID is the decentralized ID of a public key: did:btc-addr:<address>.
func DID(pub *btcec.PublicKey) string {
	addr, _ := gaiaauth.AddressFromPubKeyHex(hex.EncodeToString(pub.SerializeCompressed()))
	return "did:btc-addr:" + addr
}

// AddressFromDID is the address of a did:btc-addr DID.
func AddressFromDID(did string) (string, error) {
	parts := strings.Split(did, ":")
	if len(parts) != 3 || !strings.EqualFold(parts[0], "did") {
		return "", fmt.Errorf("auth: %q is not a DID", did)
	}
	if !strings.EqualFold(parts[1], "btc-addr") {
		return "", fmt.Errorf("auth: DID method %q is not btc-addr", parts[1])
	}
	return parts[2], nil
}

// checkTimes checks a token's iat and exp against now.
func checkTimes(iat, exp int64, now time.Time, leeway time.Duration) error {
	if exp == 0 || now.After(time.Unix(exp, 0).Add(leeway)) {
		return fmt.Errorf("%w (exp %d)", ErrExpired, exp)
	}
	if iat == 0 || now.Add(leeway).Before(time.Unix(iat, 0)) {
		return fmt.Errorf("%w (iat %d)", ErrNotYetValid, iat)
	}
	return nil
}

// parse verifies token's signature with the single key of public_keys and
// checks that iss is that key's DID. claims must set publicKeys.
func parse(token string, claims keyed) (*btcec.PublicKey, error) {
	var pub *btcec.PublicKey
	_, err := jws.Parse(token, claims, func(*jwt.Token) (any, error) {
		keys, iss := claims.keys()
		if len(keys) != 1 {
			return nil, fmt.Errorf("token has %d public keys, want 1", len(keys))
		}
		k, _, err := ecies.ParsePublicKey(keys[0])
		if err != nil {
			return nil, err
		}
		if iss != DID(k) {
			return nil, fmt.Errorf("%w: iss %q, key's DID %q", ErrIssuer, iss, DID(k))
		}
		pub = k
		return k, nil
	})
	switch {
	case errors.Is(err, ErrIssuer):
		return nil, fmt.Errorf("auth: %w", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid): // also a refused algorithm
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	case err != nil:
		return nil, fmt.Errorf("auth: %w", err)
	}
	return pub, nil
}

// keyed is a claims type with public_keys and iss.
type keyed interface {
	jwt.Claims
	keys() ([]string, string)
}

// noTimes implements the jwt.Claims time methods as "absent": the checks
// are checkTimes', not golang-jwt's.
type noTimes struct{}

func (noTimes) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (noTimes) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (noTimes) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (noTimes) GetIssuer() (string, error)                   { return "", nil }
func (noTimes) GetSubject() (string, error)                  { return "", nil }
func (noTimes) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// uuid4 is a random RFC 4122 version 4 UUID.
func uuid4() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// CheckOrigin checks that s is an app's origin, as a sign-in request's
// domain_name is: an http or https URL with a host and nothing after it.
// An app's keys derive from the exact string, so "https://a.example/" would
// be another app than "https://a.example": it is refused, not trimmed.
func CheckOrigin(s string) error {
	u, err := url.Parse(s)
	if err != nil || !isWeb(u) {
		return fmt.Errorf("%q is not an app origin: want scheme://host[:port], e.g. https://notes.example", s)
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#") {
		return fmt.Errorf("%q is not an app origin: want %s://%s, with nothing after the host", s, u.Scheme, u.Host)
	}
	return nil
}

// isWeb says whether u is an absolute http or https URL with a host.
func isWeb(u *url.URL) bool {
	s := strings.ToLower(u.Scheme)
	return (s == "http" || s == "https") && u.Host != ""
}

// sameOrigin is isSameOriginAbsoluteUrl.
func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return strings.TrimLeft(p, "0")
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return isWeb(ua) && isWeb(ub) && strings.EqualFold(ua.Scheme, ub.Scheme) &&
		strings.EqualFold(ua.Hostname(), ub.Hostname()) && port(ua) == port(ub)
}

// encryptSecret is encryptPrivateKey: the hex of the UTF-8 JSON cipher
// object of secret, encrypted to pub as a string.
func encryptSecret(pub *btcec.PublicKey, secret string) (string, error) {
	c, err := ecies.EncryptContent(pub, []byte(secret), ecies.Options{WasString: true})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(c), nil
}

// decryptSecret is decryptPrivateKey. The token carrying it is signed and
// verified, so a MAC failure means it was encrypted to another key.
func decryptSecret(priv *btcec.PrivateKey, hexed string) (string, error) {
	data, err := hex.DecodeString(hexed)
	if err != nil {
		return "", fmt.Errorf("%w: not hex: %v", ecies.ErrMalformed, err)
	}
	pt, wasString, err := ecies.DecryptContent(priv, data)
	if errors.Is(err, ecies.ErrMAC) {
		return "", ecies.ErrWrongKey
	}
	if err != nil {
		return "", err
	}
	if !wasString {
		return "", fmt.Errorf("%w: secret was not encrypted as a string", ecies.ErrMalformed)
	}
	return string(pt), nil
}

// marshalMerged writes std's JSON after extra's members that std does not
// have, as Object.assign({}, extra, std) orders them.
func marshalMerged(extra map[string]any, std any) ([]byte, error) {
	b, err := jws.Marshal(std)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var names map[string]json.RawMessage
	if err := json.Unmarshal(b, &names); err != nil {
		return nil, err
	}
	rest := map[string]any{}
	for k, v := range extra {
		if _, ok := names[k]; !ok {
			rest[k] = v
		}
	}
	if len(rest) == 0 {
		return b, nil
	}
	e, err := jws.Marshal(rest)
	if err != nil {
		return nil, err
	}
	return append(append(e[:len(e)-1:len(e)-1], ','), b[1:]...), nil
}

// splitExtra returns the members of a payload that are not std's.
func splitExtra(payload []byte, std any) (map[string]any, error) {
	var all map[string]any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&all); err != nil {
		return nil, err
	}
	b, err := json.Marshal(std)
	if err != nil {
		return nil, err
	}
	var names map[string]json.RawMessage
	if err := json.Unmarshal(b, &names); err != nil {
		return nil, err
	}
	for k := range names {
		delete(all, k)
	}
	if len(all) == 0 {
		return nil, nil
	}
	return all, nil
}
