package bnsgen

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/virtualchain"
)

// IndexStats is what indexing a generated chain gave.
type IndexStats struct {
	Blocks             int64
	Accepted, Rejected int
	Elapsed            time.Duration
	// Mismatches counts blocks whose consensus hash or accepted and
	// rejected counts differ from what the generator recorded; First
	// describes the first of them.
	Mismatches int
	First      string
}

// Ops is the number of name operations indexed.
func (s IndexStats) Ops() int { return s.Accepted + s.Rejected }

// Index indexes the chain from its first block into db, which must be
// empty, with a virtualchain indexer configured as the generator assumed,
// and compares every block with the generator's record. onBlock, if set,
// sees every committed block (after the comparison).
func Index(ctx context.Context, c *Chain, db *namedb.DB, onBlock func(namedb.Block)) (IndexStats, error) {
	var st IndexStats
	ix, err := virtualchain.New(ctx, db, c, virtualchain.Config{
		Network: c.Network(), Rules: c.Rules(), FirstBlock: c.FirstBlock(),
		OnBlock: func(b namedb.Block) {
			st.Blocks++
			st.Accepted += b.Accepted
			st.Rejected += b.Rejected
			ch, acc, rej, _ := c.Expected(b.Height)
			if b.ConsensusHash != ch || b.Accepted != acc || b.Rejected != rej {
				if st.Mismatches == 0 {
					st.First = fmt.Sprintf("block %d: consensus hash %s, %d accepted, %d rejected; the generator recorded %s, %d, %d",
						b.Height, b.ConsensusHash, b.Accepted, b.Rejected, ch, acc, rej)
				}
				st.Mismatches++
			}
			if onBlock != nil {
				onBlock(b)
			}
		},
	})
	if err != nil {
		return st, err
	}
	if ix.Height() != c.FirstBlock()-1 {
		return st, errors.New("bnsgen: the name database is not empty")
	}
	start := time.Now()
	_, err = ix.Sync(ctx)
	st.Elapsed = time.Since(start)
	return st, err
}

// DecodeStats is the parsing baseline: every block read through the
// backend, and every name operation decoded with bns.Decode.
type DecodeStats struct {
	Blocks  int64
	Ops     int // transactions whose OP_RETURN carries the magic bytes
	Errors  int // of those, the ones that do not decode
	Elapsed time.Duration
	// DecodeTime is the time spent in bns.Decode alone.
	DecodeTime time.Duration
}

// DecodeBaseline reads every block of the chain from its first block and
// decodes each name operation with bns.Decode, without its sender (finding
// senders is the indexer's work): the least any indexer has to do.
func DecodeBaseline(ctx context.Context, c *Chain) (DecodeStats, error) {
	var st DecodeStats
	tip, err := c.Tip(ctx)
	if err != nil {
		return st, err
	}
	net := c.Network()
	start := time.Now()
	for h := c.FirstBlock(); h <= tip.Height; h++ {
		b, err := c.BlockByHeight(ctx, h)
		if err != nil {
			return st, err
		}
		st.Blocks++
		for _, tx := range b.Txs[1:] {
			if !bns.IsNameOp(tx, net) {
				continue
			}
			st.Ops++
			t := time.Now()
			_, err := bns.Decode(tx, nil, net)
			st.DecodeTime += time.Since(t)
			if err != nil {
				st.Errors++
			}
		}
	}
	st.Elapsed = time.Since(start)
	return st, nil
}
