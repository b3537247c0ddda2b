package atlas

import (
	"net/netip"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/tokenbucket"
)

// limiter is a token bucket per caller: rate requests a second, up to
// burst at once.
type limiter struct {
	rate, burst float64

	mu      sync.Mutex
	buckets map[string]*tokenbucket.Bucket
}

// maxBuckets bounds the callers tracked; past it, callers whose buckets
// have refilled (idle ones) are forgotten.
const maxBuckets = 4096

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), buckets: map[string]*tokenbucket.Bucket{}}
}

// allow takes a token from key's bucket if it has one.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.forgetIdle(now)
		}
		if len(l.buckets) >= maxBuckets {
			return false // flooded with callers: refuse new ones until some go idle
		}
		b = new(tokenbucket.Bucket)
		l.buckets[key] = b
	}
	return b.Take(now, l.rate, l.burst)
}

// openCounter bounds the requests each caller IP has open at once.
type openCounter struct {
	max  int
	mu   sync.Mutex
	open map[string]int // only callers with open requests
}

func newOpenCounter(max int) *openCounter {
	return &openCounter{max: max, open: map[string]int{}}
}

// enter counts a request from key, unless key already has max open.
func (o *openCounter) enter(key string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.open[key] >= o.max {
		return false
	}
	o.open[key]++
	return true
}

func (o *openCounter) leave(key string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.open[key]--; o.open[key] <= 0 {
		delete(o.open, key)
	}
}

// ipKey is whom a socket address counts as: its IPv4 address, or its
// IPv6 /64 (one host's usual allocation, so that a host cannot multiply
// itself by its addresses); the address as given if it is not one.
func ipKey(remoteAddr string) string {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	ip := ap.Addr().Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

func (l *limiter) forgetIdle(now time.Time) {
	for k, b := range l.buckets {
		if b.Full(now, l.rate, l.burst) {
			delete(l.buckets, k)
		}
	}
}
