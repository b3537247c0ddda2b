package chain

import (
	"context"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Cursor is what a follower remembers of the chain it has applied: the
// height of its last block and the hash it saw at each height.
type Cursor interface {
	// Height is the last applied height, or -1 when nothing is applied.
	Height() int64
	// HashAt is the hash the follower applied at height (ok false if none).
	HashAt(height int64) (hash chainhash.Hash, ok bool, err error)
}

// Handler applies the chain's changes to a follower's state.
type Handler interface {
	// Rewind undoes every block above forkHeight: the backend's chain no
	// longer contains them.
	Rewind(ctx context.Context, forkHeight int64) error
	// Connect applies the next block (height Cursor.Height()+1).
	Connect(ctx context.Context, b *Block) error
}

// ForkPoint returns the highest height at or below the cursor's height at
// which the cursor's hash equals the backend's best chain, or -1 if they
// share no block. When the backend's chain still contains the cursor's tip
// the result is the cursor's height.
func ForkPoint(ctx context.Context, b Backend, c Cursor) (int64, error) {
	tip, err := b.Tip(ctx)
	if err != nil {
		return 0, fmt.Errorf("fork point: %w", err)
	}
	h := min(c.Height(), tip.Height)
	for ; h >= 0; h-- {
		mine, ok, err := c.HashAt(h)
		if err != nil {
			return 0, fmt.Errorf("fork point: cursor at %d: %w", h, err)
		}
		if !ok {
			continue
		}
		theirs, err := b.BlockHash(ctx, h)
		if err != nil {
			return 0, fmt.Errorf("fork point: backend at %d: %w", h, err)
		}
		if mine == theirs {
			return h, nil
		}
	}
	return -1, nil
}

// Flusher is a Handler that buffers connected blocks; Sync flushes it
// whenever it returns.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Sync brings the follower to the backend's current tip: when the chain it
// followed was reorganised it rewinds to the fork point first, then it
// connects every block above, in order. It returns the tip reached.
func Sync(ctx context.Context, b Backend, c Cursor, h Handler) (tip Tip, err error) {
	if f, ok := h.(Flusher); ok {
		defer func() {
			// Flush even when ctx ended: what was applied is kept.
			if ferr := f.Flush(context.WithoutCancel(ctx)); ferr != nil && err == nil {
				err = ferr
			}
		}()
	}
	fork, err := ForkPoint(ctx, b, c)
	if err != nil {
		return Tip{}, err
	}
	if fork < c.Height() {
		if err := h.Rewind(ctx, fork); err != nil {
			return Tip{}, fmt.Errorf("rewind to %d: %w", fork, err)
		}
	}
	tip, err = b.Tip(ctx)
	if err != nil {
		return Tip{}, fmt.Errorf("sync: %w", err)
	}
	blocks, stop := prefetch(ctx, b, h, c.Height()+1, tip.Height)
	defer stop()
	for next := c.Height() + 1; next <= tip.Height; next++ {
		if err := ctx.Err(); err != nil {
			return Tip{}, err
		}
		f, ok := <-blocks
		if !ok { // the prefetcher stopped: ctx ended
			return Tip{}, context.Cause(ctx)
		}
		if f.err != nil {
			return Tip{}, fmt.Errorf("sync: block %d: %w", next, f.err)
		}
		blk := f.blk
		if next > 0 {
			// A reorg between our Tip call and this read shows up as a
			// parent we did not apply; stop and let the next Sync rewind.
			prev, ok, err := c.HashAt(next - 1)
			if err != nil {
				return Tip{}, fmt.Errorf("sync: cursor at %d: %w", next-1, err)
			}
			if ok && prev != blk.Header.PrevBlock {
				return Tip{Height: next - 1, Hash: prev}, nil
			}
		}
		if err := h.Connect(ctx, blk); err != nil {
			return Tip{}, fmt.Errorf("connect block %d %s: %w", next, blk.Hash, err)
		}
	}
	return tip, nil
}

// Preparer is a Handler that can do part of a block's work before its turn
// (Sync calls Prepare in height order, on another goroutine, a few blocks
// ahead of Connect): work that depends on the block alone, so that it
// overlaps the applying of earlier blocks.
type Preparer interface {
	Prepare(ctx context.Context, b *Block)
}

// prefetchDepth is how many blocks Sync reads ahead of the one it applies.
const prefetchDepth = 32

type fetched struct {
	blk *Block
	err error
}

// prefetch reads the blocks from..to in order on a goroutine (preparing
// them if h is a Preparer) and delivers them, or the first error, on the
// channel; stop ends it.
func prefetch(ctx context.Context, b Backend, h Handler, from, to int64) (<-chan fetched, func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan fetched, prefetchDepth)
	done := make(chan struct{})
	p, _ := h.(Preparer)
	go func() {
		defer close(done)
		defer close(out)
		for next := from; next <= to; next++ {
			blk, err := b.BlockByHeight(ctx, next)
			if err == nil && p != nil {
				p.Prepare(ctx, blk)
			}
			select {
			case out <- fetched{blk, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out, func() { cancel(); <-done }
}

// Follow runs Sync now and after every new tip until ctx ends.
func Follow(ctx context.Context, b Backend, c Cursor, h Handler) error {
	tips, err := b.SubscribeTips(ctx)
	if err != nil {
		return err
	}
	for range tips {
		if _, err := Sync(ctx, b, c, h); err != nil {
			if ctx.Err() != nil {
				break
			}
			return err
		}
	}
	return ctx.Err()
}
