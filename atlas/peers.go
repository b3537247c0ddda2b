package atlas

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// health is a peer's record of answers over a sliding window: Blockstack
// v1's score, successes / requests over the last hour (A.5), counting the
// requests (v1's helper counted successes) and bounded in memory.
type health struct {
	events []healthEvent // oldest first
}

type healthEvent struct {
	at time.Time
	ok bool
}

// maxHealthEvents bounds a peer's record; older events fall out first.
const maxHealthEvents = 256

func (h *health) record(now time.Time, window time.Duration, ok bool, weight int) {
	for range weight {
		h.events = append(h.events, healthEvent{now, ok})
	}
	cut := 0
	for cut < len(h.events) && (now.Sub(h.events[cut].at) > window || len(h.events)-cut > maxHealthEvents) {
		cut++
	}
	h.events = append(h.events[:0], h.events[cut:]...)
}

// score is successes / requests over the window, and 1 with no requests
// in it: a peer is admitted only after answering, so no record means it
// has simply not been asked lately.
func (h *health) score(now time.Time, window time.Duration) (score float64, requests int) {
	ok := 0
	for _, e := range h.events {
		if now.Sub(e.at) <= window {
			requests++
			if e.ok {
				ok++
			}
		}
	}
	if requests == 0 {
		return 1, 0
	}
	return float64(ok) / float64(requests), requests
}

// peer is an entry of the peer table: an address that passed the new-peer
// checks.
type peer struct {
	addr    string
	seed    bool // from config: never evicted, and kept as a neighbour candidate
	slot    int  // -1 for seeds, which live outside the slot space
	checked time.Time
	health  health
	// badReports counts addresses this peer gave us that failed their
	// checks; every few of them cost it a failed request.
	badReports int

	// Neighbour state: peers we refresh inventories from, pull from and
	// push to.
	neighbour bool
	inv       bitvec    // its inventory as far as we know, cut to our length
	invAt     time.Time // last refresh (zero: refresh now)
	pulling   int       // get_zonefiles to it in flight
	refresh   bool      // an inventory refresh is in flight
	busyUntil time.Time // it answered "busy": leave it alone until then
}

// slotOf places an address in the slot space with a keyed hash, so that
// an attacker cannot aim new addresses at the slots of good peers (v1
// salted with a per-insert nonce, which let one address land anywhere).
func slotOf(key [32]byte, addr string, slots int) int {
	h := sha256.New()
	h.Write(key[:])
	h.Write([]byte(addr))
	return int(binary.BigEndian.Uint64(h.Sum(nil)) % uint64(slots))
}
