package atlastest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// Options describe a cluster.
type Options struct {
	Nodes int
	// Dir holds the nodes' state folders (Dir/<i>/zonefiles); "" is a
	// temporary folder that Close removes.
	Dir string
	// Network names the cluster's network and tags its chain; "" is
	// "atlastest-" and a random suffix, so that clusters of test processes
	// running side by side never take each other's nodes as peers.
	Network string
	// Timing and Limits of every node; zero Timing is FastTiming.
	Timing atlas.Timing
	Limits atlas.Limits
	Log    *slog.Logger
	// ChainOf, if set, is node i's chain view (its store's too), given the
	// cluster's Chain; nil for that Chain itself.
	ChainOf func(i int, shared *Chain) atlas.Chain
	// Configure, if set, adjusts node i's configuration before it starts.
	Configure func(i int, cfg *atlas.Config)
	// Handler, if set, wraps node i's RPC handler (a test's adversary).
	Handler func(i int, h http.Handler) http.Handler
}

// FastTiming paces nodes for tests: the same logic as the defaults, on a
// scale of milliseconds.
func FastTiming() atlas.Timing {
	return atlas.Timing{
		ChainPoll: 100 * time.Millisecond, Walk: 50 * time.Millisecond, WalkIdle: time.Second,
		InventoryRefresh: 2 * time.Second, PullRetry: 200 * time.Millisecond,
		PingTimeout: 2 * time.Second, InventoryTimeout: 4 * time.Second, GetTimeout: 8 * time.Second, PutTimeout: 4 * time.Second,
	}
}

// Cluster is a network of Atlas nodes in this process.
type Cluster struct {
	Chain   *Chain
	Faults  *Faults
	Members []*Member
	opts    Options
	tmp     string
}

// Member is one node of a cluster, on a fixed address and state folder
// across restarts.
type Member struct {
	Index int
	Addr  string // host:port of its RPC
	Dir   string
	c     *Cluster
	sent  atomic.Int64

	mu        sync.Mutex
	ln        net.Listener
	store     *store.Store
	node      *atlas.Node
	srv       *http.Server
	transport *http.Transport
	cancel    context.CancelFunc
	done      chan struct{}
}

// New creates a cluster's members: addresses reserved, stores open, no
// node running yet (so that tests can fill the stores first).
func New(opts Options) (*Cluster, error) {
	if opts.Nodes < 1 {
		return nil, errors.New("atlastest: a cluster needs nodes")
	}
	if opts.Network == "" {
		var b [6]byte
		rand.Read(b[:])
		opts.Network = "atlastest-" + hex.EncodeToString(b[:])
	}
	if opts.Timing == (atlas.Timing{}) {
		opts.Timing = FastTiming()
	}
	c := &Cluster{Chain: NewChain(opts.Network), Faults: NewFaults(), opts: opts}
	if opts.Dir == "" {
		tmp, err := os.MkdirTemp("", "atlastest")
		if err != nil {
			return nil, fmt.Errorf("atlastest: %w", err)
		}
		c.tmp, c.opts.Dir = tmp, tmp
	}
	for i := range opts.Nodes {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("atlastest: %w", err)
		}
		m := &Member{Index: i, Addr: ln.Addr().String(), Dir: filepath.Join(c.opts.Dir, strconv.Itoa(i)), c: c, ln: ln}
		c.Members = append(c.Members, m)
		if m.store, err = store.Open(filepath.Join(m.Dir, "zonefiles"), c.chainOf(i), nil); err != nil {
			c.Close()
			return nil, fmt.Errorf("atlastest: node %d: %w", i, err)
		}
	}
	return c, nil
}

// StartAll starts every member that is not running.
func (c *Cluster) StartAll() error {
	for _, m := range c.Members {
		if !m.Running() {
			if err := m.Start(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Cluster) chainOf(i int) atlas.Chain {
	if c.opts.ChainOf != nil {
		if ch := c.opts.ChainOf(i, c.Chain); ch != nil {
			return ch
		}
	}
	return c.Chain
}

// Close stops every member and removes a temporary folder.
func (c *Cluster) Close() error {
	var errs []error
	for _, m := range c.Members {
		errs = append(errs, m.Kill())
		locked.Do(&m.mu, func() {
			if m.ln != nil {
				m.ln.Close()
				m.ln = nil
			}
			if m.store != nil {
				errs = append(errs, m.store.Close())
				m.store = nil
			}
		})
	}
	if c.tmp != "" {
		errs = append(errs, os.RemoveAll(c.tmp))
	}
	return errors.Join(errs...)
}

// Addrs lists the members' addresses.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Members))
	for i, m := range c.Members {
		out[i] = m.Addr
	}
	return out
}

// Seeds of member i: the member before it and member 0, so that the
// first walk has somewhere to go even while some members are down.
func (c *Cluster) seeds(i int) []string {
	n := len(c.Members)
	var out []string
	for _, j := range []int{(i + n - 1) % n, 0} {
		if j != i && (len(out) == 0 || out[0] != c.Members[j].Addr) {
			out = append(out, c.Members[j].Addr)
		}
	}
	return out
}

// Start runs the member's node: store reopened if it was killed, RPC
// served on its address, loops running.
func (m *Member) Start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.node != nil {
		return fmt.Errorf("atlastest: node %d is running", m.Index)
	}
	c := m.c
	var err error
	if m.store == nil {
		if m.store, err = store.Open(filepath.Join(m.Dir, "zonefiles"), c.chainOf(m.Index), nil); err != nil {
			return fmt.Errorf("atlastest: node %d: %w", m.Index, err)
		}
	}
	if m.ln == nil {
		// Its old port: a restarted node keeps its address, as a real one
		// does.
		if m.ln, err = net.Listen("tcp", m.Addr); err != nil {
			return fmt.Errorf("atlastest: node %d: %w", m.Index, err)
		}
	}
	m.transport = &http.Transport{DialContext: countingDialer(&m.sent), MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second}
	log := c.opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := atlas.Config{
		Network: c.opts.Network, Advertise: m.Addr, Seeds: c.seeds(m.Index), Chain: c.chainOf(m.Index), Store: m.store,
		Log: log, Client: &http.Client{Transport: c.Faults.Transport(m.Addr, m.transport)},
		Timing: c.opts.Timing, Limits: c.opts.Limits,
	}
	if c.opts.Configure != nil {
		c.opts.Configure(m.Index, &cfg)
	}
	node, err := atlas.New(cfg)
	if err != nil {
		return fmt.Errorf("atlastest: node %d: %w", m.Index, err)
	}
	h := node.Handler()
	if c.opts.Handler != nil {
		h = c.opts.Handler(m.Index, h)
	}
	m.srv = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: time.Minute, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
	ctx, cancel := context.WithCancel(context.Background())
	m.node, m.cancel, m.done = node, cancel, make(chan struct{})
	srv, ln, done := m.srv, countingListener{m.ln, &m.sent}, m.done
	serveDone := make(chan struct{})
	go func() {
		defer close(serveDone)
		srv.Serve(ln)
	}()
	go func() {
		defer close(done)
		node.Run(ctx)
		<-serveDone
	}()
	return nil
}

// Kill stops the member as a crash would, as far as peers can tell: its
// address stops answering and its loops stop. Its store is closed (and
// reopened by Start), keeping what it held.
func (m *Member) Kill() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.node == nil {
		return nil
	}
	m.srv.Close() // closes the listener and every connection
	m.cancel()
	<-m.done
	m.transport.CloseIdleConnections()
	m.node, m.srv, m.ln = nil, nil, nil
	err := m.store.Close()
	m.store = nil
	return err
}

// Running reports whether the member's node runs.
func (m *Member) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.node != nil
}

// Node is the member's running node (nil when killed).
func (m *Member) Node() *atlas.Node {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.node
}

// Store is the member's store (nil when killed).
func (m *Member) Store() *store.Store {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.store
}

// Sent is the number of bytes the member has written to the network:
// its requests and its replies, HTTP headers included.
func (m *Member) Sent() int64 { return m.sent.Load() }

// Has reports whether the member's store holds h.
func (m *Member) Has(h zonefile.Hash) bool {
	s := m.Store()
	return s != nil && s.Has(h)
}

// Running lists the running members.
func (c *Cluster) Running() []*Member {
	var out []*Member
	for _, m := range c.Members {
		if m.Running() {
			out = append(out, m)
		}
	}
	return out
}

// Seed puts each file into the store of a member pick chooses for it
// (before the members start, as if they held them from earlier).
func (c *Cluster) Seed(ctx context.Context, files [][]byte, pick func(i int) *Member) error {
	for i, f := range files {
		m := pick(i)
		s := m.Store()
		if s == nil {
			return fmt.Errorf("atlastest: seeding node %d: it is not running", m.Index)
		}
		if _, _, err := s.Put(ctx, f); err != nil {
			return fmt.Errorf("atlastest: seeding node %d: %w", m.Index, err)
		}
	}
	return nil
}

// Lacking counts, for each member given (every member if none), the
// hashes it lacks; -1 for a member that is not running.
func (c *Cluster) Lacking(hashes []zonefile.Hash, members ...*Member) map[int]int {
	if members == nil {
		members = c.Members
	}
	out := map[int]int{}
	for _, m := range members {
		if s := m.Store(); s == nil {
			out[m.Index] = -1
		} else if k := len(s.Missing(hashes)); k > 0 {
			out[m.Index] = k
		}
	}
	return out
}

// WaitHold waits until every member given (every member if none) holds
// every hash; it returns how long that took, or an error saying who
// lacks how many when ctx ends first.
func (c *Cluster) WaitHold(ctx context.Context, hashes []zonefile.Hash, members ...*Member) (time.Duration, error) {
	start := time.Now()
	err := Wait(ctx, 20*time.Millisecond, func() bool { return len(c.Lacking(hashes, members...)) == 0 })
	if err != nil {
		return 0, fmt.Errorf("after %s, node -> zone files lacking: %v: %w", time.Since(start).Round(time.Millisecond),
			c.Lacking(hashes, members...), err)
	}
	return time.Since(start), nil
}

// Propagation is how new zone files spread.
type Propagation struct {
	Arrivals []time.Duration // from the push to each other running node's store
	Complete []time.Duration // from the push to the last node's store, per file
}

// Propagate names each file on chain and pushes it to a running member
// chosen by pick, as a client publishing a name's zone file does
// (put_zonefiles), one file at a time, and times its spread to every
// running member. Each file must reach them all within within.
func (c *Cluster) Propagate(ctx context.Context, files [][]byte, pick func(live []*Member) *Member, within time.Duration) (Propagation, error) {
	var p Propagation
	live := c.Running()
	for _, f := range files {
		h := zonefile.HashOf(f)
		c.Chain.Name(h)
		to := pick(live)
		start := time.Now()
		res, err := atlas.PutZonefiles(ctx, http.DefaultClient, to.Addr, [][]byte{f})
		if err != nil {
			return p, err
		}
		if res[0] != "saved" {
			return p, fmt.Errorf("atlastest: put_zonefiles to node %d: %s", to.Index, res[0])
		}
		got := map[int]bool{to.Index: true}
		for len(got) < len(live) {
			if time.Since(start) > within {
				return p, fmt.Errorf("atlastest: zone file %s pushed to node %d reached %d of %d nodes in %s", h, to.Index, len(got), len(live), within)
			}
			for _, m := range live {
				if !got[m.Index] && m.Has(h) {
					got[m.Index] = true
					p.Arrivals = append(p.Arrivals, time.Since(start))
				}
			}
			time.Sleep(time.Millisecond)
		}
		p.Complete = append(p.Complete, time.Since(start))
	}
	return p, nil
}

// Percentile is the p-quantile (0 to 1) of ds.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// Verify checks that every member holds exactly hashes (nothing missing,
// nothing else) and that every file on disk matches its hash.
func (c *Cluster) Verify(ctx context.Context, hashes []zonefile.Hash) error {
	want := map[zonefile.Hash]bool{}
	for _, h := range hashes {
		want[h] = true
	}
	for _, m := range c.Members {
		s := m.Store()
		if s == nil {
			return fmt.Errorf("node %d is not running", m.Index)
		}
		if miss := s.Missing(hashes); len(miss) > 0 {
			return fmt.Errorf("node %d lacks %d zone files, e.g. %s", m.Index, len(miss), miss[0])
		}
		lost, err := s.Verify(ctx)
		if err != nil {
			return fmt.Errorf("node %d: %w", m.Index, err)
		}
		if len(lost) > 0 {
			return fmt.Errorf("node %d: %d zone files failed their hash check, e.g. %s", m.Index, len(lost), lost[0])
		}
		if s.Len() != len(want) {
			return fmt.Errorf("node %d holds %d zone files, the chain names %d", m.Index, s.Len(), len(want))
		}
	}
	return nil
}

// Wait polls cond every interval until it holds or ctx ends.
func Wait(ctx context.Context, every time.Duration, cond func() bool) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
