package subdomains

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// v1Vector is a record signed by Blockstack v1's make_subdomain_txt, as
// printed in blockstack-core's docs/subdomains.md (the "bar.foo.test"
// example, private key da1182…a501, compressed).
var v1Vector = struct {
	priv string
	sd   zonefile.Subdomain
}{
	priv: "da1182302fee950e64241a4103646992b1bed7f6c4ced858282e493d57df33a5",
	sd: zonefile.Subdomain{
		Name:  "bar",
		Owner: "1Jq3x8BAYz9Xy9AMfur5PXkDsWtmBBsNnC",
		Seq:   1,
		ZoneFile: mustB64("JE9SSUdJTiBiYXIKJFRUTCAzNjAwCl9odHRwLl90Y3AJSU4JVVJJCTEwCTEJImh0dHBzOi8vZ2FpYS5ibG9ja3N0YWNrLm9yZy9odWIv" +
			"MUpxM3g4QkFZejlYeTlBTWZ1cjVQWGtEc1d0bUJCc05uQy9wcm9maWxlLmpzb24iCgo="),
		Sig: "QEA+88Nh6pqkXI9x3UhjIepiWEOsnO+u1bOBgqy+YyjrYIEfbYc2Q8YUY2n8sIQUPEO2wRC39bHQHAw+amxzJfkhAxcC/fZ0kYIoRlh2xPLnYkLsa5k2fCtXqkJAtsAttt/V",
	},
}

func mustB64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func privKey(t testing.TB, hexKey string) *btcec.PrivateKey {
	t.Helper()
	b, err := hex.DecodeString(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := btcec.PrivKeyFromBytes(b)
	return k
}

// testKey is a deterministic key for tests.
func testKey(t testing.TB, n byte) *btcec.PrivateKey {
	t.Helper()
	b := make([]byte, 32)
	b[31], b[0] = n, 1
	k, _ := btcec.PrivKeyFromBytes(b)
	return k
}

func addrOf(t testing.TB, k Key, params *chaincfg.Params) string {
	t.Helper()
	a, err := k.Address(params)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestV1Vector(t *testing.T) {
	sd := v1Vector.sd
	if got, want := sd.SigningText()[:30], "bar,owner=1Jq3x8BAYz9Xy9AMfur5"; got != want {
		t.Fatalf("signing text starts %q, want %q", got, want)
	}
	signer := SingleKey{Priv: privKey(t, v1Vector.priv), Compressed: true}
	for _, params := range []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.RegressionNetParams} {
		if err := Verify(sd, addrOf(t, signer, params)); err != nil {
			t.Errorf("v1 record does not verify for its signer on %s: %v", params.Name, err)
		}
	}
	if err := Verify(sd, sd.Owner); !errors.Is(err, ErrWrongSigner) {
		t.Errorf("verified against the new owner: %v", err)
	}
	sd.Seq = 2
	if err := Verify(sd, addrOf(t, signer, &chaincfg.MainNetParams)); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("a changed record still verifies: %v", err)
	}
	// Our signature over the same record has the same shape: 64-byte r‖s,
	// then the compressed key.
	ours, err := Sign(v1Vector.sd, signer)
	if err != nil {
		t.Fatal(err)
	}
	a, b := mustB64(ours.Sig), mustB64(v1Vector.sd.Sig)
	if len(a) != len(b) || a[0] != b[0] || a[65] != b[65] || string(a[66:]) != string(b[66:]) {
		t.Errorf("our scriptSig %x differs in shape from v1's %x", a, b)
	}
}

func TestSignVerify(t *testing.T) {
	k1, k2, k3 := testKey(t, 1), testKey(t, 2), testKey(t, 3)
	redeem, err := MultisigScript(2, []*btcec.PublicKey{k1.PubKey(), k2.PubKey(), k3.PubKey()})
	if err != nil {
		t.Fatal(err)
	}
	sd := zonefile.Subdomain{Name: "alice", Owner: "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", Seq: 3, ZoneFile: []byte("$ORIGIN alice.foo.id\n")}
	for _, tc := range []struct {
		name string
		key  Key
	}{
		{"compressed", SingleKey{Priv: k1, Compressed: true}},
		{"uncompressed", SingleKey{Priv: k1}},
		{"2-of-3 keys 1,2", MultisigKey{RedeemScript: redeem, Privs: []*btcec.PrivateKey{k1, k2}}},
		{"2-of-3 keys 3,1", MultisigKey{RedeemScript: redeem, Privs: []*btcec.PrivateKey{k3, k1}}},
		{"2-of-3 all keys", MultisigKey{RedeemScript: redeem, Privs: []*btcec.PrivateKey{k3, k2, k1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed, err := Sign(sd, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(signed, addrOf(t, tc.key, &chaincfg.TestNet3Params)); err != nil {
				t.Errorf("does not verify: %v", err)
			}
			if err := Verify(signed, addrOf(t, SingleKey{Priv: k2, Compressed: true}, &chaincfg.MainNetParams)); !errors.Is(err, ErrWrongSigner) {
				t.Errorf("verifies for another owner: %v", err)
			}
			// The record round-trips through its TXT record.
			rec, err := signed.Record()
			if err != nil {
				t.Fatal(err)
			}
			back, err := zonefile.ParseSubdomain(rec)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(back, addrOf(t, tc.key, &chaincfg.MainNetParams)); err != nil {
				t.Errorf("parsed back, does not verify: %v", err)
			}
			changed := signed
			changed.Owner = "1111111111111111111114oLvT2"
			if err := Verify(changed, addrOf(t, tc.key, &chaincfg.MainNetParams)); !errors.Is(err, ErrInvalidSignature) {
				t.Errorf("a changed record: %v, want ErrInvalidSignature", err)
			}
		})
	}
	if _, err := Sign(sd, MultisigKey{RedeemScript: redeem, Privs: []*btcec.PrivateKey{k1}}); err == nil {
		t.Error("signed a 2-of-3 with one key")
	}
}

func TestVerifyMalformed(t *testing.T) {
	k1, k2 := testKey(t, 1), testKey(t, 2)
	sd := zonefile.Subdomain{Name: "alice", Owner: "x", Seq: 1}
	h := digest(sd)
	sig1, sig2 := compactSig(k1, h[:]), compactSig(k2, h[:])
	redeem, _ := MultisigScript(2, []*btcec.PublicKey{k1.PubKey(), k2.PubKey()})
	script := func(b *txscript.ScriptBuilder) string {
		s, err := b.Script()
		if err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(s)
	}
	single := SingleKey{Priv: k1, Compressed: true}
	multi := MultisigKey{RedeemScript: redeem}
	highS := append([]byte{}, sig1...)
	{ // s → N - s: still valid, as v1's verifier accepted
		var s btcec.ModNScalar
		s.SetByteSlice(highS[32:])
		s.Negate()
		b := s.Bytes()
		copy(highS[32:], b[:])
	}
	for _, tc := range []struct {
		name  string
		sig   string
		owner Key
		want  error
	}{
		{"none", "", single, ErrNoSignature},
		{"not base64", "!!", single, ErrMalformedSignature},
		{"one push", script(txscript.NewScriptBuilder().AddData(sig1)), single, ErrMalformedSignature},
		{"DER signature", script(txscript.NewScriptBuilder().AddData(append([]byte{0x30}, sig1...)).AddData(k1.PubKey().SerializeCompressed())), single, ErrMalformedSignature},
		{"bad key", script(txscript.NewScriptBuilder().AddData(sig1).AddData([]byte{2, 3})), single, ErrMalformedSignature},
		{"other key's signature", script(txscript.NewScriptBuilder().AddData(sig2).AddData(k1.PubKey().SerializeCompressed())), single, ErrInvalidSignature},
		{"high s", script(txscript.NewScriptBuilder().AddData(highS).AddData(k1.PubKey().SerializeCompressed())), single, nil},
		{"zero r", script(txscript.NewScriptBuilder().AddData(make([]byte, 64)).AddData(k1.PubKey().SerializeCompressed())), single, ErrMalformedSignature},
		{"multisig one signature short", script(txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(sig1).AddData(redeem)), multi, ErrMalformedSignature},
		{"multisig out of order", script(txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(sig2).AddData(sig1).AddData(redeem)), multi, ErrInvalidSignature},
		{"multisig same signature twice", script(txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(sig1).AddData(sig1).AddData(redeem)), multi, ErrInvalidSignature},
		{"multisig in order", script(txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(sig1).AddData(sig2).AddData(redeem)), multi, nil},
		{"multisig any first element", script(txscript.NewScriptBuilder().AddOp(txscript.OP_1).AddData(sig1).AddData(sig2).AddData(redeem)), multi, nil},
		{"multisig not a redeem script", script(txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(sig1).AddData(sig2).AddData([]byte{0x52, 0xae})), multi, ErrMalformedSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sd
			s.Sig = tc.sig
			err := Verify(s, addrOf(t, tc.owner, &chaincfg.MainNetParams))
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
	if err := Verify(sd, "not an address"); !errors.Is(err, ErrBadAddress) {
		t.Errorf("owner %q: %v", "not an address", err)
	}
}
