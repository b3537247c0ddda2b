package client_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/client/auth"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// node finds node and the installed packages of testdata/js. Outside CI
// (CI=false) their absence skips the test; in CI it fails it, since
// .ci/run installs them.
func node(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join("testdata", "js", "node_modules", "@stacks", "encryption"))
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or testdata/js/node_modules missing (run npm ci in client/testdata/js): %v", err)
		}
		t.Skipf("node or testdata/js/node_modules missing: %v", err)
	}
	return path
}

type artifact struct {
	Name      string `json:"name"`
	JSON      string `json:"json"`
	Plaintext string `json:"plaintext,omitempty"`
	WasString bool   `json:"wasString"`
}

// TestJavaScriptInterop hands what Go makes to @stacks/encryption,
// @stacks/profile and @stacks/auth (testdata/js/interop.cjs), which must
// accept all of it, and checks what they make in return.
func TestJavaScriptInterop(t *testing.T) {
	nodePath := node(t)
	recipient, _ := btcec.NewPrivateKey()
	signer, _ := btcec.NewPrivateKey()
	identity, _ := btcec.NewPrivateKey()
	appKey, _ := btcec.NewPrivateKey()
	const origin = "https://interop.example"
	plain := []byte("héllo from Go \x00\x01\xff <&> " + string(bytes.Repeat([]byte{'z'}, 5000)))

	var cipherObjects, envelopes []artifact
	for _, enc := range []ecies.Encoding{ecies.Hex, ecies.Base64} {
		for _, ws := range []bool{false, true} {
			pt := plain
			if ws {
				pt = []byte("a string ✓")
			}
			c, err := ecies.EncryptContent(recipient.PubKey(), pt, ecies.Options{Encoding: enc, WasString: ws})
			if err != nil {
				t.Fatal(err)
			}
			cipherObjects = append(cipherObjects, artifact{Name: string(enc) + map[bool]string{true: " string", false: " bytes"}[ws], JSON: string(c), Plaintext: hex.EncodeToString(pt), WasString: ws})
		}
		e, err := ecies.EncryptAndSign(recipient.PubKey(), signer, plain, ecies.Options{Encoding: enc})
		if err != nil {
			t.Fatal(err)
		}
		envelopes = append(envelopes, artifact{Name: "signed " + string(enc), JSON: string(e), Plaintext: hex.EncodeToString(plain)})
	}

	person := profile.NewPerson()
	person["name"] = "From Go <&>"
	tok, err := profile.Sign(person, identity, time.Now(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	file, err := profile.MakeFile(tok)
	if err != nil {
		t.Fatal(err)
	}

	session, _ := auth.NewSession(origin)
	reqTok, err := session.Request(auth.RequestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req, err := auth.VerifyRequest(reqTok, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	respTok, err := auth.MakeResponse(identity, req, auth.ResponseOptions{AppPrivateKey: appKey, Profile: person, HubURL: "https://hub.example"})
	if err != nil {
		t.Fatal(err)
	}

	type size struct {
		N         int            `json:"n"`
		WasString bool           `json:"wasString"`
		Sign      bool           `json:"sign"`
		Encoding  ecies.Encoding `json:"encoding"`
		Size      int            `json:"size"`
	}
	var sizes []size
	for _, n := range []int{0, 1, 15, 16, 17, 1000, 20 << 20} {
		for _, enc := range []ecies.Encoding{ecies.Hex, ecies.Base64} {
			for _, sign := range []bool{false, true} {
				for _, ws := range []bool{false, true} {
					sizes = append(sizes, size{n, ws, sign, enc, ecies.EncryptedSize(n, ws, sign, enc)})
				}
			}
		}
	}

	in := map[string]any{
		"recipientSK": ecies.PrivateKeyHex(recipient), "recipientPK": ecies.PublicKeyHex(recipient),
		"signerSK": ecies.PrivateKeyHex(signer), "signerAddress": gaiaauth.AddressFromKey(signer),
		"identitySK": ecies.PrivateKeyHex(identity), "appSK": ecies.PrivateKeyHex(appKey), "origin": origin,
		"plaintext":     hex.EncodeToString(plain),
		"cipherObjects": cipherObjects, "envelopes": envelopes, "sizes": sizes,
		"sigFile": map[string]string{"content": hex.EncodeToString(plain), "sig": string(ecies.SignFile(signer, plain))},
		"profile": map[string]string{"token": tok, "publicKey": ecies.PublicKeyHex(identity), "name": "From Go <&>", "file": string(file)},
		"auth":    map[string]string{"request": reqTok, "response": respTok, "transitSK": ecies.PrivateKeyHex(session.TransitKey()), "appSK": ecies.PrivateKeyHex(appKey)},
	}
	stdin, _ := json.Marshal(in)
	cmd := exec.Command(nodePath, "interop.cjs")
	cmd.Dir = filepath.Join("testdata", "js")
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node interop.cjs: %v\n%s", err, stderr.Bytes())
	}
	var res struct {
		Verdicts []struct {
			Name, Detail string
			OK           bool
		}
		Made struct {
			CipherObjects []artifact `json:"cipherObjects"`
			Envelopes     []artifact `json:"envelopes"`
			Sig           string     `json:"sig"`
			ProfileToken  string     `json:"profileToken"`
			Auth          struct {
				TransitSK, Request, Response string
			} `json:"auth"`
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node output: %v\n%s", err, out)
	}
	// Go → JS: every check the JavaScript side ran must hold.
	if len(res.Verdicts) < 2*len(cipherObjects)+4*len(envelopes)+len(sizes)+7 {
		t.Fatalf("only %d verdicts from node", len(res.Verdicts))
	}
	for _, v := range res.Verdicts {
		if !v.OK {
			t.Errorf("JS rejected Go's %s (%s)", v.Name, v.Detail)
		}
	}

	// JS → Go.
	for _, c := range res.Made.CipherObjects {
		pt, ws, err := ecies.DecryptContent(recipient, []byte(c.JSON))
		if err != nil || !bytes.Equal(pt, plain) || ws {
			t.Errorf("%s: %q, %v", c.Name, pt, err)
		}
	}
	for _, e := range res.Made.Envelopes {
		pt, _, err := ecies.VerifyAndDecrypt(recipient, []byte(e.JSON), gaiaauth.AddressFromKey(signer))
		if err != nil || !bytes.Equal(pt, plain) {
			t.Errorf("%s: %v", e.Name, err)
		}
	}
	if err := ecies.VerifyFile(plain, []byte(res.Made.Sig), gaiaauth.AddressFromKey(signer)); err != nil {
		t.Errorf("JS .sig: %v", err)
	}
	if string(ecies.SignFile(signer, plain)) != res.Made.Sig {
		t.Errorf("signECDSA and SignFile differ:\n%s\n%s", res.Made.Sig, ecies.SignFile(signer, plain))
	}
	if c, err := profile.Verify(res.Made.ProfileToken, gaiaauth.AddressFromKey(identity)); err != nil || c.Claim["name"] != "From JS" {
		t.Errorf("JS profile token: %v", err)
	}
	transit, err := ecies.ParsePrivateKey(res.Made.Auth.TransitSK)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.VerifyRequest(res.Made.Auth.Request, time.Now(), time.Minute); err != nil {
		t.Errorf("JS auth request: %v", err)
	}
	u, err := auth.RestoreSession(origin, transit).HandleResponse(res.Made.Auth.Response, time.Now())
	if err != nil || !u.AppPrivateKey.Key.Equals(&appKey.Key) {
		t.Errorf("JS auth response: %v", err)
	}
}
