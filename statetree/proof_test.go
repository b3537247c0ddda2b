package statetree

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// filled is a tree of n entries "k0".."k{n-1}" valued val(key).
func filled(n int) *Tree {
	t := New()
	for i := range n {
		k := fmt.Sprintf("k%d", i)
		t.Set([]byte(k), val(k))
	}
	return t
}

// TestProofs: every present key proves its value, absent keys prove
// absence (at an empty subtree and at another key's leaf), each through
// the wire format; and a proof that is tampered with, or used for another
// key or root, is refused.
func TestProofs(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 100, 2000} {
		t.Run(fmt.Sprintf("%d entries", n), func(t *testing.T) {
			tr := filled(n)
			root := tr.Root()
			ends := map[End]int{}
			check := func(key string, want Hash, present bool) {
				t.Helper()
				pr := tr.Prove([]byte(key))
				ends[pr.End]++
				raw, err := pr.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				var back Proof
				if err := back.UnmarshalBinary(raw); err != nil {
					t.Fatalf("%s: decoding its proof: %v", key, err)
				}
				v, ok, err := back.Verify(root, []byte(key))
				if err != nil || ok != present || v != want {
					t.Fatalf("%s: Verify = %x %v %v, want %x %v", key, v, ok, err, want, present)
				}
				if len(back.Siblings) > 0 {
					bad := back
					bad.Siblings = append([]Hash(nil), back.Siblings...)
					bad.Siblings[0][0] ^= 1
					if _, _, err := bad.Verify(root, []byte(key)); !errors.Is(err, ErrInvalid) {
						t.Fatalf("%s: a changed sibling verified: %v", key, err)
					}
				}
				if present {
					bad := back
					bad.Value[0] ^= 1
					if _, _, err := bad.Verify(root, []byte(key)); !errors.Is(err, ErrInvalid) {
						t.Fatalf("%s: another value verified: %v", key, err)
					}
					bad = back
					bad.End = EndEmpty
					if _, _, err := bad.Verify(root, []byte(key)); !errors.Is(err, ErrInvalid) {
						t.Fatalf("%s: a present key proved absent: %v", key, err)
					}
				}
				if _, ok, err := back.Verify(root, []byte(key+"x")); err == nil && ok {
					t.Fatalf("%s: its proof verified another key as present", key)
				}
				other := root
				other[31] ^= 1
				if _, _, err := back.Verify(other, []byte(key)); !errors.Is(err, ErrInvalid) {
					t.Fatalf("%s: verified against another root: %v", key, err)
				}
			}
			for i := range n {
				k := fmt.Sprintf("k%d", i)
				check(k, val(k), true)
			}
			for i := range 200 {
				check(fmt.Sprintf("absent%d", i), Hash{}, false)
			}
			if n >= 100 && (ends[EndEmpty] == 0 || ends[EndOther] == 0) {
				t.Fatalf("absence proofs did not end both ways: %v", ends)
			}
		})
	}
}

// TestProofDecodingRefuses: encodings other than the canonical one, and
// truncated or oversized ones, are refused.
func TestProofDecodingRefuses(t *testing.T) {
	tr := filled(100)
	pr := tr.Prove([]byte("k7"))
	good, _ := pr.MarshalBinary()
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for name, b := range map[string][]byte{
		"empty":         nil,
		"version 2":     mut(func(b []byte) []byte { b[0] = 2; return b }),
		"end 0":         mut(func(b []byte) []byte { b[1] = 0; return b }),
		"end 4":         mut(func(b []byte) []byte { b[1] = 4; return b }),
		"depth 257":     mut(func(b []byte) []byte { b[2], b[3] = 1, 1; return b }),
		"truncated":     good[:len(good)-1],
		"trailing byte": append(append([]byte(nil), good...), 0),
		"zero sibling":  mut(func(b []byte) []byte { clear(b[4+(len(pr.Siblings)+7)/8:][:32]); return b }),
		"padding bit set": mut(func(b []byte) []byte {
			if len(pr.Siblings)%8 == 0 {
				b[3] -= 1 // depth one less: the last bitmap bit becomes padding
			}
			b[4+(len(pr.Siblings)+7)/8-1] |= 1
			return b
		}),
	} {
		var p Proof
		if err := p.UnmarshalBinary(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	var p Proof
	if err := p.UnmarshalBinary(good); err != nil {
		t.Fatal(err)
	}
	again, _ := p.MarshalBinary()
	if !bytes.Equal(again, good) {
		t.Fatal("decode then encode changed the bytes")
	}
}
