package atlas_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/atlas/atlastest"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// chainOf builds a chain with blocks naming one hash each.
func chainOf(tag string, hashes []zonefile.Hash) *atlastest.Chain {
	c := atlastest.NewChain(tag)
	for _, h := range hashes {
		c.Name(h)
	}
	return c
}

func peerAddrs(n *atlas.Node) []string {
	var out []string
	for _, p := range n.Peers() {
		out = append(out, p.Addr)
	}
	return out
}

// TestNewPeerChecks: a node takes as peers only nodes on its network that
// agree with its consensus hash at a height both have processed and are
// not too far behind; a node ahead of it on the same chain is fine, and a
// node on a fork is banned.
func TestNewPeerChecks(t *testing.T) {
	hashes := atlastest.Hashes(atlastest.Zonefiles(0, 40))
	const (
		ref = iota
		otherNet
		forked
		stale
		ahead
		nodes
	)
	const network = "atlastest-checks"
	chains := map[int]*atlastest.Chain{
		forked: chainOf("a fork", hashes),
		stale:  chainOf(network, hashes[:10]), // 30 blocks behind; the limit is 24
		ahead:  chainOf(network, hashes),
	}
	chains[ahead].Name(atlastest.Hashes(atlastest.Zonefiles(40, 5))...)
	c := newCluster(t, atlastest.Options{Nodes: nodes, Network: network, ChainOf: func(i int, _ *atlastest.Chain) atlas.Chain {
		if ch := chains[i]; ch != nil {
			return ch
		}
		return nil
	}, Configure: func(i int, cfg *atlas.Config) {
		if i == otherNet {
			cfg.Network = "another"
		}
		cfg.Seeds = nil // everyone introduces itself to ref below
	}})
	for _, h := range hashes {
		c.Chain.Name(h)
	}
	if err := c.StartAll(); err != nil {
		t.Fatal(err)
	}
	addr := c.Addrs()
	refNode := c.Members[ref].Node()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range nodes {
		if i != ref {
			introduce(ctx, addr[i], addr[ref])
			introduce(ctx, addr[ref], addr[i])
		}
	}
	// The stale node takes ref (ahead of it, same chain): it must catch up
	// from someone.
	err := atlastest.Wait(ctx, 20*time.Millisecond, func() bool {
		return slices.Contains(peerAddrs(refNode), addr[ahead]) && slices.Contains(peerAddrs(c.Members[stale].Node()), addr[ref]) &&
			refNode.Banned(addr[forked])
	})
	if err != nil {
		t.Fatalf("ref's peers %v (banned fork: %v); stale node's peers %v", peerAddrs(refNode), refNode.Banned(addr[forked]),
			peerAddrs(c.Members[stale].Node()))
	}
	// Give refused candidates time to have been checked again.
	time.Sleep(500 * time.Millisecond)
	for _, i := range []int{otherNet, forked, stale} {
		if slices.Contains(peerAddrs(refNode), addr[i]) {
			t.Errorf("ref took node %d as a peer", i)
		}
	}
	if slices.Contains(peerAddrs(c.Members[otherNet].Node()), addr[ref]) {
		t.Error("the node on another network took ref as a peer")
	}
}

// TestEviction: in a full peer table a newcomer does not displace a peer
// that answers, and does displace one that stopped answering (the
// eviction v1 meant to have).
func TestEviction(t *testing.T) {
	c := newCluster(t, atlastest.Options{Nodes: 3, Configure: func(i int, cfg *atlas.Config) {
		if i == 0 {
			cfg.Seeds = nil
			cfg.Limits.MaxPeers = 1      // one slot: every newcomer collides
			cfg.Limits.MinRequests = 1e6 // so that only eviction removes anyone
		}
	}})
	c.Chain.Name(atlastest.Hashes(atlastest.Zonefiles(0, 1))...)
	if err := c.StartAll(); err != nil {
		t.Fatal(err)
	}
	n0 := c.Members[0].Node()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := atlastest.Wait(ctx, 10*time.Millisecond, func() bool { return len(n0.Peers()) == 1 }); err != nil {
		t.Fatal("node 0 took no peer")
	}
	holder := n0.Peers()[0].Addr
	// Both others keep calling node 0 (they are seeded with it); the holder
	// answers, so it keeps the slot.
	for range 20 {
		if got := peerAddrs(n0); len(got) != 1 || got[0] != holder {
			t.Fatalf("node 0's table changed while its peer was alive: %v, was [%s]", got, holder)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var holderIdx, other int
	for i, a := range c.Addrs() {
		if a == holder {
			holderIdx = i
		}
	}
	other = 3 - holderIdx
	if err := c.Members[holderIdx].Kill(); err != nil {
		t.Fatal(err)
	}
	err := atlastest.Wait(ctx, 10*time.Millisecond, func() bool {
		got := peerAddrs(n0)
		return len(got) == 1 && got[0] == c.Members[other].Addr
	})
	if err != nil {
		t.Fatalf("the dead peer was not evicted for the live one: %v", peerAddrs(n0))
	}
}

// TestShutdown: stopping a node ends every goroutine it started, promptly,
// even with calls in flight to a peer that never answers in time.
func TestShutdown(t *testing.T) {
	http.DefaultClient.CloseIdleConnections()
	before := runtime.NumGoroutine()
	sloth := &adversary{kind: 2, slow: time.Hour}
	c, err := atlastest.New(atlastest.Options{Nodes: 4, Dir: stateDir(t), Handler: func(i int, h http.Handler) http.Handler {
		if i == 3 {
			sloth.next = h
			return sloth
		}
		return h
	}})
	if err != nil {
		t.Fatal(err)
	}
	files := atlastest.Zonefiles(0, 200)
	hashes := atlastest.Hashes(files)
	c.Chain.NameAll(hashes, 100)
	seed(t, c, rand.New(rand.NewPCG(5, 5)), files, c.Members[:2])
	if err := c.StartAll(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := c.Members[0].Node().Run(context.Background()); err == nil {
		t.Error("a second Run of a running node did not fail")
	}
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("stopping 4 nodes took %s", took)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := atlastest.Wait(ctx, 50*time.Millisecond, func() bool { return runtime.NumGoroutine() <= before+2 }); err != nil {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after stopping, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
	}
}
