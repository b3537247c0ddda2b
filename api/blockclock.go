package api

import (
	"context"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/chain"
)

// Chain is the chain the node follows, as the API reads it: its tip, for
// /v1/info's freshness, and its recent blocks' timestamps, for the
// estimated dates of future heights (*chain.Backend implements it).
type Chain interface {
	Tip(ctx context.Context) (chain.Tip, error)
	BlockByHeight(ctx context.Context, height int64) (*chain.Block, error)
}

const (
	// rateWindow is how many recent blocks the block rate is measured
	// over: a day of Bitcoin blocks, enough to smooth the timestamps'
	// noise (a block's time may be up to two hours off), few enough to
	// follow a change of rate.
	rateWindow = 144
	// nominalBlockSeconds is Bitcoin's target spacing, assumed when the
	// chain's timestamps say nothing usable (too few blocks, or a
	// devnet's premined burst that shares one second).
	nominalBlockSeconds = 600
	// chainTimeout bounds each question to the chain: a look-up answers
	// without an estimate rather than hang on a slow Bitcoin node.
	chainTimeout = 2 * time.Second
	// retryAfter is how long a failed rate measurement stands before it is
	// tried again at the same height.
	retryAfter = 30 * time.Second
)

// BlockClock estimates when future blocks will be mined from the chain's
// recent block rate: the dates beside expiry heights. The rate is measured
// once per indexed block and kept; every date is an estimate, and says
// so (apitypes.ExpiryEstimate).
type BlockClock struct {
	chain Chain
	now   func() time.Time

	mu      sync.Mutex
	height  int64     // the last block the rate was measured at
	seconds int64     // seconds per block; 0: not measured
	blocks  int64     // blocks it was measured over; 0: nominal
	failed  time.Time // when measuring at height last failed
}

// NewBlockClock measures c's block rate; nil c gives a clock that
// estimates nothing.
func NewBlockClock(c Chain) *BlockClock {
	if c == nil {
		return nil
	}
	return &BlockClock{chain: c, now: time.Now}
}

// rate is the chain's seconds per block as of block last, and how many
// blocks it was measured over (0: the nominal rate); ok false when it
// could not be measured.
func (c *BlockClock) rate(ctx context.Context, last int64) (seconds, blocks int64, ok bool) {
	if c == nil || last < 1 {
		return 0, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.height == last && c.seconds > 0 {
		return c.seconds, c.blocks, true
	}
	if c.height == last && c.now().Sub(c.failed) < retryAfter {
		return 0, 0, false
	}
	c.height, c.seconds, c.blocks = last, 0, 0
	from := max(last-rateWindow, 1)
	ctx, cancel := context.WithTimeout(ctx, chainTimeout)
	defer cancel()
	newest, err := c.chain.BlockByHeight(ctx, last)
	if err != nil {
		c.failed = c.now()
		return 0, 0, false
	}
	c.seconds, c.blocks = nominalBlockSeconds, 0
	if from < last {
		oldest, err := c.chain.BlockByHeight(ctx, from)
		if err != nil {
			c.seconds, c.failed = 0, c.now()
			return 0, 0, false
		}
		span := newest.Header.Timestamp.Sub(oldest.Header.Timestamp)
		if s := int64(span.Seconds()) / (last - from); s > 0 {
			c.seconds, c.blocks = s, last-from
		}
	}
	return c.seconds, c.blocks, true
}

// Expiry estimates the dates of a name's expiry and renewal deadline
// (heights), judged at block last: nil for a name that never expires, or
// when the rate cannot be measured. A height at or below last is dated
// by going back at the same rate.
func (c *BlockClock) Expiry(ctx context.Context, last, expire, deadline int64) *apitypes.ExpiryEstimate {
	if expire < 0 {
		return nil
	}
	seconds, blocks, ok := c.rate(ctx, last)
	if !ok {
		return nil
	}
	now := c.now().UTC()
	at := func(h int64) string {
		return now.Add(time.Duration(h-last) * time.Duration(seconds) * time.Second).Truncate(time.Second).Format(time.RFC3339)
	}
	return &apitypes.ExpiryEstimate{
		ExpireDate:          at(expire),
		RenewalDeadlineDate: at(deadline),
		Estimated:           true,
		SecondsPerBlock:     seconds,
		FromBlocks:          blocks,
		AsOfBlock:           last,
	}
}

// Clock is the API's block clock, which the explorer shares to date the
// same heights the same way; nil when the API follows no chain.
func (s *Server) Clock() *BlockClock { return s.clock }
