package consensus

import (
	"strings"
	"testing"
)

// Ops hash vectors computed independently of this code (the construction
// is in docs/bns.md, "Consensus hashes"); they are Blockstack v1's.
func TestOpsHashVectors(t *testing.T) {
	s1 := "?:40:3e2b5b3dd1f7f5b6a9b7bb0e3a1c4b0d2c8e7f61,32:d2c6a1b9e2cd4a2fe3e5c0c4d1b0a2f1"
	s2 := "+:8:alice.id,40:b100a68235244b012854a95f9114695679002af9"
	if got := SerializeOp('?', "3e2b5b3dd1f7f5b6a9b7bb0e3a1c4b0d2c8e7f61", "d2c6a1b9e2cd4a2fe3e5c0c4d1b0a2f1"); got != s1 {
		t.Fatalf("SerializeOp = %q, want %q", got, s1)
	}
	cases := []struct {
		name    string
		ops     []string
		opsHash string
	}{
		{"empty", nil, "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"},
		{"A", []string{s1}, "836a39ba5203e2542de23c4db0e6e549b1507546bd3d935373e2d38f4ee2e240"},
		{"B", []string{s1, s2}, "7ac735dff70548ca7b06ee630ad1db803dc6d54c0ca1c2c873bfd6708b699d68"},
	}
	for _, tc := range cases {
		if oh := OpsHash(tc.ops); oh != tc.opsHash {
			t.Errorf("%s: ops hash %s, want %s", tc.name, oh, tc.opsHash)
		}
	}
}

// Consensus hash (version 2) vectors, computed independently of this code
// from the definition in docs/bns.md.
func TestCommitmentVectors(t *testing.T) {
	const (
		bh1  = "0000000000000000000a1b2c3d4e5f60718293a4b5c6d7e8f900112233445566"
		bh2  = "00000000000000000001f2e3d4c5b6a798897a6b5c4d3e2f1000ffeeddccbbaa"
		oh1  = "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"
		oh2  = "836a39ba5203e2542de23c4db0e6e549b1507546bd3d935373e2d38f4ee2e240"
		root = "7283c14ed57fc2a2db10fe1141ebabaa93fd618cdd1373708d8dda2a91517585"
		p1   = "025f215224e0e9f6166fc8b4f96d587e"
		p2   = "22529581e37890b0455f40614d7ab898"
	)
	zero := strings.Repeat("0", 64)
	cases := []struct {
		name string
		c    Commitment
		want string
	}{
		{"first block", Commitment{Height: 100, BlockHash: bh1, OpsHash: oh1, StateRoot: zero}, "0c8169c061d2b18388700f4621eae5d2"},
		{"one prior", Commitment{Height: 101, BlockHash: bh2, OpsHash: oh2, StateRoot: root, Prior: []string{"0c8169c061d2b18388700f4621eae5d2"}}, "8b6af327b67267e0111f3021162a9d92"},
		{"two priors", Commitment{Height: 104, BlockHash: bh2, OpsHash: oh2, StateRoot: root, Prior: []string{p1, p2}}, "61af9c56f5391cae8b2d1040a0898f98"},
		// v1 sorted the prior hashes: their order did not count, which let a
		// node serve one block's hashes as another's. Here it does.
		{"two priors swapped", Commitment{Height: 104, BlockHash: bh2, OpsHash: oh2, StateRoot: root, Prior: []string{p2, p1}}, "fd00dfc10bc9181559aa44a29d73d74c"},
	}
	for _, tc := range cases {
		got, err := tc.c.Hash()
		if err != nil || got != tc.want {
			t.Errorf("%s: %s, %v; want %s", tc.name, got, err, tc.want)
		}
	}
}

// TestCommitmentRefusesBadFields: a field a node sent in another form is
// an error, not a hash of something else.
func TestCommitmentRefusesBadFields(t *testing.T) {
	good := Commitment{Height: 1, BlockHash: strings.Repeat("a", 64), OpsHash: strings.Repeat("b", 64), StateRoot: strings.Repeat("c", 64), Prior: []string{strings.Repeat("d", 32)}}
	if _, err := good.Hash(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*Commitment){
		"short block hash": func(c *Commitment) { c.BlockHash = c.BlockHash[2:] },
		"upper-case ops":   func(c *Commitment) { c.OpsHash = strings.Repeat("B", 64) },
		"not hex root":     func(c *Commitment) { c.StateRoot = strings.Repeat("g", 64) },
		"long prior":       func(c *Commitment) { c.Prior = []string{strings.Repeat("d", 64)} },
		"too many priors":  func(c *Commitment) { c.Prior = make([]string, 256) },
	} {
		c := good
		c.Prior = append([]string(nil), good.Prior...)
		mutate(&c)
		if _, err := c.Hash(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSkipHeights(t *testing.T) {
	got := SkipHeights(100, 80)
	want := []int64{99, 97, 93, 85}
	if len(got) != len(want) {
		t.Fatalf("SkipHeights(100, 80) = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("SkipHeights(100, 80) = %v, want %v", got, want)
		}
	}
}
