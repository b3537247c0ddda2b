package atlas_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"sync"
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
	refusals := &refusalLog{}
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
		if i == ref {
			cfg.Log = slog.New(refusals)
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
	// Wait until ref has checked and refused the others (the fork is
	// banned), so that the assertions below are not early. A candidate
	// can be dropped unchecked when too many arrive at once: those not
	// refused yet introduce themselves again.
	err = atlastest.Wait(ctx, 10*time.Millisecond, func() bool {
		done := true
		for _, i := range []int{otherNet, stale} {
			if !refusals.has(addr[i]) {
				introduce(ctx, addr[i], addr[ref])
				done = false
			}
		}
		return done
	})
	if err != nil {
		t.Fatalf("ref did not refuse the node on another network (%v) and the stale one (%v)", refusals.has(addr[otherNet]), refusals.has(addr[stale]))
	}
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
	checks := &checkCounter{}
	c := newCluster(t, atlastest.Options{Nodes: 3, Handler: checks.wrap, Configure: func(i int, cfg *atlas.Config) {
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
	var holderIdx, other int
	for i, a := range c.Addrs() {
		if a == holder {
			holderIdx = i
		}
	}
	other = 3 - holderIdx
	// The other keeps calling node 0 (it is seeded with it), so node 0
	// checks it as a newcomer again and again; each check ends (its
	// admission tried, the holder pinged) before the next begins. After
	// three, the holder, which answers, must still have the slot.
	from0 := c.Members[0].Addr
	if err := atlastest.Wait(ctx, 10*time.Millisecond, func() bool { return checks.count(c.Members[other].Addr, from0) >= 3 }); err != nil {
		t.Fatalf("node 0 checked the newcomer %d times", checks.count(c.Members[other].Addr, from0))
	}
	if got := peerAddrs(n0); len(got) != 1 || got[0] != holder {
		t.Fatalf("node 0's table changed while its peer was alive: %v, was [%s]", got, holder)
	}
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
	// A node reads its chain view only inside Run: once it has, Run is
	// under way and a second one must fail at once (the context bounds it
	// should it not).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n0 := c.Members[0].Node()
	if err := atlastest.Wait(ctx, 10*time.Millisecond, func() bool { return n0.Status().Inventory == len(files) }); err != nil {
		t.Fatal("node 0 did not read its chain view")
	}
	if err := n0.Run(ctx); err == nil {
		t.Error("a second Run of a running node did not fail")
	}
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("stopping 4 nodes took %s", took)
	}
	if err := atlastest.Wait(ctx, 50*time.Millisecond, func() bool { return runtime.NumGoroutine() <= before+2 }); err != nil {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after stopping, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
	}
}

// refusalLog is a log handler that notes the candidates a node refused
// (its "candidate refused" lines): the node's own signal that a check is
// over.
type refusalLog struct {
	mu      sync.Mutex
	refused map[string]bool
}

func (l *refusalLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *refusalLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *refusalLog) WithGroup(string) slog.Handler            { return l }

func (l *refusalLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "atlas: candidate refused" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "peer" {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.refused == nil {
				l.refused = map[string]bool{}
			}
			l.refused[a.Value.String()] = true
		}
		return true
	})
	return nil
}

func (l *refusalLog) has(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused[addr]
}

// checkCounter counts the getinfo calls (the new-peer check) each node
// receives, by caller.
type checkCounter struct {
	mu sync.Mutex
	n  map[[2]string]int // {callee, caller}
}

func (c *checkCounter) wrap(i int, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var req struct{ Method, Peer string }
		if json.Unmarshal(body, &req) == nil && req.Method == "getinfo" {
			c.mu.Lock()
			if c.n == nil {
				c.n = map[[2]string]int{}
			}
			c.n[[2]string{r.Host, req.Peer}]++
			c.mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	})
}

func (c *checkCounter) count(callee, caller string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[[2]string{callee, caller}]
}
