package secpverify

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
)

// verifiers are the build's Verify and the btcec reference: without cgo
// they are the same code, with it every case is checked against both.
var verifiers = map[string]func(pub, hash, sig []byte) bool{
	"Verify": Verify,
	"btcec": func(pub, hash, sig []byte) bool {
		return len(hash) == 32 && len(sig) == 64 && verifyBtcec(pub, hash, sig)
	},
}

func key(t testing.TB, n uint64) *btcec.PrivateKey {
	t.Helper()
	var b [32]byte
	b[0] = 1
	binary.BigEndian.PutUint64(b[24:], n)
	k, _ := btcec.PrivKeyFromBytes(b[:])
	return k
}

// sign returns a low-s r‖s signature.
func sign(k *btcec.PrivateKey, hash []byte) []byte {
	return ecdsa.SignCompact(k, hash, true)[1:]
}

// highS turns r‖s into r‖(n−s).
func highS(sig []byte) []byte {
	var s btcec.ModNScalar
	s.SetByteSlice(sig[32:])
	out := append([]byte{}, sig[:32]...)
	b := s.Negate().Bytes()
	return append(out, b[:]...)
}

func with(b []byte, at int, v byte) []byte {
	out := append([]byte{}, b...)
	out[at] = v
	return out
}

// orderN is the group order n, big-endian.
var orderN = func() []byte {
	var minusOne btcec.ModNScalar
	minusOne.SetInt(1).Negate() // n − 1
	b := minusOne.Bytes()
	b[31]++ // n − 1 ends in 0x40: no carry
	return b[:]
}()

func TestVerify(t *testing.T) {
	k, other := key(t, 1), key(t, 2)
	h := sha256.Sum256([]byte("record"))
	sig := sign(k, h[:])
	comp, uncomp := k.PubKey().SerializeCompressed(), k.PubKey().SerializeUncompressed()
	hybrid := with(uncomp, 0, 6|comp[0]&1)
	r, s := sig[:32], sig[32:]
	cat := func(a, b []byte) []byte { return append(append([]byte{}, a...), b...) }
	for _, tc := range []struct {
		name           string
		pub, hash, sig []byte
		want           bool
	}{
		{"valid, compressed key", comp, h[:], sig, true},
		{"valid, uncompressed key", uncomp, h[:], sig, true},
		{"valid, hybrid key", hybrid, h[:], sig, true},
		{"high s", comp, h[:], highS(sig), true},
		{"high s, uncompressed key", uncomp, h[:], highS(sig), true},
		{"another key", other.PubKey().SerializeCompressed(), h[:], sig, false},
		{"another key, high s", other.PubKey().SerializeCompressed(), h[:], highS(sig), false},
		{"tampered hash", comp, with(h[:], 7, h[7]^1), sig, false},
		{"tampered r", comp, h[:], with(sig, 3, sig[3]^1), false},
		{"tampered s", comp, h[:], with(sig, 40, sig[40]^1), false},
		{"r zero", comp, h[:], cat(make([]byte, 32), s), false},
		{"s zero", comp, h[:], cat(r, make([]byte, 32)), false},
		{"r = n", comp, h[:], cat(orderN, s), false},
		{"s = n", comp, h[:], cat(r, orderN), false},
		{"r all ones", comp, h[:], cat(bytesOf(0xff, 32), s), false},
		{"s all ones", comp, h[:], cat(r, bytesOf(0xff, 32)), false},
		{"hybrid key, wrong parity", with(hybrid, 0, hybrid[0]^1), h[:], sig, false},
		{"compressed key, wrong parity", with(comp, 0, comp[0]^1), h[:], sig, false},
		{"key prefix 5", with(uncomp, 0, 5), h[:], sig, false},
		{"key off the curve", with(uncomp, 64, uncomp[64]^1), h[:], sig, false},
		{"x not on the curve", cat([]byte{2}, bytesOf(0, 31)), h[:], sig, false}, // x = 0: 7 is not a square mod p
		{"key x ≥ p", cat([]byte{2}, bytesOf(0xff, 32)), h[:], sig, false},
		{"short key", comp[:32], h[:], sig, false},
		{"empty key", nil, h[:], sig, false},
		{"DER signature", comp, h[:], append([]byte{0x30}, sig...), false},
		{"short signature", comp, h[:], sig[:63], false},
		{"short hash", comp, h[:31], sig, false},
	} {
		for name, v := range verifiers {
			if got := v(tc.pub, tc.hash, tc.sig); got != tc.want {
				t.Errorf("%s: %s = %v, want %v", tc.name, name, got, tc.want)
			}
		}
	}
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// FuzzVerify holds Verify to btcec on any input: the fuzzer mutates valid
// signatures, keys and hashes (go test -fuzz FuzzVerify).
func FuzzVerify(f *testing.F) {
	for i := range uint64(4) {
		k := key(f, i+1)
		h := sha256.Sum256([]byte{byte(i)})
		sig := sign(k, h[:])
		f.Add(k.PubKey().SerializeCompressed(), h[:], sig)
		f.Add(k.PubKey().SerializeUncompressed(), h[:], highS(sig))
	}
	f.Fuzz(func(t *testing.T, pub, hash, sig []byte) {
		want := len(hash) == 32 && len(sig) == 64 && verifyBtcec(pub, hash, sig)
		if got := Verify(pub, hash, sig); got != want {
			t.Errorf("Verify(%x, %x, %x) = %v, btcec says %v", pub, hash, sig, got, want)
		}
	})
}

// TestAgreesWithBtcec runs many signatures, valid and not, low and high s,
// through both verifiers.
func TestAgreesWithBtcec(t *testing.T) {
	for i := range uint64(200) {
		k := key(t, i+10)
		h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, i))
		sig := sign(k, h[:])
		switch i % 4 {
		case 1:
			sig = highS(sig)
		case 2:
			sig = with(sig, int(i%64), sig[i%64]^byte(1+i%255))
		case 3:
			h[i%32] ^= 0x80
		}
		pub := k.PubKey().SerializeCompressed()
		if i%5 == 0 {
			pub = k.PubKey().SerializeUncompressed()
		}
		want := verifyBtcec(pub, h[:], sig)
		if got := Verify(pub, h[:], sig); got != want {
			t.Errorf("case %d: Verify = %v, btcec %v", i, got, want)
		}
		if want != (i%4 < 2) {
			t.Errorf("case %d: btcec says %v", i, want)
		}
	}
}

// BenchmarkVerify is the build's verifier (libsecp256k1 with cgo),
// BenchmarkVerifyBtcec the pure Go one, both with a compressed key to
// parse as the subdomain indexer has.
func BenchmarkVerify(b *testing.B)      { benchVerify(b, Verify) }
func BenchmarkVerifyBtcec(b *testing.B) { benchVerify(b, verifyBtcec) }

func benchVerify(b *testing.B, verify func(pub, hash, sig []byte) bool) {
	k := key(b, 1)
	h := sha256.Sum256([]byte("record"))
	sig, pub := sign(k, h[:]), k.PubKey().SerializeCompressed()
	for b.Loop() {
		if !verify(pub, h[:], sig) {
			b.Fatal("does not verify")
		}
	}
}
