package statetree

import (
	"bytes"
	"fmt"
	"testing"
)

// FuzzProofDecode: any bytes either fail to decode or decode to a proof
// that encodes back to the same bytes (one encoding per proof), and whose
// verification, against any root, does not panic.
func FuzzProofDecode(f *testing.F) {
	tr := filled(300)
	for _, k := range []string{"k1", "k299", "absent", "k1x"} {
		pr := tr.Prove([]byte(k))
		b, _ := pr.MarshalBinary()
		f.Add(b)
	}
	root := tr.Root()
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Proof
		if p.UnmarshalBinary(b) != nil {
			return
		}
		again, err := p.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encoded %x as %x (%v)", b, again, err)
		}
		p.Verify(root, []byte("k1"))
	})
}

// FuzzOps: any sequence of sets and deletes over a few keys leaves the
// root the definition gives for the resulting set, and every key's proof
// verifies to the map's answer.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 0x81, 4, 0x82})
	f.Add([]byte{5, 5, 0x85, 5})
	f.Fuzz(func(t *testing.T, ops []byte) {
		tr, want := New(), map[Hash]Hash{}
		for i, op := range ops {
			k := []byte(fmt.Sprint(op & 0x1f))
			if op&0x80 != 0 {
				tr.Delete(k)
				delete(want, PathOf(k))
			} else {
				v := val(fmt.Sprint(i))
				tr.Set(k, v)
				want[PathOf(k)] = v
			}
		}
		root := tr.Root()
		if w := refRoot(want); root != w {
			t.Fatalf("root %x, the definition gives %x", root, w)
		}
		for k := range 32 {
			key := []byte(fmt.Sprint(k))
			pr := tr.Prove(key)
			v, ok, err := pr.Verify(root, key)
			w, had := want[PathOf(key)]
			if err != nil || ok != had || v != w {
				t.Fatalf("key %s: %x %v %v, want %x %v", key, v, ok, err, w, had)
			}
		}
	})
}
