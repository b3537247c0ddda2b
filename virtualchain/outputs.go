package virtualchain

import (
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/chain"
)

// outputCache keeps the output scripts of the last few blocks'
// transactions: a name operation's sender usually spends a recent output,
// and asking the backend for each one is the slowest part of indexing.
type outputCache struct {
	keep   int
	blocks []map[chainhash.Hash][][]byte // oldest first
}

func newOutputCache(blocks int) *outputCache { return &outputCache{keep: blocks} }

func (c *outputCache) add(b *chain.Block) {
	m := make(map[chainhash.Hash][][]byte, len(b.Txs))
	for _, tx := range b.Txs {
		scripts := make([][]byte, len(tx.TxOut))
		for i, o := range tx.TxOut {
			scripts[i] = o.PkScript
		}
		m[tx.TxHash()] = scripts
	}
	c.blocks = append(c.blocks, m)
	if len(c.blocks) > c.keep {
		c.blocks = c.blocks[1:]
	}
}

func (c *outputCache) get(op wire.OutPoint) ([]byte, bool) {
	for i := len(c.blocks) - 1; i >= 0; i-- {
		if scripts, ok := c.blocks[i][op.Hash]; ok && int(op.Index) < len(scripts) {
			return scripts[op.Index], true
		}
	}
	return nil, false
}

func (c *outputCache) clear() { c.blocks = nil }
