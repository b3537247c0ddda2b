package statetree

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// refRoot is the root of a set of entries (path → value), computed from
// the construction's definition, with none of Tree's machinery.
func refRoot(entries map[Hash]Hash) Hash {
	paths := make([]Hash, 0, len(entries))
	for p := range entries {
		paths = append(paths, p)
	}
	var sub func(ps []Hash, depth int) Hash
	sub = func(ps []Hash, depth int) Hash {
		switch len(ps) {
		case 0:
			return Hash{}
		case 1:
			v := entries[ps[0]]
			return leafHash(&ps[0], &v)
		}
		var l, r []Hash
		for _, p := range ps {
			if bit(&p, depth) == 0 {
				l = append(l, p)
			} else {
				r = append(r, p)
			}
		}
		lh, rh := sub(l, depth+1), sub(r, depth+1)
		return nodeHash(&lh, &rh)
	}
	return sub(paths, 0)
}

func val(s string) Hash { return sha256.Sum256([]byte(s)) }

// TestMatchesDefinition: after any sequence of sets and deletes, the root
// is the definition's root of the resulting set (so it depends on the set
// alone), Get and Len agree with a plain map, and the slots of deleted
// entries are reused.
func TestMatchesDefinition(t *testing.T) {
	for _, tc := range []struct {
		keys, ops int
		seed      uint64
	}{{1, 10, 1}, {2, 50, 2}, {3, 100, 3}, {50, 2000, 4}, {1000, 20000, 5}} {
		t.Run(fmt.Sprintf("%d keys", tc.keys), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(tc.seed, tc.seed))
			tr, want := New(), map[string]Hash{}
			for i := range tc.ops {
				k := fmt.Sprint(rng.IntN(tc.keys))
				if rng.IntN(3) == 0 {
					_, had := want[k]
					if tr.Delete([]byte(k)) != had {
						t.Fatalf("op %d: Delete(%s) disagrees with the map", i, k)
					}
					delete(want, k)
				} else {
					v := val(fmt.Sprint(i))
					tr.Set([]byte(k), v)
					want[k] = v
				}
				if i%97 == 0 || i == tc.ops-1 {
					byPath := map[Hash]Hash{}
					for k, v := range want {
						byPath[PathOf([]byte(k))] = v
					}
					if got, w := tr.Root(), refRoot(byPath); got != w {
						t.Fatalf("op %d: root %x, the definition gives %x", i, got, w)
					}
				}
			}
			if tr.Len() != len(want) {
				t.Fatalf("Len %d, want %d", tr.Len(), len(want))
			}
			for k := range tc.keys {
				v, ok := tr.Get([]byte(fmt.Sprint(k)))
				if w, had := want[fmt.Sprint(k)]; ok != had || v != w {
					t.Fatalf("Get(%d) = %x %v, want %x %v", k, v, ok, w, had)
				}
			}
			if live := len(tr.leaves) - len(tr.freeLeafs); live != len(want) {
				t.Fatalf("%d live leaf slots for %d entries", live, len(want))
			}
		})
	}
}

// TestOrderIndependence: the same set built in two orders has one root.
func TestOrderIndependence(t *testing.T) {
	keys := make([]string, 5000)
	for i := range keys {
		keys[i] = fmt.Sprintf("name%d.id", i)
	}
	a, b := New(), New()
	for _, k := range keys {
		a.Set([]byte(k), val(k))
	}
	slices.Reverse(keys)
	for _, k := range keys {
		b.Set([]byte(k), val("x"))
		b.Set([]byte(k), val(k))
	}
	if a.Root() != b.Root() {
		t.Fatalf("roots differ: %x %x", a.Root(), b.Root())
	}
}

// TestVectors pins the construction (docs/state-commitment.md gives the
// same vectors): any change to hashing, bit order or compression fails
// here.
func TestVectors(t *testing.T) {
	tr := New()
	if r := tr.Root(); r != (Hash{}) {
		t.Fatalf("empty root %x", r)
	}
	steps := []struct {
		key, value string // value "" deletes
		root       string
	}{
		// Computed by a separate implementation of the definition (a dozen
		// lines of Python's hashlib), not by this package.
		{"alice.id", "a", "6fda9662064565237c25647f8da41bd3dfe9628741c643f5af633f049b8719ce"},
		{"bob.id", "b", "6bd94e01133dd2a79af693229748dc97bd0456497bb98b32c6a616a292de27fe"},
		{"carol.id", "c", "7283c14ed57fc2a2db10fe1141ebabaa93fd618cdd1373708d8dda2a91517585"},
		{"bob.id", "", "119d5a9d6afcaf3faab1830080294ed5dc61a9f8f394c84d5da787a9a5c0f21b"},
	}
	for _, s := range steps {
		if s.value == "" {
			tr.Delete([]byte(s.key))
		} else {
			tr.Set([]byte(s.key), val(s.value))
		}
		r := tr.Root()
		if got := hex.EncodeToString(r[:]); got != s.root {
			t.Errorf("after %s=%q: root %s, want %s", s.key, s.value, got, s.root)
		}
	}
}

// TestBuild: Build gives the tree that setting the entries one by one
// gives (a repeated key keeping its last value), and the result takes
// further updates.
func TestBuild(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 1000} {
		var es []Entry
		one := New()
		for i := range n {
			k := fmt.Sprintf("k%d", i)
			es = append(es, Entry{[]byte(k), val("old")}, Entry{[]byte(k), val(k)})
			one.Set([]byte(k), val(k))
		}
		b := Build(es)
		if b.Root() != one.Root() || b.Len() != n {
			t.Fatalf("%d entries: Build root %x (%d entries), one by one %x", n, b.Root(), b.Len(), one.Root())
		}
		b.Set([]byte("new"), val("new"))
		one.Set([]byte("new"), val("new"))
		b.Delete([]byte("k0"))
		one.Delete([]byte("k0"))
		if b.Root() != one.Root() {
			t.Fatalf("%d entries: after updates the roots differ", n)
		}
	}
}

// TestProofVectors pins the wire format of proofs, each end of it (the
// same vectors are in docs/state-commitment.md; a separate Python
// verifier of the format accepted them).
func TestProofVectors(t *testing.T) {
	tr := New()
	for _, k := range []string{"alice.id", "bob.id", "carol.id"} {
		tr.Set([]byte(k), val(k[:1]))
	}
	root := tr.Root()
	if got := hex.EncodeToString(root[:]); got != "7283c14ed57fc2a2db10fe1141ebabaa93fd618cdd1373708d8dda2a91517585" {
		t.Fatalf("root %s", got)
	}
	for key, want := range map[string]string{
		"bob.id": "01010003606fda9662064565237c25647f8da41bd3dfe9628741c643f5af633f049b8719ce3fd9459f62dcc7ad2d3ee4a328980e06b84509d2" +
			"8f0bb728897beeeff522f4d23e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d",
		"dave.id": "01020001800f122566f8c945988b155bb88350f61c853823e8aabdd2aa47922dd4bd5d3adf",
		"zed.id": "01030003606fda9662064565237c25647f8da41bd3dfe9628741c643f5af633f049b8719ce3fd9459f62dcc7ad2d3ee4a328980e06b84509d2" +
			"8f0bb728897beeeff522f4d22bac457893c9d60e8f92e1eb5d3591dbed0feeb96abe700cdd642114745e843b3e23e8160039594a33894f6564e1b" +
			"1348bbd7a0088d42c4acb73eeaed59c009d",
	} {
		pr := tr.Prove([]byte(key))
		raw, err := pr.MarshalBinary()
		if err != nil || hex.EncodeToString(raw) != want {
			t.Errorf("proof of %s: %x %v, want %s", key, raw, err, want)
		}
	}
}
