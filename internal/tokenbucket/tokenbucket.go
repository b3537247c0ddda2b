// Package tokenbucket is the token bucket the servers' per-caller limits
// share (Atlas's RPC, the Gaia hub's writes and admin API, the DNS
// server's UDP answers): a bucket gains rate tokens a second, holds at most
// burst, starts full, and each request takes a token. The callers keep
// their buckets in tables of their own, bounded as each needs, and guard
// them with their own locks.
package tokenbucket

import "time"

// Bucket is one caller's bucket. Its zero value is a full bucket.
type Bucket struct {
	tokens float64
	last   time.Time // zero: never used
}

// At is how many tokens the bucket holds at now. A clock that went back
// adds none.
func (b *Bucket) At(now time.Time, rate, burst float64) float64 {
	switch {
	case b.last.IsZero():
		return burst
	case !now.After(b.last):
		return b.tokens
	}
	return min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
}

// Take takes a token at now if the bucket holds one.
func (b *Bucket) Take(now time.Time, rate, burst float64) bool {
	b.tokens = b.At(now, rate, burst)
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Wait is how long after the last Take, which found no token, one is
// there.
func (b *Bucket) Wait(rate float64) time.Duration {
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// Full reports whether the bucket is full again at now: its caller has
// been idle long enough to be forgotten.
func (b *Bucket) Full(now time.Time, rate, burst float64) bool {
	return b.At(now, rate, burst) >= burst
}
