package gaia

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/tokenbucket"
)

// writeLimiter is a token bucket per address (Config.MaxWritesPerMinute):
// a store or delete takes a token; a bucket holds at most burst tokens
// and gains rate a second. It is keyed by the bucket written to, which the
// token's key must own, and is consulted only after authentication, so
// that no one can use up another address's writes.
type writeLimiter struct {
	rate  float64 // tokens a second
	burst float64
	// subject and verb word the 429: "Address X may write N times a minute".
	subject, verb string

	mu      sync.Mutex
	buckets map[string]*tokenbucket.Bucket
}

// maxLimitedAddresses bounds the addresses tracked. Past it, addresses
// whose buckets are full again (idle long enough) are forgotten, and if
// none is, an arbitrary one: addresses cost nothing to make, so a per
// address limit cannot stop many addresses anyway (the whitelist can),
// and a full table must not refuse everyone.
const maxLimitedAddresses = 100_000

func newWriteLimiter(perMinute, burst int) *writeLimiter {
	return &writeLimiter{rate: float64(perMinute) / 60, burst: float64(burst), subject: "Address", verb: "write", buckets: map[string]*tokenbucket.Bucket{}}
}

// allow takes a token of address's, or answers 429 with the seconds until
// one is there.
func (l *writeLimiter) allow(address string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[address]
	if b == nil {
		if len(l.buckets) >= maxLimitedAddresses {
			l.forget(now)
		}
		b = new(tokenbucket.Bucket)
		l.buckets[address] = b
	}
	if b.Take(now, l.rate, l.burst) {
		return nil
	}
	wait := b.Wait(l.rate)
	secs := int64((wait + time.Second - 1) / time.Second) // rounded up: after it, a token is there
	return &HubError{Status: http.StatusTooManyRequests, Name: "TooManyRequestsError", RetryAfter: secs,
		Message: fmt.Sprintf("%s %s may %s %.0f times a minute: try again in %d s", l.subject, address, l.verb, l.rate*60, secs)}
}

func (l *writeLimiter) forget(now time.Time) {
	for k, b := range l.buckets {
		if b.Full(now, l.rate, l.burst) {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < maxLimitedAddresses {
			return
		}
		delete(l.buckets, k)
	}
}
