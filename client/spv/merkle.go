package spv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// TxProof shows that a transaction is the Index-th of a block of Total
// transactions: Branch holds the hashes beside its path in the block's
// Merkle tree, from the leaves up.
type TxProof struct {
	Index, Total uint32
	Branch       []chainhash.Hash
}

// ErrInvalidProof wraps every reason VerifyTx refuses a proof; ErrMalformed
// every reason UnmarshalBinary refuses bytes.
var (
	ErrInvalidProof = errors.New("spv: transaction proof does not verify")
	ErrMalformed    = errors.New("spv: malformed transaction proof")
)

// maxTxs bounds a block's transaction count: a 4 MB block of transactions
// of at least 60 bytes each.
const maxTxs = 4_000_000 / 60

// ProveTx builds the proof of the block's transaction at index.
func ProveTx(block *wire.MsgBlock, index int) (TxProof, error) {
	n := len(block.Transactions)
	if index < 0 || index >= n {
		return TxProof{}, fmt.Errorf("spv: no transaction %d in a block of %d", index, n)
	}
	txs := make([]*btcutil.Tx, n)
	for i, tx := range block.Transactions {
		txs[i] = btcutil.NewTx(tx)
	}
	// btcd's tree array: the leaves padded to a power of two, then each
	// level; a nil right child means the left is paired with itself.
	tree := blockchain.BuildMerkleTreeStore(txs, false)
	p := TxProof{Index: uint32(index), Total: uint32(n)}
	width, offset, i := nextPow2(n), 0, index
	for width > 1 {
		sib := tree[offset+(i^1)]
		if sib == nil {
			sib = tree[offset+i]
		}
		p.Branch = append(p.Branch, *sib)
		offset += width
		width /= 2
		i /= 2
	}
	return p, nil
}

// VerifyTx checks that tx is in the block of header at the proof's index:
// the branch has the depth a block of Total transactions has, every node
// that Bitcoin pairs with itself is, and the branch folds up to the
// header's Merkle root. A transaction of 64 bytes is refused: it could be
// an inner node of the tree posing as a transaction (CVE-2017-12842).
func (p *TxProof) VerifyTx(header *wire.BlockHeader, tx *wire.MsgTx) error {
	if p.Total == 0 || p.Total > maxTxs || p.Index >= p.Total {
		return fmt.Errorf("%w: index %d of %d transactions", ErrInvalidProof, p.Index, p.Total)
	}
	if depth := bits.Len32(p.Total - 1); len(p.Branch) != depth {
		return fmt.Errorf("%w: a branch of %d hashes for a block of %d transactions, want %d", ErrInvalidProof, len(p.Branch), p.Total, depth)
	}
	if tx.SerializeSizeStripped() == 64 {
		return fmt.Errorf("%w: a 64-byte transaction cannot be told from an inner node", ErrInvalidProof)
	}
	h := tx.TxHash()
	i, width := p.Index, p.Total // width: nodes at this level
	for _, sib := range p.Branch {
		lastAlone := i == width-1 && width%2 == 1
		switch {
		case lastAlone && sib != h:
			return fmt.Errorf("%w: the last node of a level of %d must pair with itself", ErrInvalidProof, width)
		case !lastAlone && sib == h:
			// Two equal nodes side by side: the tree of a block whose
			// odd last transaction is duplicated (CVE-2012-2459), which
			// would let a transaction prove a second index.
			return fmt.Errorf("%w: a node paired with an equal one inside a level of %d", ErrInvalidProof, width)
		case i%2 == 0:
			h = blockchain.HashMerkleBranches(&h, &sib)
		default:
			h = blockchain.HashMerkleBranches(&sib, &h)
		}
		i, width = i/2, (width+1)/2
	}
	if h != header.MerkleRoot {
		return fmt.Errorf("%w: the branch gives Merkle root %s, the header has %s", ErrInvalidProof, h, header.MerkleRoot)
	}
	return nil
}

// MarshalBinary encodes the proof: index and total (4 bytes each, big
// endian), then the branch's hashes, 32 bytes each, leaves first.
func (p *TxProof) MarshalBinary() ([]byte, error) {
	out := binary.BigEndian.AppendUint32(nil, p.Index)
	out = binary.BigEndian.AppendUint32(out, p.Total)
	for _, h := range p.Branch {
		out = append(out, h[:]...)
	}
	return out, nil
}

// UnmarshalBinary decodes MarshalBinary's format; the branch's length is
// what the bytes hold (VerifyTx checks it against Total).
func (p *TxProof) UnmarshalBinary(b []byte) error {
	if len(b) < 8 || (len(b)-8)%32 != 0 || (len(b)-8)/32 > 32 {
		return fmt.Errorf("%w: %d bytes", ErrMalformed, len(b))
	}
	q := TxProof{Index: binary.BigEndian.Uint32(b), Total: binary.BigEndian.Uint32(b[4:])}
	for r := bytes.NewReader(b[8:]); r.Len() > 0; {
		var h chainhash.Hash
		r.Read(h[:])
		q.Branch = append(q.Branch, h)
	}
	*p = q
	return nil
}

func nextPow2(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}
