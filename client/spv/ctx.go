package spv

import (
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// node is a block of a Chain, as btcd's header checks see it.
type node struct {
	c      *Chain
	height int32
}

func (n node) entry() *entry                { return n.c.at(int64(n.height)) }
func (n node) Height() int32                { return n.height }
func (n node) Bits() uint32                 { return n.entry().header.Bits }
func (n node) Timestamp() int64             { return n.entry().header.Timestamp.Unix() }
func (n node) Parent() blockchain.HeaderCtx { return n.RelativeAncestorCtx(1) }

// RelativeAncestorCtx is the block distance below n; nil below the
// trusted start (btcd's checks treat that as the start of the chain).
func (n node) RelativeAncestorCtx(distance int32) blockchain.HeaderCtx {
	h := n.height - distance
	if n.c.at(int64(h)) == nil {
		return nil
	}
	return node{n.c, h}
}

// chainCtx is a Chain's network rules, as btcd's header checks see them.
type chainCtx struct{ c *Chain }

func (x chainCtx) ChainParams() *chaincfg.Params { return x.c.params }
func (x chainCtx) BlocksPerRetarget() int32      { return blocksPerRetarget(x.c.params) }
func (x chainCtx) MinRetargetTimespan() int64 {
	p := x.c.params
	return int64(p.TargetTimespan/time.Second) / p.RetargetAdjustmentFactor
}
func (x chainCtx) MaxRetargetTimespan() int64 {
	p := x.c.params
	return int64(p.TargetTimespan/time.Second) * p.RetargetAdjustmentFactor
}

// VerifyCheckpoint checks the network's own checkpoints.
func (x chainCtx) VerifyCheckpoint(height int32, hash *chainhash.Hash) bool {
	for _, cp := range x.c.params.Checkpoints {
		if cp.Height == height {
			return cp.Hash.IsEqual(hash)
		}
	}
	return true
}

// FindPreviousCheckpoint: Sync never looks below the Chain's start, which
// is a checkpoint of the caller's.
func (x chainCtx) FindPreviousCheckpoint() (blockchain.HeaderCtx, error) { return nil, nil }

func blocksPerRetarget(p *chaincfg.Params) int32 {
	return int32(p.TargetTimespan / p.TargetTimePerBlock)
}

// clock is btcd's median time source, reduced to the local clock: a light
// client has no peers' clocks to take the median of.
type clock struct{ now func() time.Time }

func (c clock) AdjustedTime() time.Time         { return c.now().Truncate(time.Second) }
func (c clock) AddTimeSample(string, time.Time) {}
func (c clock) Offset() time.Duration           { return 0 }
