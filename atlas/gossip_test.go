package atlas_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/atlas/atlastest"
)

// TestGossipToNodeThatCannotAdmitSender: a node pulls only from peers in
// its table, but a peer can count it as a neighbour, and name it in the
// wave's covered list, while it has not admitted that peer (not checked
// yet, or its slot is held by a live peer). The last node here has a slot
// space of one, so it cannot admit most of the others; files pushed to
// those must still reach it at once, not at its next inventory refresh
// (an hour away).
func TestGossipToNodeThatCannotAdmitSender(t *testing.T) {
	const nodes = 6
	timing := atlastest.FastTiming()
	timing.InventoryRefresh = time.Hour
	c := newCluster(t, atlastest.Options{Nodes: nodes, Timing: timing, Limits: atlas.Limits{PushFanout: 1},
		Configure: func(i int, cfg *atlas.Config) {
			if i == nodes-1 {
				cfg.Limits.MaxPeers = 1 // its two seeds, and one more peer
			}
		}})
	if err := c.StartAll(); err != nil {
		t.Fatal(err)
	}
	x := c.Members[nodes-1]
	waitNeighbours(t, c.Members[:nodes-1], nodes-1)
	waitNeighbours(t, []*atlastest.Member{x}, 3)
	var strangers []*atlastest.Member // nodes x has not admitted, which have x as a neighbour
	known := map[string]bool{}
	for _, p := range x.Node().Peers() {
		known[p.Addr] = true
	}
	for _, m := range c.Members[:nodes-1] {
		if !known[m.Addr] && slices.ContainsFunc(m.Node().Peers(), func(p atlas.PeerStatus) bool { return p.Addr == x.Addr && p.Neighbour }) {
			strangers = append(strangers, m)
		}
	}
	if len(strangers) == 0 {
		t.Fatal("every node is in the last node's table: the test proves nothing")
	}
	rng := rand.New(rand.NewPCG(8, 8))
	p, err := c.Propagate(context.Background(), atlastest.Zonefiles(0, 10), func([]*atlastest.Member) *atlastest.Member {
		return strangers[rng.IntN(len(strangers))]
	}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pushed to %d nodes the last node has not admitted: all nodes hold each file after p50 %s, p99 %s",
		len(strangers), atlastest.Percentile(p.Complete, 0.5), atlastest.Percentile(p.Complete, 0.99))
}

// TestGossipRetriesBusyNeighbour: the wave counts a neighbour as told
// when it sends to it, so a neighbour that refuses every call for a moment
// (overloaded) as the wave passes hears from no one else; the sends to it
// are tried again after pauses that outlast the moment, and it gets the
// file within a second or two, not at its next inventory refresh (an hour
// away).
func TestGossipRetriesBusyNeighbour(t *testing.T) {
	const nodes = 5
	timing := atlastest.FastTiming()
	timing.InventoryRefresh = time.Hour
	var busyUntil atomic.Int64 // unix nanoseconds
	c := newCluster(t, atlastest.Options{Nodes: nodes, Timing: timing,
		Handler: func(i int, h http.Handler) http.Handler {
			if i != nodes-1 {
				return h
			}
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if time.Now().UnixNano() < busyUntil.Load() {
					http.Error(w, `{"error":"overloaded"}`, http.StatusServiceUnavailable)
					return
				}
				h.ServeHTTP(w, r)
			})
		}})
	if err := c.StartAll(); err != nil {
		t.Fatal(err)
	}
	waitNeighbours(t, c.Members, nodes-1)
	rng := rand.New(rand.NewPCG(9, 9))
	others := func([]*atlastest.Member) *atlastest.Member { return c.Members[rng.IntN(nodes-1)] }
	// A first file, so that the busy node has read its neighbours'
	// inventories (it does when it first lacks a file) and will not again
	// for an hour.
	if _, err := c.Propagate(context.Background(), atlastest.Zonefiles(0, 1), others, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	for k := range 3 {
		busyUntil.Store(time.Now().Add(600 * time.Millisecond).UnixNano())
		p, err := c.Propagate(context.Background(), atlastest.Zonefiles(1+k, 1), others, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("node %d refusing calls for 600ms: the file reached every node after %s", nodes-1, p.Complete[0])
	}
}
