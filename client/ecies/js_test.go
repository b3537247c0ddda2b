package ecies

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// jsFixture is ../testdata/ecies.json, written by @stacks/encryption 7.6.0
// (testdata/js/fixtures.cjs).
type jsFixture struct {
	RecipientSK   string `json:"recipientSK"`
	SignerSK      string `json:"signerSK"`
	SignerAddress string `json:"signerAddress"`
	Objects       []struct {
		Name      string `json:"name"`
		JSON      string `json:"json"`
		Plaintext string `json:"plaintext"`
		WasString bool   `json:"wasString"`
		Signed    bool   `json:"signed"`
	} `json:"objects"`
	Signature struct {
		Content string `json:"content"`
		Sig     string `json:"sig"`
	} `json:"signature"`
}

func loadJSFixture(t *testing.T) jsFixture {
	t.Helper()
	data, err := os.ReadFile("../testdata/ecies.json")
	if err != nil {
		t.Fatal(err)
	}
	var f jsFixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Objects) == 0 {
		t.Fatal("no objects in the fixture")
	}
	return f
}

// TestJSFixtures decrypts what @stacks/encryption encrypted (hex and
// base64, strings and bytes, plain and signed) and checks that Go writes a
// signature object byte-identical to signECDSA's.
func TestJSFixtures(t *testing.T) {
	f := loadJSFixture(t)
	priv, err := ParsePrivateKey(f.RecipientSK)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range f.Objects {
		var pt []byte
		var ws bool
		if o.Signed {
			pt, ws, err = VerifyAndDecrypt(priv, []byte(o.JSON), f.SignerAddress)
		} else {
			pt, ws, err = DecryptContent(priv, []byte(o.JSON))
			// Go writes the object back byte for byte as JSON.stringify did.
			c, perr := ParseCipherObject([]byte(o.JSON))
			if perr != nil {
				t.Fatalf("%s: %v", o.Name, perr)
			}
			if js, _ := c.MarshalJSON(); string(js) != o.JSON {
				t.Errorf("%s: rewritten as\n%s\nwant\n%s", o.Name, js, o.JSON)
			}
		}
		if err != nil {
			t.Errorf("%s: %v", o.Name, err)
			continue
		}
		if hexString(pt) != o.Plaintext || ws != o.WasString {
			t.Errorf("%s: plain text %x (wasString %v), want %s (%v)", o.Name, pt, ws, o.Plaintext, o.WasString)
		}
	}

	signer, err := ParsePrivateKey(f.SignerSK)
	if err != nil {
		t.Fatal(err)
	}
	content := []byte(f.Signature.Content)
	if got := SignFile(signer, content); !bytes.Equal(got, []byte(f.Signature.Sig)) {
		t.Errorf("signature object\n%s\nsignECDSA wrote\n%s", got, f.Signature.Sig)
	}
	if err := VerifyFile(content, []byte(f.Signature.Sig), f.SignerAddress); err != nil {
		t.Errorf("verify signECDSA's signature: %v", err)
	}
}
