package devchain

import (
	"slices"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// TestFitBlockSkipsWhatDoesNotFit: block assembly passes over a
// transaction that would overflow the block, and the ones spending it, and
// still takes the later ones that fit.
func TestFitBlockSkipsWhatDoesNotFit(t *testing.T) {
	// tx spends prev with one output of a script making it about size bytes.
	tx := func(prev wire.OutPoint, size int) *wire.MsgTx {
		m := wire.NewMsgTx(wire.TxVersion)
		m.AddTxIn(wire.NewTxIn(&prev, nil, nil))
		m.AddTxOut(wire.NewTxOut(1000, make([]byte, size-60)))
		return m
	}
	coin := func(i byte) wire.OutPoint { return wire.OutPoint{Hash: chainhash.Hash{i}} }
	var big []*wire.MsgTx // eleven of 95,000 bytes: ten fill a block
	for i := range 11 {
		big = append(big, tx(coin(byte(i)), 95_000))
	}
	small := tx(coin(100), 200)
	child := tx(wire.OutPoint{Hash: big[10].TxHash()}, 200)

	cases := []struct {
		name string
		pool []*wire.MsgTx
		want []*wire.MsgTx
	}{
		{"all fit", []*wire.MsgTx{big[0], small}, []*wire.MsgTx{big[0], small}},
		{"one that overflows is skipped, a later one that fits is taken",
			append(slices.Clone(big), small), append(slices.Clone(big[:10]), small)},
		{"a spend of a skipped transaction waits with it",
			append(slices.Clone(big), child, small), append(slices.Clone(big[:10]), small)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := fitBlock(tc.pool)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("block holds %d transactions, want %d", len(got), len(tc.want))
			}
		})
	}
}
