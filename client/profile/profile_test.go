package profile

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// jsFixture is ../testdata/profile.json, written by @stacks/profile 7.6.0
// (testdata/js/fixtures.cjs).
type jsFixture struct {
	IdentitySK      string `json:"identitySK"`
	IdentityPK      string `json:"identityPK"`
	IdentityAddress string `json:"identityAddress"`
	Tokens          []struct {
		Token string `json:"token"`
		HighS bool   `json:"highS"`
	} `json:"tokens"`
	ProfileFile string `json:"profileFile"`
}

func loadFixture(t *testing.T) jsFixture {
	t.Helper()
	data, err := os.ReadFile("../testdata/profile.json")
	if err != nil {
		t.Fatal(err)
	}
	var f jsFixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Tokens) != 2 || !f.Tokens[1].HighS {
		t.Fatal("fixture lacks a low-S and a high-S token")
	}
	return f
}

func TestJSTokens(t *testing.T) {
	f := loadFixture(t)
	testnet, _ := btcutil.DecodeAddress(f.IdentityAddress, &chaincfg.MainNetParams)
	tn, _ := btcutil.NewAddressPubKeyHash(testnet.ScriptAddress(), &chaincfg.TestNet3Params)
	other, _ := btcec.NewPrivateKey()
	for _, tok := range f.Tokens {
		for _, who := range []string{f.IdentityAddress, f.IdentityPK, tn.EncodeAddress()} {
			c, err := Verify(tok.Token, who)
			if err != nil {
				t.Fatalf("highS=%v against %s: %v", tok.HighS, who, err)
			}
			if c.Claim["name"] != "Alice Example" {
				t.Errorf("claim %v", c.Claim)
			}
			if iat, err := c.IssuedAt(); err != nil || !iat.Equal(time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC)) {
				t.Errorf("iat %v, %v", iat, err)
			}
			if u, ok := c.Claim.AppBucket("https://app.example.com"); !ok || u != "https://gaia.example/hub/1AppBucketAddr/" {
				t.Errorf("app bucket %q", u)
			}
		}
		if _, err := Verify(tok.Token, ecies.PublicKeyHex(other)); !errors.Is(err, ErrWrongIssuer) {
			t.Errorf("verified against another key: %v", err)
		}
	}
	// profile.json: the same bytes as JSON.stringify(..., null, 2).
	got, err := MakeFile(f.Tokens[0].Token)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != f.ProfileFile {
		t.Errorf("profile file\n%s\nwant\n%s", got, f.ProfileFile)
	}
	if _, err := ReadFile([]byte(f.ProfileFile), f.IdentityAddress); err != nil {
		t.Error(err)
	}
}

func TestSignVerify(t *testing.T) {
	key, _ := btcec.NewPrivateKey()
	pub := ecies.PublicKeyHex(key)
	addr, _ := btcutil.NewAddressPubKeyHash(btcutil.Hash160(key.PubKey().SerializeCompressed()), &chaincfg.MainNetParams)
	p := NewPerson()
	p["name"] = "Bob <&>"
	p["age"] = 42
	p.SetApp("https://notes.example", "https://hub.example/1Bucket", "02aa")
	now := time.Date(2030, 5, 6, 7, 8, 9, 123456789, time.UTC)
	tok, err := Sign(p, key, now, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Verify(tok, addr.EncodeAddress())
	if err != nil {
		t.Fatal(err)
	}
	if c.IAT != "2030-05-06T07:08:09.123Z" || c.EXP != "2031-05-06T07:08:09.123Z" || c.Subject.PublicKey != pub {
		t.Errorf("claims %+v", c)
	}
	if len(c.JTI) != 36 || c.JTI[14] != '4' {
		t.Errorf("jti %q", c.JTI)
	}
	if c.Claim["age"] != json.Number("42") || c.Claim["name"] != "Bob <&>" {
		t.Errorf("claim %v", c.Claim)
	}
	if u, _ := c.Claim.AppBucket("https://notes.example"); u != "https://hub.example/1Bucket/" {
		t.Errorf("bucket %q", u)
	}
	file, err := MakeFile(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(file), `"name": "Bob <&>"`) {
		t.Errorf("file escapes HTML or is not indented:\n%s", file)
	}

	parts := strings.Split(tok, ".")
	payload := func(edit func(map[string]any)) string {
		b, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var m map[string]any
		json.Unmarshal(b, &m)
		edit(m)
		b, _ = json.Marshal(m)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	resign := func(header, body string) string {
		// A token whose claims are checked before the signature.
		return header + "." + body + "." + parts[2]
	}
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"none"}`))
	tests := []struct {
		name, token string
		want        error
	}{
		{"altered claim", resign(parts[0], payload(func(m map[string]any) { m["claim"].(map[string]any)["name"] = "Eve" })), nil},
		{"no claim", resign(parts[0], payload(func(m map[string]any) { delete(m, "claim") })), nil},
		{"no subject", resign(parts[0], payload(func(m map[string]any) { delete(m, "subject") })), nil},
		{"no issuer", resign(parts[0], payload(func(m map[string]any) { delete(m, "issuer") })), nil},
		{"unsigned", none + "." + parts[1] + ".", nil},
		{"not a JWT", "abc", nil},
		{"wrong address", tok, ErrWrongIssuer},
	}
	for _, tt := range tests {
		want := addr.EncodeAddress()
		if tt.want != nil {
			want = "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"
		}
		_, err := Verify(tt.token, want)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if _, err := ReadFile([]byte(`[]`), pub); err == nil {
		t.Error("empty profile file read")
	}
}

func TestZoneFile(t *testing.T) {
	url := URL("https://gaia.example/hub", "1Id")
	if url != "https://gaia.example/hub/1Id/profile.json" {
		t.Fatalf("URL %s", url)
	}
	zf, err := ZoneFile("alice.id", url)
	if err != nil {
		t.Fatal(err)
	}
	want := "$ORIGIN alice.id\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"https://gaia.example/hub/1Id/profile.json\"\n"
	if string(zf) != want {
		t.Errorf("zone file\n%q\nwant\n%q", zf, want)
	}
	f, err := zonefile.Parse(zf)
	if err != nil || len(f.ProfileURLs()) != 1 || f.ProfileURLs()[0] != url {
		t.Errorf("parsed back: %v, %v", f, err)
	}
	if _, err := ZoneFile("alice.id", "gaia.example/profile.json"); err == nil {
		t.Error("relative profile URL accepted")
	}
}
