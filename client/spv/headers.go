// Package spv follows Bitcoin's best chain by its headers alone, from
// sources it does not trust, and checks that a transaction is in a block
// of that chain with a Merkle branch: what a light client needs to know,
// without a full node of its own, that a BNS node's answer speaks of a
// block that is really in the best chain and of transactions that are
// really in it.
//
// Every header is checked as a full node checks it (btcd's own functions:
// proof of work against its target, the target the network's difficulty
// rules give, the timestamp against the median of the last eleven and the
// clock, the version floors), linked to its parent, and the chain with
// the most cumulative work wins. A Chain starts from a block it is told to
// trust: the network's genesis block, or for mainnet and testnet a
// checkpoint at a difficulty retarget (a height divisible by 2,016), so
// that the next retarget finds the block it needs.
//
// What it does not stop: a source that hides the best chain from a client
// that has no other source (an eclipse). Sync from several sources: the
// chain with the most work wins whoever serves it.
package spv

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Source is a Bitcoin node the client asks for headers. It is not
// trusted: everything it answers is checked.
type Source interface {
	// TipHeight is the height of the source's best block.
	TipHeight(ctx context.Context) (int64, error)
	// BlockHash is the hash of the source's best-chain block at height.
	BlockHash(ctx context.Context, height int64) (chainhash.Hash, error)
	// Header is the header of the block with hash.
	Header(ctx context.Context, hash chainhash.Hash) (*wire.BlockHeader, error)
}

// ErrInvalidHeader wraps every reason a header is refused; ErrLessWork
// that a source's chain has no more work than the one already held.
var (
	ErrInvalidHeader = errors.New("spv: invalid header")
	ErrLessWork      = errors.New("spv: the source's chain has no more work than ours")
)

// maxReorg bounds how far back Sync looks for the block where a source's
// chain leaves ours: a deeper fork is refused (a checkpoint's job).
const maxReorg = 2016

// entry is one header of the chain with what validation needs.
type entry struct {
	header wire.BlockHeader
	hash   chainhash.Hash
	work   *big.Int // cumulative, from the trusted start
}

// Chain is a validated header chain: the best one seen, from a trusted
// start. It is not safe for concurrent use.
type Chain struct {
	params  *chaincfg.Params
	base    int64 // height of entries[0], the trusted start
	entries []entry
	now     func() time.Time
}

// New returns a chain that starts at the network's genesis block.
func New(params *chaincfg.Params) *Chain {
	c, _ := FromCheckpoint(params, 0, params.GenesisBlock.Header) // height 0 is a retarget height
	return c
}

// FromCheckpoint returns a chain that starts at a block the caller
// trusts: header at height. On networks that retarget, height must be a
// retarget height (divisible by 2,016).
func FromCheckpoint(params *chaincfg.Params, height int64, header wire.BlockHeader) (*Chain, error) {
	if per := blocksPerRetarget(params); !params.PoWNoRetargeting && height%int64(per) != 0 {
		return nil, fmt.Errorf("spv: a checkpoint must be at a difficulty retarget (a multiple of %d), not %d", per, height)
	}
	return &Chain{params: params, base: height, now: time.Now,
		entries: []entry{{header: header, hash: header.BlockHash(), work: new(big.Int)}}}, nil
}

// Base is the height of the chain's first block: 0, or the checkpoint's.
func (c *Chain) Base() int64 { return c.base }

// Tip is the best block's height and hash.
func (c *Chain) Tip() (int64, chainhash.Hash) {
	e := &c.entries[len(c.entries)-1]
	return c.base + int64(len(c.entries)) - 1, e.hash
}

// Work is the best chain's work since the trusted start.
func (c *Chain) Work() *big.Int { return new(big.Int).Set(c.entries[len(c.entries)-1].work) }

// Hash is the hash of the best chain's block at height, if the chain has
// it.
func (c *Chain) Hash(height int64) (chainhash.Hash, bool) {
	e := c.at(height)
	if e == nil {
		return chainhash.Hash{}, false
	}
	return e.hash, true
}

// Header is the best chain's header at height, if the chain has it.
func (c *Chain) Header(height int64) (wire.BlockHeader, bool) {
	e := c.at(height)
	if e == nil {
		return wire.BlockHeader{}, false
	}
	return e.header, true
}

// Confirmations is how many blocks of the best chain are at or above the
// block hash at height (0: it is not in the best chain).
func (c *Chain) Confirmations(height int64, hash chainhash.Hash) int64 {
	e := c.at(height)
	if e == nil || e.hash != hash {
		return 0
	}
	tip, _ := c.Tip()
	return tip - height + 1
}

func (c *Chain) at(height int64) *entry {
	i := height - c.base
	if i < 0 || i >= int64(len(c.entries)) {
		return nil
	}
	return &c.entries[i]
}

// Sync follows src's best chain: it fetches the headers above the block
// where src's chain and ours meet, checks each, and takes src's chain if
// it has more work than ours. It returns ErrLessWork if src's chain has
// no more work (ours is kept), and a wrapped ErrInvalidHeader for a
// header that fails a check (ours is kept).
func (c *Chain) Sync(ctx context.Context, src Source) error {
	top, err := src.TipHeight(ctx)
	if err != nil {
		return fmt.Errorf("spv: the source's tip: %w", err)
	}
	fork, err := c.meet(ctx, src, top)
	if err != nil {
		return err
	}
	if fork == top {
		return nil // the source's best block is in our chain: nothing new
	}
	// Validate the source's branch above fork on a copy, so that a bad
	// header leaves the chain as it was.
	branch := &Chain{params: c.params, base: c.base, now: c.now, entries: c.entries[: fork-c.base+1 : fork-c.base+1]}
	for h := fork + 1; h <= top; h++ {
		hash, err := src.BlockHash(ctx, h)
		if err != nil {
			return fmt.Errorf("spv: block hash at %d: %w", h, err)
		}
		hdr, err := src.Header(ctx, hash)
		if err != nil {
			return fmt.Errorf("spv: header %s: %w", hash, err)
		}
		if hdr.BlockHash() != hash {
			return fmt.Errorf("%w: at %d the source named %s but sent the header of %s", ErrInvalidHeader, h, hash, hdr.BlockHash())
		}
		if err := branch.extend(hdr); err != nil {
			return fmt.Errorf("%w: at %d (%s): %v", ErrInvalidHeader, h, hash, err)
		}
	}
	if branch.entries[len(branch.entries)-1].work.Cmp(c.entries[len(c.entries)-1].work) <= 0 {
		return ErrLessWork
	}
	c.entries = branch.entries
	return nil
}

// meet finds the highest block that src's best chain shares with ours,
// at most maxReorg below the lower of the two tips.
func (c *Chain) meet(ctx context.Context, src Source, top int64) (int64, error) {
	ours, _ := c.Tip()
	h := min(ours, top)
	for ; h >= c.base && h >= min(ours, top)-maxReorg; h-- {
		hash, err := src.BlockHash(ctx, h)
		if err != nil {
			return 0, fmt.Errorf("spv: block hash at %d: %w", h, err)
		}
		if c.at(h).hash == hash {
			return h, nil
		}
	}
	return 0, fmt.Errorf("%w: the source's chain does not meet ours above block %d", ErrInvalidHeader, h+1)
}

// extend appends hdr after the tip, if it passes every check.
func (c *Chain) extend(hdr *wire.BlockHeader) error {
	tip := &c.entries[len(c.entries)-1]
	if hdr.PrevBlock != tip.hash {
		return fmt.Errorf("its parent is %s, not the tip %s", hdr.PrevBlock, tip.hash)
	}
	if err := blockchain.CheckBlockHeaderSanity(hdr, c.params.PowLimit, clock{c.now}, blockchain.BFNone); err != nil {
		return err
	}
	prev := node{c, int32(c.base) + int32(len(c.entries)) - 1}
	// Checkpoints: a Chain starts from its own, and the params' are
	// checked here too; none of them forks below the start.
	if err := blockchain.CheckBlockHeaderContext(hdr, prev, blockchain.BFNone, chainCtx{c}, false); err != nil {
		return err
	}
	work := new(big.Int).Add(tip.work, blockchain.CalcWork(hdr.Bits))
	c.entries = append(c.entries, entry{header: *hdr, hash: hdr.BlockHash(), work: work})
	return nil
}
