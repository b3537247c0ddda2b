// Package atlastest runs networks of real Atlas nodes for tests and
// benchmarks: N nodes serving real HTTP on 127.0.0.1 over one shared
// in-memory chain view (Chain), with a fault-injecting transport (Faults:
// drop, delay, partition) and nodes that can be killed and restarted on
// the same address and state folder (Cluster).
//
// It is not for production: Chain holds everything in memory and the
// cluster puts every node in one process.
package atlastest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// Chain is an in-memory chain view: blocks that name zone file hashes,
// each with a consensus hash that commits to everything before it. Two
// Chains built with different tags disagree on every consensus hash, as
// nodes following different rules would.
type Chain struct {
	tag string

	mu        sync.RWMutex
	hashes    []zonefile.Hash
	named     map[zonefile.Hash]int // the height that named it
	consensus []string              // by height; height 0 names nothing
	ends      []int                 // by height: len(hashes) after the block
	times     []time.Time           // by height: when the block was added
}

var _ atlas.Chain = (*Chain)(nil)

// NewChain returns a chain at height 0.
func NewChain(tag string) *Chain {
	c := &Chain{tag: tag, named: map[zonefile.Hash]int{}}
	c.consensus = append(c.consensus, c.next(nil))
	c.ends = append(c.ends, 0)
	c.times = append(c.times, time.Now())
	return c
}

func (c *Chain) next(hs []zonefile.Hash) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%d|", c.tag, len(c.consensus))
	if len(c.consensus) > 0 {
		h.Write([]byte(c.consensus[len(c.consensus)-1]))
	}
	for _, z := range hs {
		h.Write(z[:])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Name appends a block that names hs, in order, and returns its height.
func (c *Chain) Name(hs ...zonefile.Hash) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.consensus = append(c.consensus, c.next(hs))
	height := len(c.consensus) - 1
	for _, h := range hs {
		c.hashes = append(c.hashes, h)
		if _, ok := c.named[h]; !ok {
			c.named[h] = height
		}
	}
	c.ends = append(c.ends, len(c.hashes))
	c.times = append(c.times, time.Now())
	return int64(height)
}

// Rewind takes back every block above height, as a reorganisation does.
func (c *Chain) Rewind(height int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if height < 0 || height >= int64(len(c.consensus)) {
		return
	}
	c.consensus, c.ends, c.times = c.consensus[:height+1], c.ends[:height+1], c.times[:height+1]
	c.hashes = c.hashes[:c.ends[height]]
	for h, at := range c.named {
		if int64(at) > height {
			delete(c.named, h)
		}
	}
}

// NameAll names hashes in blocks of perBlock.
func (c *Chain) NameAll(hashes []zonefile.Hash, perBlock int) {
	for len(hashes) > 0 {
		k := min(perBlock, len(hashes))
		c.Name(hashes[:k]...)
		hashes = hashes[k:]
	}
}

// Len is the number of zone file hashes named.
func (c *Chain) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.hashes)
}

// Named implements atlas.Chain (and store.NameSet).
func (c *Chain) Named(ctx context.Context, h zonefile.Hash) (bool, error) {
	return c.view(0).Named(ctx, h)
}

// Inventory implements atlas.Chain.
func (c *Chain) Inventory(ctx context.Context, from, limit int) ([]zonefile.Hash, error) {
	return c.view(0).Inventory(ctx, from, limit)
}

// Tip implements atlas.Chain.
func (c *Chain) Tip(ctx context.Context) (atlas.BlockID, error) { return c.view(0).Tip(ctx) }

// ConsensusAt implements atlas.Chain.
func (c *Chain) ConsensusAt(ctx context.Context, height int64) (string, error) {
	return c.view(0).ConsensusAt(ctx, height)
}

// Lagging is a view of the chain that sees each block lag after it was
// added, as a node that indexes blocks later than its peers does.
func (c *Chain) Lagging(lag time.Duration) atlas.Chain { return lagging{c, lag} }

type lagging struct {
	c   *Chain
	lag time.Duration
}

func (l lagging) Named(ctx context.Context, h zonefile.Hash) (bool, error) {
	return l.c.view(l.lag).Named(ctx, h)
}
func (l lagging) Inventory(ctx context.Context, from, limit int) ([]zonefile.Hash, error) {
	return l.c.view(l.lag).Inventory(ctx, from, limit)
}
func (l lagging) Tip(ctx context.Context) (atlas.BlockID, error) { return l.c.view(l.lag).Tip(ctx) }
func (l lagging) ConsensusAt(ctx context.Context, height int64) (string, error) {
	return l.c.view(l.lag).ConsensusAt(ctx, height)
}

// view is the chain as seen lag late: its blocks up to tip.
type view struct {
	c   *Chain
	tip int
}

func (c *Chain) view(lag time.Duration) view {
	c.mu.RLock()
	defer c.mu.RUnlock()
	tip := len(c.consensus) - 1
	for cutoff := time.Now().Add(-lag); lag > 0 && tip > 0 && c.times[tip].After(cutoff); tip-- {
	}
	return view{c, tip}
}

func (v view) Named(_ context.Context, h zonefile.Hash) (bool, error) {
	v.c.mu.RLock()
	defer v.c.mu.RUnlock()
	height, ok := v.c.named[h]
	return ok && height <= v.tip, nil
}

func (v view) Inventory(_ context.Context, from, limit int) ([]zonefile.Hash, error) {
	v.c.mu.RLock()
	defer v.c.mu.RUnlock()
	end := v.c.ends[v.tip]
	if from >= end {
		return nil, nil
	}
	return append([]zonefile.Hash(nil), v.c.hashes[from:min(end, from+limit)]...), nil
}

func (v view) Tip(context.Context) (atlas.BlockID, error) {
	v.c.mu.RLock()
	defer v.c.mu.RUnlock()
	return atlas.BlockID{Height: int64(v.tip), Consensus: v.c.consensus[v.tip]}, nil
}

func (v view) ConsensusAt(_ context.Context, height int64) (string, error) {
	v.c.mu.RLock()
	defer v.c.mu.RUnlock()
	if height < 0 || height > int64(v.tip) {
		return "", fmt.Errorf("block %d: %w", height, atlas.ErrUnknownBlock)
	}
	return v.c.consensus[height], nil
}

// Zonefiles returns m distinct profile zone files, as apps write them,
// numbered from first: name n<i>.id pointing at a profile on a Gaia hub.
func Zonefiles(first, m int) [][]byte {
	out := make([][]byte, m)
	for i := range out {
		n := first + i
		f, err := zonefile.NewProfile(fmt.Sprintf("n%07d.id", n),
			fmt.Sprintf("https://gaia.example.org/hub/1Addr%07d/profile.json", n))
		if err != nil {
			panic(err) // the inputs above are always valid
		}
		if out[i], err = f.Format(); err != nil {
			panic(err)
		}
	}
	return out
}

// Hashes returns the hashes of zone files.
func Hashes(files [][]byte) []zonefile.Hash {
	out := make([]zonefile.Hash, len(files))
	for i, f := range files {
		out[i] = zonefile.HashOf(f)
	}
	return out
}
