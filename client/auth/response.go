package auth

import (
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/client/internal/jws"
	"github.com/go-blockstack/go-blockstack/client/profile"
)

// Response is an authentication response's payload, in @stacks/auth 7.x's
// member order (username placed as blockstack.js did). Optional members
// are written as null when empty, as JavaScript writes them.
type Response struct {
	noTimes
	JTI                         string         `json:"jti"`
	IAT                         int64          `json:"iat"`
	EXP                         int64          `json:"exp"`
	ISS                         string         `json:"iss"`
	PrivateKey                  *string        `json:"private_key"`
	PublicKeys                  []string       `json:"public_keys"`
	AppPrivateKeyFromWalletSalt *string        `json:"appPrivateKeyFromWalletSalt"`
	Profile                     profile.Person `json:"profile"`
	Username                    *string        `json:"username"`
	CoreToken                   *string        `json:"core_token"`
	Email                       *string        `json:"email"`
	ProfileURL                  *string        `json:"profile_url"`
	HubURL                      *string        `json:"hubUrl"`
	BlockstackAPIURL            *string        `json:"blockstackAPIUrl"`
	AssociationToken            *string        `json:"associationToken"`
	Version                     string         `json:"version"`
}

func (r *Response) keys() ([]string, string) { return r.PublicKeys, r.ISS }

// ResponseOptions are what the identity side puts in a response.
type ResponseOptions struct {
	// AppPrivateKey is the user's key for the requesting app
	// (keychain.Identity.AppPrivateKey of the request's domain_name).
	AppPrivateKey *btcec.PrivateKey
	Profile       profile.Person
	// Username is the user's BNS name, if any; ProfileURL where the profile
	// file is; HubURL the user's Gaia hub (write endpoint).
	Username, Email, ProfileURL, HubURL, BlockstackAPIURL string
	// AssociationToken lets the app key write on a hub that whitelists the
	// identity (gaiaauth.NewAssociationToken).
	AssociationToken string
	// CoreToken is encrypted to the transit key like the app key.
	CoreToken string
	// Now is the issue time (default time.Now); the response expires
	// ExpiresIn later (default one hour; @stacks/auth defaults to a month).
	Now       time.Time
	ExpiresIn time.Duration
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// MakeResponse answers a verified request: signed with the identity key,
// the app private key encrypted to the request's transit key.
func MakeResponse(identity *btcec.PrivateKey, req *Request, opts ResponseOptions) (string, error) {
	if opts.AppPrivateKey == nil {
		return "", errors.New("auth: response needs the app private key")
	}
	transit, err := req.TransitPublicKey()
	if err != nil {
		return "", err
	}
	now, exp := opts.Now, opts.ExpiresIn
	if now.IsZero() {
		now = time.Now()
	}
	if exp == 0 {
		exp = time.Hour
	}
	appKey, err := encryptSecret(transit, ecies.PrivateKeyHex(opts.AppPrivateKey))
	if err != nil {
		return "", fmt.Errorf("auth: encrypt app key: %w", err)
	}
	r := &Response{
		JTI: uuid4(), IAT: now.Unix(), EXP: now.Add(exp).Unix(), ISS: DID(identity.PubKey()),
		PrivateKey: &appKey,
		PublicKeys: []string{hex.EncodeToString(identity.PubKey().SerializeCompressed())},
		Profile:    opts.Profile, Username: optional(opts.Username),
		Email: optional(opts.Email), ProfileURL: optional(opts.ProfileURL), HubURL: optional(opts.HubURL),
		BlockstackAPIURL: optional(opts.BlockstackAPIURL), AssociationToken: optional(opts.AssociationToken),
		Version: Version,
	}
	if opts.CoreToken != "" {
		ct, err := encryptSecret(transit, opts.CoreToken)
		if err != nil {
			return "", fmt.Errorf("auth: encrypt core token: %w", err)
		}
		r.CoreToken = &ct
	}
	return jws.Sign(r, identity)
}

// UserData is what an app learns from a verified response.
type UserData struct {
	// IdentityAddress is the address in the response's DID: the user's
	// identity (Gaia) address.
	IdentityAddress string
	DecentralizedID string
	AppPrivateKey   *btcec.PrivateKey
	// Username is the BNS name the response claims; NameVerified says that
	// Session.CheckName confirmed it belongs to IdentityAddress.
	Username                                                                 string
	NameVerified                                                             bool
	Profile                                                                  profile.Person
	Email, ProfileURL, HubURL, BlockstackAPIURL, AssociationToken, CoreToken string
	// Response is the whole payload.
	Response *Response
}

// Session is an app's side of sign-in: it holds the transit key of its
// requests and accepts each response once.
type Session struct {
	// AppDomain is the app's origin.
	AppDomain string
	// Leeway allows for clock skew in the expiry checks.
	Leeway time.Duration
	// CheckName, if set, confirms that a response's username is owned by
	// its identity address (a BNS lookup: the name's owner, or the profile
	// listing the key). Without it usernames are returned unverified.
	CheckName func(username, identityAddress string) error

	transit *btcec.PrivateKey
	mu      sync.Mutex
	seen    map[string]time.Time // accepted jti → its expiry
}

// NewSession makes a session with a fresh transit key.
func NewSession(appDomain string) (*Session, error) {
	k, err := btcec.NewPrivateKey()
	if err != nil {
		return nil, fmt.Errorf("auth: transit key: %w", err)
	}
	return &Session{AppDomain: appDomain, transit: k, seen: map[string]time.Time{}}, nil
}

// TransitKey is the session's transit private key (to keep the session
// across a redirect).
func (s *Session) TransitKey() *btcec.PrivateKey { return s.transit }

// RestoreSession is NewSession with a saved transit key.
func RestoreSession(appDomain string, transit *btcec.PrivateKey) *Session {
	return &Session{AppDomain: appDomain, transit: transit, seen: map[string]time.Time{}}
}

// Request makes a signed authentication request for the session.
func (s *Session) Request(opts RequestOptions) (string, error) {
	opts.AppDomain = s.AppDomain
	return MakeRequest(s.transit, opts)
}

// HandleResponse verifies a response at time now: not expired, not issued
// in the future, signed by its single public key, iss that key's DID, its
// jti not accepted before in this session; then decrypts the app private
// key (and core token) with the transit key. A key encrypted to another
// transit key gives an error matching ecies.ErrWrongKey.
func (s *Session) HandleResponse(token string, now time.Time) (*UserData, error) {
	var r Response
	if _, err := parse(token, &r); err != nil {
		return nil, err
	}
	if err := checkTimes(r.IAT, r.EXP, now, s.Leeway); err != nil {
		return nil, err
	}
	if r.JTI == "" {
		return nil, fmt.Errorf("auth: response has no jti")
	}
	if r.PrivateKey == nil {
		return nil, errors.New("auth: response carries no app private key")
	}
	keyHex, err := decryptSecret(s.transit, *r.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("auth: app private key: %w", err)
	}
	appKey, err := ecies.ParsePrivateKey(keyHex)
	if err != nil {
		return nil, fmt.Errorf("auth: app private key: %w", err)
	}
	addr, err := AddressFromDID(r.ISS)
	if err != nil {
		return nil, err
	}
	u := &UserData{
		IdentityAddress: addr, DecentralizedID: r.ISS, AppPrivateKey: appKey,
		Profile: r.Profile, Response: &r,
		Username: deref(r.Username), Email: deref(r.Email), ProfileURL: deref(r.ProfileURL),
		HubURL: deref(r.HubURL), BlockstackAPIURL: deref(r.BlockstackAPIURL), AssociationToken: deref(r.AssociationToken),
	}
	if r.CoreToken != nil {
		if u.CoreToken, err = decryptSecret(s.transit, *r.CoreToken); err != nil {
			return nil, fmt.Errorf("auth: core token: %w", err)
		}
	}
	if u.Username != "" && s.CheckName != nil {
		if err := s.CheckName(u.Username, addr); err != nil {
			return nil, fmt.Errorf("auth: username %q: %w", u.Username, err)
		}
		u.NameVerified = true
	}
	// Accept the jti last, so that a response refused above can be retried.
	if err := s.accept(r.JTI, time.Unix(r.EXP, 0).Add(s.Leeway), now); err != nil {
		return nil, err
	}
	return u, nil
}

// accept records jti until it expires, refusing one seen before. Expired
// entries are dropped: their tokens fail the expiry check anyway.
func (s *Session) accept(jti string, until, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.seen {
		if now.After(t) {
			delete(s.seen, k)
		}
	}
	if _, dup := s.seen[jti]; dup {
		return fmt.Errorf("%w (jti %s)", ErrReplay, jti)
	}
	s.seen[jti] = until
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
