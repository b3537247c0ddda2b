package spv

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// block makes a block of n distinct transactions whose header carries
// their Merkle root.
func block(n int) *wire.MsgBlock {
	var b wire.MsgBlock
	txs := make([]*btcutil.Tx, n)
	for i := range n {
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: uint32(i)}, []byte(fmt.Sprintf("tx %d of a test block", i)), nil))
		tx.AddTxOut(wire.NewTxOut(int64(i), []byte{0x51}))
		b.Transactions = append(b.Transactions, tx)
		txs[i] = btcutil.NewTx(tx)
	}
	tree := blockchain.BuildMerkleTreeStore(txs, false)
	b.Header.MerkleRoot = *tree[len(tree)-1]
	return &b
}

// TestTxProofs: every transaction of blocks of 1 to 17 transactions
// proves its place through the wire format; another transaction, another
// index, a changed or shortened branch, and an index past the block's end
// (posing as the duplicate Bitcoin pairs an odd last node with) do not.
func TestTxProofs(t *testing.T) {
	for n := 1; n <= 17; n++ {
		b := block(n)
		for i := range n {
			p, err := ProveTx(b, i)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := p.MarshalBinary()
			var q TxProof
			if err := q.UnmarshalBinary(raw); err != nil {
				t.Fatal(err)
			}
			if err := q.VerifyTx(&b.Header, b.Transactions[i]); err != nil {
				t.Fatalf("%d of %d: %v", i, n, err)
			}
			refuse := func(what string, p TxProof, tx *wire.MsgTx) {
				t.Helper()
				if err := p.VerifyTx(&b.Header, tx); !errors.Is(err, ErrInvalidProof) {
					t.Errorf("%d of %d, %s: %v", i, n, what, err)
				}
			}
			if n > 1 {
				refuse("another transaction", q, b.Transactions[(i+1)%n])
				other := q
				other.Index = uint32((i + 1) % n)
				refuse("another index", other, b.Transactions[i])
				changed := q
				changed.Branch = append([]chainhash.Hash(nil), q.Branch...)
				changed.Branch[0][0] ^= 1
				refuse("a changed branch", changed, b.Transactions[i])
				short := q
				short.Branch = q.Branch[:len(q.Branch)-1]
				refuse("a short branch", short, b.Transactions[i])
			}
			past := q
			past.Index = uint32(n)
			refuse("an index past the end", past, b.Transactions[i])
		}
		if n%2 == 1 && n > 1 {
			// The last transaction, proved as the copy Bitcoin pairs it
			// with: index n in a block of n+1.
			p, _ := ProveTx(b, n-1)
			p.Index, p.Total = uint32(n), uint32(n+1)
			if err := p.VerifyTx(&b.Header, b.Transactions[n-1]); err == nil {
				t.Errorf("%d: the duplicated last transaction verified at index %d", n, n)
			}
		}
	}
}

// TestTxProofRefuses64ByteTransactions: a 64-byte transaction could be an
// inner node of the tree; it is never proved.
func TestTxProofRefuses64ByteTransactions(t *testing.T) {
	tx := wire.NewMsgTx(1)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{}, nil, nil))
	tx.AddTxOut(wire.NewTxOut(0, []byte{0x51}))
	for tx.SerializeSizeStripped() < 64 {
		tx.TxIn[0].SignatureScript = append(tx.TxIn[0].SignatureScript, 1)
	}
	if tx.SerializeSizeStripped() != 64 {
		t.Fatalf("built a %d-byte transaction", tx.SerializeSizeStripped())
	}
	b := block(3)
	b.Transactions[1] = tx
	txs := []*btcutil.Tx{btcutil.NewTx(b.Transactions[0]), btcutil.NewTx(tx), btcutil.NewTx(b.Transactions[2])}
	tree := blockchain.BuildMerkleTreeStore(txs, false)
	b.Header.MerkleRoot = *tree[len(tree)-1]
	p, _ := ProveTx(b, 1)
	if err := p.VerifyTx(&b.Header, tx); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("a 64-byte transaction: %v", err)
	}
}

// FuzzTxProofDecode: any bytes fail to decode or decode to a proof that
// encodes back to them, and whose verification does not panic.
func FuzzTxProofDecode(f *testing.F) {
	b := block(5)
	for i := range 5 {
		p, _ := ProveTx(b, i)
		raw, _ := p.MarshalBinary()
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var p TxProof
		if p.UnmarshalBinary(raw) != nil {
			return
		}
		again, _ := p.MarshalBinary()
		if !bytes.Equal(again, raw) {
			t.Fatalf("%x re-encoded as %x", raw, again)
		}
		p.VerifyTx(&b.Header, b.Transactions[0])
	})
}
