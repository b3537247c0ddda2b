package namedb

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// MarshalRecord must give encoding/json's bytes: stored records written by
// either must read and compare the same.
func TestMarshalRecordIsEncodingJSON(t *testing.T) {
	odd := []string{"", "alice.id", "quote\"d", `back\slash`, "<script>&", "tab\there", "\x00\x1f\x7f", "héllo",
		"\u2028\u2029", "bad \xff utf-8", "1HG8oa5YVeM2n6UtVeQBE1xT1N1ro7cDre", "76a914" + "00112233445566778899aabbccddeeff00112233" + "88ac"}
	pick := func(r *rand.Rand) string { return odd[r.IntN(len(odd))] }
	num := func(r *rand.Rand) int64 { return []int64{0, -1, 1, 7, 1 << 40, -1 << 62}[r.IntN(6)] }
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		recs := []any{
			&NameRecord{Name: pick(r), NamespaceID: pick(r), Address: pick(r), Sender: pick(r), ValueHash: pick(r),
				PreorderHash: pick(r), FirstRegistered: num(r), LastRenewed: num(r), ExpireBlock: num(r),
				Revoked: r.IntN(2) == 0, Imported: r.IntN(2) == 0, Op: pick(r), Txid: pick(r), Vtxindex: int(num(r)), BlockNumber: num(r)},
			&Preorder{PreorderHash: pick(r), Namespace: r.IntN(2) == 0, Address: pick(r), Sender: pick(r), Burn: num(r),
				BurnAddress: pick(r), ConsensusHash: pick(r), Block: num(r), Txid: pick(r), Vtxindex: int(num(r))},
			&NamespaceRecord{NamespaceID: pick(r), Buckets: [16]uint8{1, 2, 3}, Lifetime: 52595},
		}
		for _, rec := range recs {
			got, err := MarshalRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("record %d (%T):\n got %s\nwant %s", i, rec, got, want)
			}
		}
	}
}
