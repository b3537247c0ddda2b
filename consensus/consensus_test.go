package consensus

import "testing"

// Consensus hash vectors computed independently of this code (the
// construction is in docs/bns.md, "Consensus hashes").
func TestConsensusHashVectors(t *testing.T) {
	s1 := "?:40:3e2b5b3dd1f7f5b6a9b7bb0e3a1c4b0d2c8e7f61,32:d2c6a1b9e2cd4a2fe3e5c0c4d1b0a2f1"
	s2 := "+:8:alice.id,40:b100a68235244b012854a95f9114695679002af9"
	if got := SerializeOp('?', "3e2b5b3dd1f7f5b6a9b7bb0e3a1c4b0d2c8e7f61", "d2c6a1b9e2cd4a2fe3e5c0c4d1b0a2f1"); got != s1 {
		t.Fatalf("SerializeOp = %q, want %q", got, s1)
	}
	cases := []struct {
		name         string
		ops, prior   []string
		ops_hash, ch string
	}{
		{"empty", nil, nil, "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456", "2a9148d8b13939723d2aca16c75c6d68"},
		{"A", []string{s1}, nil, "836a39ba5203e2542de23c4db0e6e549b1507546bd3d935373e2d38f4ee2e240", "025f215224e0e9f6166fc8b4f96d587e"},
		{"B", []string{s1, s2}, []string{"025f215224e0e9f6166fc8b4f96d587e"}, "7ac735dff70548ca7b06ee630ad1db803dc6d54c0ca1c2c873bfd6708b699d68", "22529581e37890b0455f40614d7ab898"},
	}
	for _, tc := range cases {
		oh := OpsHash(tc.ops)
		if oh != tc.ops_hash {
			t.Errorf("%s: ops hash %s, want %s", tc.name, oh, tc.ops_hash)
		}
		if ch := ConsensusHash(oh, tc.prior); ch != tc.ch {
			t.Errorf("%s: consensus hash %s, want %s", tc.name, ch, tc.ch)
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
