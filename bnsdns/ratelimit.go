package bnsdns

import (
	"hash/maphash"
	"net"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/internal/tokenbucket"
)

// A UDP query's source address can be forged, so that an open
// authoritative server is a tool for reflecting traffic at a victim, the
// more so with DNSSEC's larger answers, and a flood from one network can
// take every signature the server makes. Answers over UDP are limited per
// client network (IPv4 /24, IPv6 /56), as NSD's and Knot's response rate
// limiting do: past the limit every second answer is sent empty and
// truncated, so that a real client there retries over TCP (whose source
// cannot be forged, and which is not limited), and the others are dropped.
// The decision comes before any answer is made or signed.

// rateSlots bounds the limiter's memory whatever the number of networks
// asking: networks share slots by hash, and one that shares with a
// flooding network is slipped to TCP, not cut off.
const rateSlots = 4096

// verdict is what the limiter says of one UDP answer.
type verdict uint8

const (
	answer   verdict = iota // within the limit
	truncate                // past it: an empty answer with TC set
	drop                    // past it: no answer
)

// limiter is a token bucket per slot: rate answers a second, bursts of as
// many.
type limiter struct {
	rate float64
	seed maphash.Seed
	now  func() time.Time

	mu    sync.Mutex
	slots [rateSlots]bucket
}

type bucket struct {
	tokenbucket.Bucket
	slip bool // the next answer past the limit is truncated
}

func newLimiter(perSecond int) *limiter {
	return &limiter{rate: float64(perSecond), seed: maphash.MakeSeed(), now: time.Now}
}

// network is the client network ip is limited as.
func network(ip net.IP) []byte {
	if v4 := ip.To4(); v4 != nil {
		return v4[:3]
	}
	return ip.To16()[:7]
}

// allow says what to do with an answer to ip.
func (l *limiter) allow(ip net.IP) verdict {
	i := maphash.Bytes(l.seed, network(ip)) % rateSlots
	now := l.now()
	v := answer
	locked.Do(&l.mu, func() {
		b := &l.slots[i]
		switch {
		case b.Take(now, l.rate, l.rate):
		case b.slip:
			b.slip, v = false, truncate
		default:
			b.slip, v = true, drop
		}
	})
	return v
}
