// Package gaiaauth is the authentication protocol of a Gaia hub as clients
// and the hub both speak it (docs/gaia.md, "Tokens"): the challenge text and
// the hub_info answer that carries it, the v1 (ES256K JWT), association and
// legacy v0 tokens, their claims and scopes, and the bucket address of a key.
//
// It makes tokens and defines their shapes; it does not decide whether a
// token is acceptable (the hub, package gaia, does). It is a package of its
// own so that an app that writes to a hub links none of the hub's server.
//
// ES256K is not registered with golang-jwt on import: NewParser registers
// it, because golang-jwt's parsers find a token's method only through that
// global registry.
package gaiaauth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/golang-jwt/jwt/v5"
)

// LatestAuthVersion is what a hub's /hub_info advertises; clients then send
// v1 tokens.
const LatestAuthVersion = "v1"

// HubInfo is a hub's /hub_info answer.
type HubInfo struct {
	ChallengeText     string  `json:"challenge_text"`
	LatestAuthVersion string  `json:"latest_auth_version"`
	MaxUploadMB       float64 `json:"max_file_upload_size_megabytes"`
	ReadURLPrefix     string  `json:"read_url_prefix"`
}

// Scope names (docs/gaia.md, "Tokens").
const (
	ScopePutFile               = "putFile"
	ScopePutFilePrefix         = "putFilePrefix"
	ScopeDeleteFile            = "deleteFile"
	ScopeDeleteFilePrefix      = "deleteFilePrefix"
	ScopePutFileArchival       = "putFileArchival"
	ScopePutFileArchivalPrefix = "putFileArchivalPrefix"
)

// ChallengeText is the text a token must carry (v1) or sign (legacy):
// JSON.stringify(["gaiahub","0",serverName,"blockstack_storage_please_sign"]).
func ChallengeText(serverName string) string { return challenge("0", serverName) }

func challenge(span, serverName string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // JSON.stringify does not escape <, >, &
	_ = enc.Encode([]string{"gaiahub", span, serverName, "blockstack_storage_please_sign"})
	return strings.TrimSuffix(b.String(), "\n")
}

// AcceptedChallenges are the current text and the legacy "2018" and "2019"
// forms that older clients signed (B.3).
func AcceptedChallenges(serverName string) []string {
	return []string{challenge("0", serverName), challenge("2018", serverName), challenge("2019", serverName)}
}

// AddressFromPubKeyHex is the Gaia address of a public key: Bitcoin mainnet
// P2PKH of the key bytes exactly as given (compressed or not), after
// checking that they are a point on secp256k1.
func AddressFromPubKeyHex(pubHex string) (string, error) {
	raw, err := hex.DecodeString(pubHex)
	if err != nil {
		return "", fmt.Errorf("public key is not hex: %w", err)
	}
	if _, err := btcec.ParsePubKey(raw); err != nil {
		return "", fmt.Errorf("invalid public key: %w", err)
	}
	a, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(raw), &chaincfg.MainNetParams)
	if err != nil {
		return "", err
	}
	return a.EncodeAddress(), nil
}

// AddressFromKey is the Gaia address of a private key's compressed public
// key, as clients derive a bucket address from an app private key.
func AddressFromKey(k *btcec.PrivateKey) string {
	a, _ := AddressFromPubKeyHex(hex.EncodeToString(k.PubKey().SerializeCompressed()))
	return a
}

// Scope is one entry of a token's "scopes" claim.
type Scope struct {
	Scope  string `json:"scope"`
	Domain string `json:"domain"`
}

// TokenClaims is the payload of a v1 auth token and of an association
// token (which uses ChildToAssociate and the "undefined" challenge).
type TokenClaims struct {
	GaiaChallenge    string           `json:"gaiaChallenge"`
	Iss              string           `json:"iss"`
	Salt             string           `json:"salt,omitempty"`
	HubURL           string           `json:"hubUrl,omitempty"`
	AssociationToken string           `json:"associationToken,omitempty"`
	Scopes           []Scope          `json:"scopes,omitempty"`
	ChildToAssociate string           `json:"childToAssociate,omitempty"`
	ExpiresAt        *jwt.NumericDate `json:"exp,omitempty"`
	IssuedAt         *jwt.NumericDate `json:"iat,omitempty"`
}

// The jwt.Claims methods. The hub validates claims itself, in the
// reference hub's order, not through the jwt library.
func (c *TokenClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c *TokenClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt, nil }
func (c *TokenClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c *TokenClaims) GetIssuer() (string, error)                   { return c.Iss, nil }
func (c *TokenClaims) GetSubject() (string, error)                  { return "", nil }
func (c *TokenClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// TokenOptions are the optional claims of a v1 token.
type TokenOptions struct {
	HubURL           string
	AssociationToken string
	Scopes           []Scope
	// IssuedAt and ExpiresAt are left out when zero (blockstack.js sets
	// neither; a bucket with a revocation in force needs IssuedAt).
	IssuedAt, ExpiresAt time.Time
}

// NewV1Token makes the authPart of a v1 Authorization header,
// "v1:<ES256K JWT>", as @stacks/storage does: iss is the compressed public
// key, salt 16 random bytes in hex.
func NewV1Token(key *btcec.PrivateKey, challengeText string, opts TokenOptions) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	c := &TokenClaims{
		GaiaChallenge:    challengeText,
		Iss:              hex.EncodeToString(key.PubKey().SerializeCompressed()),
		Salt:             hex.EncodeToString(salt),
		HubURL:           opts.HubURL,
		AssociationToken: opts.AssociationToken,
		Scopes:           opts.Scopes,
		IssuedAt:         numericDate(opts.IssuedAt),
		ExpiresAt:        numericDate(opts.ExpiresAt),
	}
	s, err := jwt.NewWithClaims(SigningMethodES256K, c).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign v1 token: %w", err)
	}
	return "v1:" + s, nil
}

// NewAssociationToken lets the holder of child write to child's bucket on a
// hub that whitelists owner's address (B.6).
func NewAssociationToken(owner *btcec.PrivateKey, childPubHex string, issuedAt, expiresAt time.Time) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	c := &TokenClaims{
		GaiaChallenge:    "undefined", // String(undefined), as the reference helper writes
		Iss:              hex.EncodeToString(owner.PubKey().SerializeCompressed()),
		Salt:             hex.EncodeToString(salt),
		ChildToAssociate: childPubHex,
		IssuedAt:         numericDate(issuedAt),
		ExpiresAt:        numericDate(expiresAt),
	}
	s, err := jwt.NewWithClaims(SigningMethodES256K, c).SignedString(owner)
	if err != nil {
		return "", fmt.Errorf("sign association token: %w", err)
	}
	return s, nil
}

// LegacyToken is a v0 authPart before base64: a public key and its DER
// signature over SHA-256 of the challenge text, both in hex.
type LegacyToken struct {
	PublicKey string `json:"publickey"`
	Signature string `json:"signature"`
}

// NewLegacyToken makes a v0 authPart: base64 of a LegacyToken's JSON.
func NewLegacyToken(key *btcec.PrivateKey, challengeText string) string {
	h := sha256.Sum256([]byte(challengeText))
	tok := LegacyToken{hex.EncodeToString(key.PubKey().SerializeCompressed()), hex.EncodeToString(ecdsa.Sign(key, h[:]).Serialize())}
	b, _ := json.Marshal(tok)
	return base64.StdEncoding.EncodeToString(b)
}

func numericDate(t time.Time) *jwt.NumericDate {
	if t.IsZero() {
		return nil
	}
	return jwt.NewNumericDate(t)
}
