package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/client/internal/jws"
	"github.com/go-blockstack/go-blockstack/client/keychain"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// jsFixture is ../testdata/auth.json, written by @stacks/auth 7.6.0
// (testdata/js/fixtures.cjs); both tokens expire in 2100.
type jsFixture struct {
	TransitSK       string `json:"transitSK"`
	IdentitySK      string `json:"identitySK"`
	IdentityAddress string `json:"identityAddress"`
	AppSK           string `json:"appSK"`
	Request         string `json:"request"`
	Response        string `json:"response"`
}

func mustKey(t *testing.T, s string) *btcec.PrivateKey {
	t.Helper()
	k, err := ecies.ParsePrivateKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestJSTokens(t *testing.T) {
	data, err := os.ReadFile("../testdata/auth.json")
	if err != nil {
		t.Fatal(err)
	}
	var f jsFixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	req, err := VerifyRequest(f.Request, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if req.DomainName != "https://app.example.com" || strings.Join(req.Scopes, ",") != "store_write,publish_data" ||
		req.Version != Version || !req.SupportsHubURL || req.Extra["extra"] != "kept" || len(req.Extra) != 1 {
		t.Errorf("request %+v", req)
	}
	s := RestoreSession("https://app.example.com", mustKey(t, f.TransitSK))
	u, err := s.HandleResponse(f.Response, now)
	if err != nil {
		t.Fatal(err)
	}
	if ecies.PrivateKeyHex(u.AppPrivateKey) != f.AppSK || u.IdentityAddress != f.IdentityAddress ||
		u.Email != "alice@example.com" || u.HubURL != "https://hub.example" || u.Profile["name"] != "Alice" ||
		u.ProfileURL != "https://gaia.example/hub/1Id/profile.json" || u.BlockstackAPIURL != "https://core.example" {
		t.Errorf("user data %+v", u)
	}
	if _, err := s.HandleResponse(f.Response, now); !errors.Is(err, ErrReplay) {
		t.Errorf("replayed response: %v", err)
	}
	if _, err := RestoreSession("https://app.example.com", mustKey(t, f.AppSK)).HandleResponse(f.Response, now); !errors.Is(err, ecies.ErrWrongKey) {
		t.Errorf("response for another transit key: %v", err)
	}
	if _, err := VerifyRequest(f.Request, time.Date(2100, 1, 1, 0, 0, 1, 0, time.UTC), 0); !errors.Is(err, ErrExpired) {
		t.Errorf("expired request: %v", err)
	}
}

func TestSignIn(t *testing.T) {
	kc, err := keychain.New("devnet")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := kc.Identity(0)
	const origin = "https://notes.example"
	appKey, _ := id.AppPrivateKey(origin)
	t0 := time.Now()

	s, err := NewSession(origin)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"alice.id": id.GaiaAddress()}
	s.CheckName = func(name, addr string) error {
		if names[name] != addr {
			return errors.New("not the owner")
		}
		return nil
	}
	reqTok, err := s.Request(RequestOptions{Scopes: []string{ScopeStoreWrite, ScopeEmail}, Now: t0, Extra: map[string]any{"solicitGaiaHubUrl": true, "version": "9"}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := VerifyRequest(reqTok, t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if req.ManifestURI != origin+"/manifest.json" || req.RedirectURI != origin+"/" || req.EXP-req.IAT != 3600 ||
		req.Version != Version || req.Extra["solicitGaiaHubUrl"] != true || len(req.Extra) != 1 {
		t.Errorf("request %+v", req)
	}
	p := profile.NewPerson()
	p["name"] = "Alice"
	assoc, err := gaiaauth.NewAssociationToken(id.Key.PrivKey(), ecies.PublicKeyHex(appKey), t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	respond := func(username string, at time.Time) string {
		tok, err := MakeResponse(id.Key.PrivKey(), req, ResponseOptions{
			AppPrivateKey: appKey, Profile: p, Username: username, HubURL: "https://hub.example",
			AssociationToken: assoc, CoreToken: "core", Now: at,
		})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tok := respond("alice.id", t0)
	u, err := s.HandleResponse(tok, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !u.AppPrivateKey.Key.Equals(&appKey.Key) || u.IdentityAddress != id.GaiaAddress() || !u.NameVerified ||
		u.CoreToken != "core" || u.AssociationToken != assoc || u.Profile["name"] != "Alice" || u.Email != "" {
		t.Errorf("user data %+v", u)
	}
	if u.Response.Email != nil {
		t.Error("empty email not written as null")
	}

	// Forged and broken responses.
	other, _ := btcec.NewPrivateKey()
	parts := strings.Split(respond("", t0), ".")
	var payload map[string]any
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(b, &payload)
	forged := payload
	forged["public_keys"] = []string{ecies.PublicKeyHex(other)} // iss stays the identity's DID
	forgedTok, _ := jws.Sign(forged, other)
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"none"}`)) + "." + parts[1] + "."
	otherSession, _ := NewSession(origin)
	tests := []struct {
		name  string
		s     *Session
		token string
		at    time.Time
		want  error
	}{
		{"replay", s, tok, t0.Add(time.Minute), ErrReplay},
		{"expired", s, respond("", t0), t0.Add(2 * time.Hour), ErrExpired},
		{"issued in the future", s, respond("", t0.Add(time.Hour)), t0, ErrNotYetValid},
		{"other transit key", otherSession, respond("", t0), t0, ecies.ErrWrongKey},
		{"altered payload", s, parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(b), "hub.example", "evil.example", 1))) + "." + parts[2], t0, ErrSignature},
		{"iss of another key", s, forgedTok, t0, ErrIssuer},
		{"unsigned", s, none, t0, ErrSignature},
		{"name of someone else", s, respond("bob.id", t0), t0, nil},
	}
	for _, tt := range tests {
		_, err := tt.s.HandleResponse(tt.token, tt.at)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	// Leeway admits a small skew.
	s.Leeway = 2 * time.Minute
	if _, err := s.HandleResponse(respond("", t0.Add(time.Minute)), t0); err != nil {
		t.Errorf("with leeway: %v", err)
	}
}

func TestRequestOrigin(t *testing.T) {
	transit, _ := btcec.NewPrivateKey()
	if _, err := MakeRequest(transit, RequestOptions{AppDomain: "https://a.example", RedirectURI: "https://b.example/"}); !errors.Is(err, ErrOrigin) {
		t.Errorf("redirect to another origin: %v", err)
	}
	// A request signed by a permissive app library with a foreign redirect.
	now := time.Now()
	r := &Request{JTI: "x", IAT: now.Unix(), EXP: now.Add(time.Hour).Unix(), ISS: DID(transit.PubKey()),
		PublicKeys: []string{ecies.PublicKeyHex(transit)}, DomainName: "https://a.example",
		ManifestURI: "https://a.example/manifest.json", RedirectURI: "https://evil.example/", Version: Version}
	tok, _ := jws.Sign(r, transit)
	if _, err := VerifyRequest(tok, now, 0); !errors.Is(err, ErrOrigin) {
		t.Errorf("foreign redirect_uri: %v", err)
	}
	r.RedirectURI = "https://a.example/cb"
	r.PublicKeys = append(r.PublicKeys, r.PublicKeys[0])
	tok, _ = jws.Sign(r, transit)
	if _, err := VerifyRequest(tok, now, 0); err == nil {
		t.Error("two public keys accepted")
	}
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"https://a.example", "https://a.example/manifest.json", true},
		{"https://a.example", "https://A.EXAMPLE:443/x", true},
		{"http://a.example", "http://a.example:80/", true},
		{"http://localhost:3000", "http://localhost:3000/m.json", true},
		{"https://a.example", "http://a.example/", false},
		{"https://a.example", "https://a.example:8443/", false},
		{"https://a.example", "https://b.a.example/", false},
		{"https://a.example", "/manifest.json", false},
		{"https://a.example", "ftp://a.example/", false},
	}
	for _, tt := range tests {
		if got := sameOrigin(tt.a, tt.b); got != tt.same {
			t.Errorf("sameOrigin(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}
