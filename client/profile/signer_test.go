package profile

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/client/internal/jws"
)

// p2pkh is the P2PKH address of hash160(pub) on params.
func p2pkh(t *testing.T, pub []byte, params *chaincfg.Params) string {
	t.Helper()
	a, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(pub), params)
	if err != nil {
		t.Fatal(err)
	}
	return a.EncodeAddress()
}

// TestIssuerMatches: a token verifies against its issuer's key in either
// encoding and against the P2PKH address of either encoding (mainnet, or
// testnet and regtest), whichever form the token carries the key in; it
// never verifies against another key's key or addresses, nor a P2SH
// address of the same hash.
func TestIssuerMatches(t *testing.T) {
	key, _ := btcec.NewPrivateKey()
	other, _ := btcec.NewPrivateKey()
	comp, uncomp := key.PubKey().SerializeCompressed(), key.PubKey().SerializeUncompressed()
	oComp, oUncomp := other.PubKey().SerializeCompressed(), other.PubKey().SerializeUncompressed()
	p2sh, err := btcutil.NewAddressScriptHashFromHash(btcutil.Hash160(comp), &chaincfg.MainNetParams)
	if err != nil {
		t.Fatal(err)
	}

	// Sign writes the compressed key, as every client does today; tokens
	// of 2016 may carry the key in either form, so sign one of those too.
	compressed, err := Sign(NewPerson(), key, time.Now(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	uh := hex.EncodeToString(uncomp)
	uncompressed, err := jws.Sign(&Claims{JTI: uuid4(), IAT: isoTime(time.Now()), EXP: isoTime(time.Now()),
		Subject: &KeyRef{uh}, Issuer: &KeyRef{uh}, Claim: NewPerson()}, key)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		desc string
		want string
		ok   bool
	}{
		{"compressed key", hex.EncodeToString(comp), true},
		{"uncompressed key", hex.EncodeToString(uncomp), true},
		{"compressed key, upper case", strings.ToUpper(hex.EncodeToString(comp)), true},
		{"compressed-key address, mainnet", p2pkh(t, comp, &chaincfg.MainNetParams), true},
		{"uncompressed-key address, mainnet", p2pkh(t, uncomp, &chaincfg.MainNetParams), true},
		{"compressed-key address, regtest", p2pkh(t, comp, &chaincfg.RegressionNetParams), true},
		{"uncompressed-key address, testnet", p2pkh(t, uncomp, &chaincfg.TestNet3Params), true},
		{"another key", hex.EncodeToString(oComp), false},
		{"another key, uncompressed", hex.EncodeToString(oUncomp), false},
		{"another key's compressed address", p2pkh(t, oComp, &chaincfg.MainNetParams), false},
		{"another key's uncompressed address", p2pkh(t, oUncomp, &chaincfg.MainNetParams), false},
		{"P2SH of the key's hash", p2sh.EncodeAddress(), false},
		{"not a key or an address", "alice.id", false},
	} {
		for form, tok := range map[string]string{"compressed": compressed, "uncompressed": uncompressed} {
			t.Run(tc.desc+"/token key "+form, func(t *testing.T) {
				_, err := Verify(tok, tc.want)
				switch {
				case tc.ok && err != nil:
					t.Fatalf("refused: %v", err)
				case !tc.ok && !errors.Is(err, ErrWrongIssuer):
					t.Fatalf("got %v, want ErrWrongIssuer", err)
				}
			})
		}
	}
}

// realData is ../shared/real-data beside the repository: data made by
// Blockstack v1 and its clients, which must not be copied in.
func realData(t *testing.T, name string) []byte {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "real-data", name)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("real v1 data %s is absent: this check of 2016 profiles against their owners needs ../shared/real-data beside the repository", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestRealProfileTokens verifies real profile tokens against what their
// names' owners are: ryan.id's profile of December 2016 is signed by the
// key whose uncompressed form hashes to the name's owner address
// 19MoWG8u88L6t766j7Vne21Mg4wHsCQ7vk, while the token carries the key
// compressed (blockstack.js resolveZoneFileToPerson test); the April 2016
// token verifies against its key and both of its addresses
// (testVerifyToken). vectors.json lists each case with its source.
func TestRealProfileTokens(t *testing.T) {
	var vectors struct {
		ProfileTokens []struct {
			ID         string `json:"id"`
			File       string `json:"file"`
			Token      string `json:"token"`
			VerifyWith string `json:"verify_with"`
			ExpectName string `json:"expect_name"`
		} `json:"profile_tokens"`
	}
	if err := json.Unmarshal(realData(t, "vectors.json"), &vectors); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, v := range vectors.ProfileTokens {
		seen[v.ID] = true
		t.Run(v.ID, func(t *testing.T) {
			token := v.Token
			if v.File != "" {
				var recs []struct {
					Token string `json:"token"`
				}
				if err := json.Unmarshal(realData(t, v.File), &recs); err != nil || len(recs) == 0 {
					t.Fatalf("%s: %v", v.File, err)
				}
				token = recs[0].Token
			}
			want := v.VerifyWith
			if want == "issuer" {
				want = issuerKey(t, token)
			}
			c, err := Verify(token, want)
			if err != nil {
				t.Fatalf("against %s: %v", want, err)
			}
			if v.ExpectName != "" && c.Claim["name"] != v.ExpectName {
				t.Errorf("name %v, want %q", c.Claim["name"], v.ExpectName)
			}
		})
	}
	if !seen["ryan.id-owner-address"] {
		t.Error("vectors.json no longer has ryan.id's 2016 token against its owner address")
	}
}

// issuerKey reads the issuer's public key from a token without checking it.
func issuerKey(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil || c.Issuer == nil {
		t.Fatalf("payload: %v", err)
	}
	return c.Issuer.PublicKey
}
