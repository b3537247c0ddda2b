package ecies

import (
	"bytes"
	"encoding/hex"
	"maps"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
)

func sameObject(a, b object) bool {
	return maps.EqualFunc(a, b, func(x, y member) bool { return x.kind == y.kind && bytes.Equal(x.text(), y.text()) })
}

// TestParseObject checks the fast JSON path against encoding/json on the
// shapes it must handle and on ones it must hand over.
func TestParseObject(t *testing.T) {
	tests := []struct {
		in       string
		fast, ok bool // fast path answers; parse succeeds
	}{
		{`{}`, true, true},
		{` { "a" : "b" , "c":true,"d":false,"e":null } `, true, true},
		{"{\n\t\"a\":\"x\\\"y\\\\z\\/w\"\r\n}", true, true},
		{`{"a":"1","a":"2"}`, true, true},   // last wins, as JSON.parse
		{`{"A":"1","a":"2"}`, true, true},   // exact-case names
		{`{"a":"\u0041"}`, false, true},     // \u escapes: encoding/json
		{`{"a":"\n"}`, false, true},         // \n escape
		{`{"a":"é"}`, false, true},          // non-ASCII
		{`{"a":1}`, false, true},            // numbers: not a member we read
		{`{"a":{"b":"c"}}`, false, true},    // nested
		{"{\"a\":\"x\x01\"}", false, false}, // raw control character
		{`{"a":"b"`, false, false},          // unterminated
		{`{"a":"b"}x`, false, false},        // trailing data
		{`{"a":"b",}`, false, false},        // trailing comma
		{`{"a":tru}`, false, false},         // bad literal
		{`["a"]`, false, false},             // not an object
		{``, false, false},                  // empty
		{`{"a":"\x"}`, false, false},        // bad escape
		{"{\"a\":\"\xff\"}", false, true},   // invalid UTF-8: U+FFFD, as both JSON readers do
	}
	for _, tt := range tests {
		fast, fastOK := parseObjectFast([]byte(tt.in), false, false)
		slow, err := parseObjectSlow([]byte(tt.in))
		if fastOK != tt.fast || (err == nil) != tt.ok {
			t.Errorf("%q: fast=%v parsed=%v (%v), want fast=%v parsed=%v", tt.in, fastOK, err == nil, err, tt.fast, tt.ok)
		}
		if fastOK && !sameObject(fast, slow) {
			t.Errorf("%q: fast %v != encoding/json %v", tt.in, fast, slow)
		}
	}
	o, _, _ := parseObject([]byte(`{"a":"1","a":"2","A":"3"}`), false)
	if string(o["a"].text()) != "2" || string(o["A"].text()) != "3" {
		t.Errorf("duplicates and case: %v", o)
	}
}

func TestAppendString(t *testing.T) {
	in := "a\"b\\c/d<e>&f\x00\x1f\b\t\n\f\ré"
	want := `"a\"b\\c/d<e>&f\u0000\u001f\b\t\n\f\ré"` // JSON.stringify's output
	if got := string(appendString(nil, []byte(in))); got != want {
		t.Errorf("appendString = %s, want %s", got, want)
	}
	o, _, err := parseObject([]byte(`{"k":`+want+`}`), false)
	if err != nil || string(o["k"].text()) != in {
		t.Errorf("round trip %q, %v", o["k"].text(), err)
	}
}

// FuzzParseEnvelope parses arbitrary bytes as a signed envelope, a cipher
// object and a signature object: nothing may panic, the fast JSON path must
// agree with encoding/json whenever it answers, and whatever parses as a
// cipher object must write back to JSON that parses to the same object.
func FuzzParseEnvelope(f *testing.F) {
	pub, _, _ := ParsePublicKey(testPK)
	signer, _ := btcec.NewPrivateKey()
	for _, enc := range []Encoding{Hex, Base64} {
		c, _ := EncryptContent(pub, []byte("seed"), Options{Encoding: enc, WasString: true})
		f.Add(c)
		e, _ := EncryptAndSign(pub, signer, []byte("seed"), Options{Encoding: enc})
		f.Add(e)
	}
	f.Add(SignFile(signer, []byte("seed")))
	f.Add([]byte(`{"signature":"","publicKey":"","cipherText":"{\"iv\":\"\u0030\"}"}`))
	f.Add([]byte(`{"a":"\ud800","b":[1,{"c":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, fastOK := parseObjectFast(data, false, false)
		slow, err := parseObjectSlow(data)
		if fastOK && (err != nil || !sameObject(fast, slow)) {
			t.Fatalf("fast path %v disagrees with encoding/json %v (%v)", fast, slow, err)
		}
		if isPrintable(data) {
			fastP, okP := parseObjectFast(data, true, false)
			if okP != fastOK || (okP && !sameObject(fastP, fast)) {
				t.Fatalf("printable mode %v (%v) disagrees with the checking mode %v (%v)", fastP, okP, fast, fastOK)
			}
			// The same text as the escaped value of a string member.
			if q, ok := parseObjectFast(appendEscaped(nil, data), false, true); ok && (err != nil || !sameObject(q, slow)) {
				t.Fatalf("quoted mode %v disagrees with encoding/json %v (%v)", q, slow, err)
			}
		}
		if c, err := ParseCipherObject(data); err == nil {
			js, _ := c.MarshalJSON()
			c2, err := ParseCipherObject(js)
			if err != nil {
				t.Fatalf("re-parse of %s: %v", js, err)
			}
			js2, _ := c2.MarshalJSON()
			if !bytes.Equal(js, js2) {
				t.Fatalf("round trip changed %s to %s", js, js2)
			}
		}
		if e, err := ParseEnvelope(data); err == nil {
			_, _ = ParseCipherObject(e.CipherText)
			_ = e.Verify(e.CipherText, "1AotVNASQouiNiBtfxv49WWvSNcQUzGYuU")
		}
		_, _ = ParseSignature(data)
	})
}

func TestHex(t *testing.T) {
	for n := range 40 {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i*37 + n)
		}
		enc := appendHex([]byte("x"), src)
		if want := "x" + hex.EncodeToString(src); string(enc) != want {
			t.Fatalf("appendHex(%x) = %s", src, enc)
		}
		dst := make([]byte, n)
		if err := decodeHex(dst, bytes.ToUpper(enc[1:])); err != nil || !bytes.Equal(dst, src) {
			t.Fatalf("decodeHex(%s) = %x, %v", enc[1:], dst, err)
		}
		for i := 1; i < len(enc); i++ { // every position rejects a non-digit
			bad := bytes.Clone(enc[1:])
			bad[i-1] = 'g'
			if err := decodeHex(dst, bad); err == nil {
				t.Fatalf("decodeHex accepted %s", bad)
			}
		}
	}
	if err := decodeHex(make([]byte, 1), []byte("abc")); err == nil {
		t.Error("odd length accepted")
	}
}

func isPrintable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x80 {
			return false
		}
	}
	return true
}

// FuzzDecodeHex compares decodeHex with encoding/hex on arbitrary input.
func FuzzDecodeHex(f *testing.F) {
	f.Add([]byte("00ff10AbCdEf9a8b"))
	f.Add([]byte("0g"))
	f.Fuzz(func(t *testing.T, src []byte) {
		want, werr := hex.DecodeString(string(src))
		got := make([]byte, len(src)/2)
		err := decodeHex(got, src)
		if (err == nil) != (werr == nil) || (err == nil && !bytes.Equal(got, want)) {
			t.Fatalf("decodeHex(%q) = %x, %v; encoding/hex %x, %v", src, got, err, want, werr)
		}
	})
}

// TestManyEscapes: a long string of escapes parses in linear time (a scan
// for the closing quote per escape would take hours here).
func TestManyEscapes(t *testing.T) {
	body := bytes.Repeat([]byte(`\/`), 4<<20)
	data := append(append([]byte(`{"a":"`), body...), `"}`...)
	o, ok := parseObjectFast(data, false, false)
	if !ok || len(o["a"].text()) != 4<<20 {
		t.Fatalf("ok=%v", ok)
	}
	q, ok := parseObjectFast(appendEscaped(nil, data), false, true)
	if ok {
		t.Fatalf("quoted mode read inner escapes: %v", q)
	}
}
