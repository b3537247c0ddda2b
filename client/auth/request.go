package auth

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/client/internal/jws"
)

// Request is an authentication request's payload.
type Request struct {
	noTimes
	JTI                 string   `json:"jti"`
	IAT                 int64    `json:"iat"`
	EXP                 int64    `json:"exp"`
	ISS                 string   `json:"iss"`
	PublicKeys          []string `json:"public_keys"`
	DomainName          string   `json:"domain_name"`
	ManifestURI         string   `json:"manifest_uri"`
	RedirectURI         string   `json:"redirect_uri"`
	Version             string   `json:"version"`
	DoNotIncludeProfile bool     `json:"do_not_include_profile"`
	SupportsHubURL      bool     `json:"supports_hub_url"`
	Scopes              []string `json:"scopes"`
	// Extra holds the app's own parameters, members beyond the above.
	Extra map[string]any `json:"-"`
}

type requestJSON Request // without the methods below

// MarshalJSON writes the app's extra parameters, then the standard
// members.
func (r *Request) MarshalJSON() ([]byte, error) { return marshalMerged(r.Extra, (*requestJSON)(r)) }

// UnmarshalJSON reads the standard members and keeps the rest in Extra.
func (r *Request) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, (*requestJSON)(r)); err != nil {
		return err
	}
	extra, err := splitExtra(b, (*requestJSON)(r))
	r.Extra = extra
	return err
}

func (r *Request) keys() ([]string, string) { return r.PublicKeys, r.ISS }

// TransitPublicKey is the key the response's secrets are encrypted to.
func (r *Request) TransitPublicKey() (*btcec.PublicKey, error) {
	if len(r.PublicKeys) != 1 {
		return nil, fmt.Errorf("auth: request has %d public keys, want 1", len(r.PublicKeys))
	}
	k, _, err := ecies.ParsePublicKey(r.PublicKeys[0])
	return k, err
}

// RequestOptions are the choices of an authentication request.
type RequestOptions struct {
	// AppDomain is the app's origin, e.g. "https://notes.example".
	AppDomain string
	// ManifestURI and RedirectURI default to AppDomain + "/manifest.json"
	// and AppDomain + "/".
	ManifestURI, RedirectURI string
	// Scopes default to ["store_write"].
	Scopes []string
	// Now is the issue time (default time.Now); the request expires
	// ExpiresIn later (default one hour; @stacks/auth defaults to a month).
	Now       time.Time
	ExpiresIn time.Duration
	// Extra parameters for the authenticator.
	Extra map[string]any
}

// MakeRequest signs an authentication request with the app's transit key.
func MakeRequest(transit *btcec.PrivateKey, opts RequestOptions) (string, error) {
	origin := strings.TrimSuffix(opts.AppDomain, "/")
	if origin == "" {
		return "", errors.New("auth: request needs the app domain")
	}
	r := &Request{
		JTI: uuid4(), ISS: DID(transit.PubKey()),
		PublicKeys:  []string{hex.EncodeToString(transit.PubKey().SerializeCompressed())},
		DomainName:  origin,
		ManifestURI: opts.ManifestURI, RedirectURI: opts.RedirectURI,
		Version: Version, DoNotIncludeProfile: true, SupportsHubURL: true,
		Scopes: opts.Scopes, Extra: opts.Extra,
	}
	if r.ManifestURI == "" {
		r.ManifestURI = origin + "/manifest.json"
	}
	if r.RedirectURI == "" {
		r.RedirectURI = origin + "/"
	}
	if r.Scopes == nil {
		r.Scopes = []string{ScopeStoreWrite}
	}
	now, exp := opts.Now, opts.ExpiresIn
	if now.IsZero() {
		now = time.Now()
	}
	if exp == 0 {
		exp = time.Hour
	}
	r.IAT, r.EXP = now.Unix(), now.Add(exp).Unix()
	if !sameOrigin(r.DomainName, r.ManifestURI) || !sameOrigin(r.DomainName, r.RedirectURI) {
		return "", fmt.Errorf("%w: manifest %q, redirect %q for %q", ErrOrigin, r.ManifestURI, r.RedirectURI, r.DomainName)
	}
	return jws.Sign(r, transit)
}

// VerifyRequest runs the sign-in page's checks on an authentication
// request at time now, allowing leeway for clock skew: not expired, not
// issued in the future, signed by its single public key, iss that key's
// DID, manifest and redirect URIs of the app's origin.
func VerifyRequest(token string, now time.Time, leeway time.Duration) (*Request, error) {
	var r Request
	if _, err := parse(token, &r); err != nil {
		return nil, err
	}
	if err := checkTimes(r.IAT, r.EXP, now, leeway); err != nil {
		return nil, err
	}
	if !sameOrigin(r.DomainName, r.ManifestURI) {
		return nil, fmt.Errorf("%w: manifest_uri %q for %q", ErrOrigin, r.ManifestURI, r.DomainName)
	}
	if !sameOrigin(r.DomainName, r.RedirectURI) {
		return nil, fmt.Errorf("%w: redirect_uri %q for %q", ErrOrigin, r.RedirectURI, r.DomainName)
	}
	return &r, nil
}
