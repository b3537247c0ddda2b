// Package profile makes and checks Blockstack profiles: the signed profile
// token (an ES256K JWT whose claim is a schema.org Person), the
// profile.json file of token records that an identity keeps in its Gaia
// bucket, and the zone file whose _http._tcp URI record points to that file
// (docs/client-formats.md, "Profiles and zone files").
//
// It owns the token and file formats and their verification against an
// owner's public key or address. It must not touch the network, Gaia or
// BNS: fetching profile.json, resolving a name's owner and publishing the
// zone file are the callers' (the lookup path's) business. The zone file
// text itself comes from package zonefile (NewProfile, File.Format).
//
// # Facts checked against @stacks/profile 7.6.0 and jsontokens 4.0.1
//
//   - signProfileToken's payload is {jti: UUIDv4, iat, exp, subject:
//     {publicKey}, issuer: {publicKey}, claim}, with iat and exp ISO 8601
//     strings (Date.toISOString, milliseconds, "Z"), not JWT numeric dates;
//     exp defaults to a year after iat. The public keys are compressed hex.
//   - The token is compact JWS ES256K: signature r‖s (64 bytes, base64url)
//     over SHA-256 of the signing input. jsontokens signs with canonical:
//     false, so about half of its signatures have a high S; they verify
//     here. Tokens are made and read by client/internal/jws, which writes
//     them as jsontokens does.
//   - verifyProfileToken requires subject.publicKey, issuer.publicKey and
//     claim, accepts the issuer's public key or address, and does not look
//     at exp; Verify does the same (IssuedAt and ExpiresAt are there for
//     callers that want a policy). 7.x compares the address in its Stacks
//     (c32) form, blockstack.js in Bitcoin form; BNS v1 owners are Bitcoin
//     addresses, so Verify takes a P2PKH address (mainnet, or testnet and
//     regtest, which share a version byte) and compares its hash160 with
//     the key's, compressed or uncompressed, as blockstack.js 19 does.
//   - profile.json is JSON.stringify([{token, decodedToken: {header,
//     payload, signature}}], null, 2); MakeFile writes the same bytes.
//   - A profile lists an app's bucket as apps[origin] = bucket URL with a
//     trailing slash and appsMeta[origin] = {storage, publicKey}
//     (@stacks/wallet-sdk makeAuthResponse with the publish_data scope).
package profile

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/go-blockstack/go-blockstack/client/internal/jws"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/golang-jwt/jwt/v5"
)

// Person is a profile claim: a schema.org Person as JSON, kept as a map so
// that members this package does not know survive a round trip.
type Person map[string]any

// NewPerson is the empty profile wallets start from.
func NewPerson() Person {
	return Person{"@type": "Person", "@context": "http://schema.org"}
}

// SetApp lists the app at origin with its Gaia bucket URL (read URL
// prefix + bucket address + "/") and its app public key, in apps and
// appsMeta, as wallets do when an app asks for publish_data.
func (p Person) SetApp(origin, bucketURL, appPublicKey string) {
	if !strings.HasSuffix(bucketURL, "/") {
		bucketURL += "/"
	}
	apps, _ := p["apps"].(map[string]any)
	if apps == nil {
		apps = map[string]any{}
		p["apps"] = apps
	}
	apps[origin] = bucketURL
	meta, _ := p["appsMeta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		p["appsMeta"] = meta
	}
	meta[origin] = map[string]any{"storage": bucketURL, "publicKey": appPublicKey}
}

// AppBucket is the bucket URL the profile lists for the app at origin
// (apps first, as @stacks/storage reads it, then appsMeta.storage).
func (p Person) AppBucket(origin string) (string, bool) {
	if apps, ok := p["apps"].(map[string]any); ok {
		if u, ok := apps[origin].(string); ok && u != "" {
			return u, true
		}
	}
	if meta, ok := p["appsMeta"].(map[string]any); ok {
		if m, ok := meta[origin].(map[string]any); ok {
			if u, ok := m["storage"].(string); ok && u != "" {
				return u, true
			}
		}
	}
	return "", false
}

// Apps are the app origins the profile lists a bucket for (in apps or
// appsMeta), sorted.
func (p Person) Apps() []string {
	seen := map[string]bool{}
	for _, key := range []string{"apps", "appsMeta"} {
		m, _ := p[key].(map[string]any)
		for origin := range m {
			seen[origin] = true
		}
	}
	var origins []string
	for origin := range seen {
		if _, ok := p.AppBucket(origin); ok {
			origins = append(origins, origin)
		}
	}
	slices.Sort(origins)
	return origins
}

// KeyRef is the subject and issuer of a profile token.
type KeyRef struct {
	PublicKey string `json:"publicKey"`
}

// Claims is a profile token's payload, in signProfileToken's member order.
type Claims struct {
	JTI      string  `json:"jti"`
	IAT      string  `json:"iat"`
	EXP      string  `json:"exp"`
	Subject  *KeyRef `json:"subject"`
	Issuer   *KeyRef `json:"issuer"`
	Claim    Person  `json:"claim"`
	hasClaim bool
}

// UnmarshalJSON records whether the claim member is present at all, which
// verifyProfileToken requires.
func (c *Claims) UnmarshalJSON(b []byte) error {
	type plain Claims
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep the claim's numbers as written
	if err := dec.Decode((*plain)(c)); err != nil {
		return err
	}
	_, c.hasClaim = probe["claim"]
	return nil
}

// The jwt.Claims methods: the times are ISO strings that golang-jwt does
// not read, and Verify applies no time rule (see the package doc).
func (c *Claims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (c *Claims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c *Claims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c *Claims) GetIssuer() (string, error)                   { return "", nil }
func (c *Claims) GetSubject() (string, error)                  { return "", nil }
func (c *Claims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// IssuedAt parses iat.
func (c *Claims) IssuedAt() (time.Time, error) { return time.Parse(time.RFC3339Nano, c.IAT) }

// ExpiresAt parses exp.
func (c *Claims) ExpiresAt() (time.Time, error) { return time.Parse(time.RFC3339Nano, c.EXP) }

// isoTime is Date.toISOString.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Sign makes a profile token for p signed by key (the identity key that
// owns the name), issued at issuedAt and expiring at expiresAt (the zero
// time means a year after issuedAt, signProfileToken's default).
func Sign(p Person, key *btcec.PrivateKey, issuedAt, expiresAt time.Time) (string, error) {
	if p == nil {
		return "", errors.New("profile: nil claim")
	}
	if expiresAt.IsZero() {
		expiresAt = issuedAt.AddDate(1, 0, 0)
	}
	pub := hex.EncodeToString(key.PubKey().SerializeCompressed())
	c := &Claims{
		JTI: uuid4(), IAT: isoTime(issuedAt), EXP: isoTime(expiresAt),
		Subject: &KeyRef{pub}, Issuer: &KeyRef{pub}, Claim: p,
	}
	s, err := jws.Sign(c, key)
	if err != nil {
		return "", fmt.Errorf("profile: sign token: %w", err)
	}
	return s, nil
}

// uuid4 is a random RFC 4122 version 4 UUID, as makeUUID4 writes.
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

// ErrWrongIssuer is wrapped by Verify's error when the token is signed by
// a key other than the expected one.
var ErrWrongIssuer = errors.New("profile: token issuer does not match")

// Verify checks a profile token: subject, issuer and claim present, the
// issuer's key matching publicKeyOrAddress (see keyMatches), and the
// signature made by that key. It returns the token's claims.
func Verify(token, publicKeyOrAddress string) (*Claims, error) {
	var c Claims
	_, err := jws.Parse(token, &c, func(*jwt.Token) (any, error) {
		switch {
		case c.Subject == nil || c.Subject.PublicKey == "":
			return nil, errors.New("token has no subject public key")
		case c.Issuer == nil || c.Issuer.PublicKey == "":
			return nil, errors.New("token has no issuer public key")
		case !c.hasClaim:
			return nil, errors.New("token has no claim")
		}
		raw, err := hex.DecodeString(c.Issuer.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("issuer public key: %w", err)
		}
		pub, err := btcec.ParsePubKey(raw)
		if err != nil {
			return nil, fmt.Errorf("issuer public key: %w", err)
		}
		if !keyMatches(pub, publicKeyOrAddress) {
			return nil, fmt.Errorf("%w: issuer %s, want %s", ErrWrongIssuer, c.Issuer.PublicKey, publicKeyOrAddress)
		}
		return pub, nil
	})
	if err != nil {
		return nil, fmt.Errorf("profile: verify token: %w", err)
	}
	return &c, nil
}

// keyMatches is the one rule for "this key signed for that owner", used by
// every check of a profile's signer (the lookup path reads profiles only
// through ReadFile and Verify). want is a public key in hex, either
// encoding, or a P2PKH address of mainnet or of testnet and regtest (which
// share a version byte; our devnet's owners are those); the address may be
// the hash of the key's compressed or of its uncompressed encoding,
// whichever the token carries. Names registered in 2016 are owned by the
// hash of the uncompressed key, while their profile tokens carry it
// compressed; blockstack.js's verifyProfileToken accepts the key, its
// compressed address and its uncompressed address for that reason.
func keyMatches(pub *btcec.PublicKey, want string) bool {
	if raw, err := hex.DecodeString(want); err == nil {
		if k, err := btcec.ParsePubKey(raw); err == nil {
			return k.IsEqual(pub)
		}
	}
	hash, version, err := base58.CheckDecode(want)
	if err != nil || len(hash) != 20 {
		return false
	}
	if version != chaincfg.MainNetParams.PubKeyHashAddrID && version != chaincfg.TestNet3Params.PubKeyHashAddrID {
		return false
	}
	return bytes.Equal(hash, btcutil.Hash160(pub.SerializeCompressed())) ||
		bytes.Equal(hash, btcutil.Hash160(pub.SerializeUncompressed()))
}

// Record is one entry of a profile file.
type Record struct {
	Token        string  `json:"token"`
	DecodedToken Decoded `json:"decodedToken"`
}

// Decoded is a token's parts as decodeToken returns them; header and
// payload are kept as they were signed, so their member order survives.
type Decoded struct {
	Header    json.RawMessage `json:"header"`
	Payload   json.RawMessage `json:"payload"`
	Signature string          `json:"signature"`
}

// MakeFile writes profile.json for tokens, byte for byte as
// JSON.stringify(tokens.map(wrapProfileToken), null, 2).
func MakeFile(tokens ...string) ([]byte, error) {
	recs := make([]Record, len(tokens))
	for i, t := range tokens {
		parts := strings.Split(t, ".")
		if len(parts) != 3 {
			return nil, fmt.Errorf("profile: token %d is not a compact JWS", i)
		}
		var d Decoded
		for j, dst := range []*json.RawMessage{&d.Header, &d.Payload} {
			b, err := base64.RawURLEncoding.DecodeString(parts[j])
			if err != nil || !json.Valid(b) {
				return nil, fmt.Errorf("profile: token %d part %d is not base64url JSON", i, j)
			}
			*dst = b
		}
		d.Signature = parts[2]
		recs[i] = Record{Token: t, DecodedToken: d}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // JSON.stringify leaves <, > and & alone
	enc.SetIndent("", "  ")
	if err := enc.Encode(recs); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ReadFile verifies the first token of a profile file against the owner's
// public key or address and returns its claims. Readers use the first
// record, as @stacks/profile and wallet-sdk do.
func ReadFile(data []byte, publicKeyOrAddress string) (*Claims, error) {
	var recs []struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(data, &recs); err != nil {
		return nil, fmt.Errorf("profile: file is not a JSON array of token records: %w", err)
	}
	if len(recs) == 0 || recs[0].Token == "" {
		return nil, errors.New("profile: file holds no token")
	}
	return Verify(recs[0].Token, publicKeyOrAddress)
}

// FileName is the profile file's name in the identity's bucket.
const FileName = "profile.json"

// URL is where an identity's profile file is read: the hub's read URL
// prefix (ending in "/"), the identity's Gaia address, "/profile.json".
func URL(readURLPrefix, identityAddress string) string {
	if !strings.HasSuffix(readURLPrefix, "/") {
		readURLPrefix += "/"
	}
	return readURLPrefix + identityAddress + "/" + FileName
}

// ZoneFile is the zone file text for name (e.g. "alice.id") that points to
// the profile file at profileURL: $ORIGIN, $TTL 3600 and the _http._tcp
// URI record (makeProfileZoneFile), as package zonefile prints it.
func ZoneFile(name, profileURL string) ([]byte, error) {
	f, err := zonefile.NewProfile(name, profileURL)
	if err != nil {
		return nil, err
	}
	return f.Format()
}
