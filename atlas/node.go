package atlas

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// Config is what a node runs with. Network, Chain and Store are required;
// zero Timing and Limits fields take the defaults.
type Config struct {
	// Network names the chain ("mainnet", "devnet", …); peers on another
	// network are refused.
	Network string
	// Advertise is the host:port peers reach this node's RPC at; empty,
	// the node only calls out and no one adds it as a peer.
	Advertise string
	// Seeds are the first peers (host:port), kept even when unhealthy.
	Seeds []string
	// Blacklist entries (host or host:port) are never called, and their
	// requests are refused.
	Blacklist []string
	Chain     Chain
	Store     *store.Store
	Log       *slog.Logger // nil: discard
	// Client makes the calls to peers (tests give it a fault-injecting
	// transport); nil is a client of its own. Each call has its own
	// timeout (Timing), so the client needs none.
	Client *http.Client
	Timing Timing
	Limits Limits
	// Metrics, if set, receives the node's Prometheus metrics
	// (docs/metrics.md); nil: none are kept.
	Metrics prometheus.Registerer
}

// Timing paces the node. Blockstack v1's values (A.5) are given where
// these differ; push gossip and announcements are what let the refresh
// intervals stay long while new files still spread in well under a
// second.
type Timing struct {
	// ChainPoll is how often the chain view is read for new hashes.
	ChainPoll time.Duration // 1s
	// Walk is the pause between random-walk steps while the node has
	// fewer neighbours than it wants; WalkIdle once it has them (v1: 300s).
	Walk     time.Duration // 1s
	WalkIdle time.Duration // 30s
	// InventoryRefresh is how old a neighbour's inventory may get while
	// this node lacks files (v1: 600s, whether or not it lacked any); a
	// sixth of it while refreshes keep showing neighbours holding files
	// this node lacks (they are fetching them from further away).
	InventoryRefresh time.Duration // 60s
	// PullRetry is how often pulls are planned again without news.
	PullRetry time.Duration // 1s
	// Revalidate is the age after which a peer is checked again (v1:
	// 31 days).
	Revalidate time.Duration // 1h
	// HealthWindow is the span of a peer's health score (v1: 1h).
	HealthWindow time.Duration // 1h
	// Ban is how long a peer stays out after misbehaving (serving bad
	// bytes, following another chain) or after being removed as unhealthy
	// three times within it.
	Ban time.Duration // 1h
	// Call timeouts, v1's. An answer that takes more than half of its
	// timeout counts against the peer's health, as a timeout does.
	PingTimeout      time.Duration // 3s: getinfo, ping
	InventoryTimeout time.Duration // 10s: get_zonefile_inventory, announce, peer_exchange
	GetTimeout       time.Duration // 30s: get_zonefiles
	PutTimeout       time.Duration // 10s: put_zonefiles
	// BodyRead is how long a request's body may take to arrive once its
	// headers have: a caller that trickles it is cut off with 408 long
	// before the HTTP server's read timeout.
	BodyRead time.Duration // 5s
}

// Limits bound what a node holds, sends and serves.
type Limits struct {
	// NumNeighbors is how many peers the node refreshes inventories from,
	// pulls from and pushes to (v1's NUM_NEIGHBORS).
	NumNeighbors int // 80
	// MaxPeers is the size of the peer table's slot space (v1's
	// PEER_MAX_DB).
	MaxPeers int // 65536
	// PushFanout is how many neighbours get the bytes of a newly pushed
	// zone file; the others that lack it get an announcement and pull.
	PushFanout int // 3
	// MaxLag is how many blocks behind this node a peer may be.
	MaxLag int64 // 24
	// MinHealth and MinRequests: a peer with at least MinRequests requests
	// in the health window and a score below MinHealth is not used, and
	// unless it is a seed it is removed and banned (v1: 0.5 and 10).
	MinHealth   float64 // 0.5
	MinRequests int     // 10
	// MaxPulls bounds get_zonefiles calls in flight (one per peer).
	MaxPulls int // 8
	// MaxPerCaller bounds the requests one caller (an IPv4 address or an
	// IPv6 /64) may have open at once, counted from before their bodies
	// are read; RatePerPeer and RateBurst limit the requests it makes a
	// second. Both are checked before MaxInflight, which bounds the
	// requests being served at once, so that no caller can fill it.
	MaxPerCaller int     // 16
	RatePerPeer  float64 // 200 requests/s
	RateBurst    int     // 400
	MaxInflight  int     // 64
}

// DefaultTiming is the Timing zero fields stand for.
func DefaultTiming() Timing {
	var t Timing
	t.defaults()
	return t
}

// DefaultLimits is the Limits zero fields stand for.
func DefaultLimits() Limits {
	var l Limits
	l.defaults()
	return l
}

func (t *Timing) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&t.ChainPoll, time.Second)
	set(&t.Walk, time.Second)
	set(&t.WalkIdle, 30*time.Second)
	set(&t.InventoryRefresh, time.Minute)
	set(&t.PullRetry, time.Second)
	set(&t.Revalidate, time.Hour)
	set(&t.HealthWindow, time.Hour)
	set(&t.Ban, time.Hour)
	set(&t.PingTimeout, 3*time.Second)
	set(&t.InventoryTimeout, 10*time.Second)
	set(&t.GetTimeout, 30*time.Second)
	set(&t.PutTimeout, 10*time.Second)
	set(&t.BodyRead, 5*time.Second)
}

func (l *Limits) defaults() {
	set := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	set(&l.NumNeighbors, 80)
	set(&l.MaxPeers, 65536)
	set(&l.PushFanout, 3)
	set(&l.MaxPulls, 8)
	set(&l.MinRequests, 10)
	set(&l.RateBurst, 400)
	set(&l.MaxInflight, 64)
	set(&l.MaxPerCaller, 16)
	if l.MaxLag <= 0 {
		l.MaxLag = 24
	}
	if l.MinHealth <= 0 {
		l.MinHealth = 0.5
	}
	if l.RatePerPeer <= 0 {
		l.RatePerPeer = 200
	}
}

// Node is an Atlas peer. Its Handler serves the RPC (the caller owns the
// HTTP server); Run runs the loops that keep the replica complete.
type Node struct {
	cfg       Config
	log       *slog.Logger
	metrics   *nodeMetrics // nil: no metrics
	hc        *http.Client
	id        string
	slotKey   [32]byte
	seeds     map[string]bool
	blacklist map[string]bool // canonical host:port and bare hosts

	inflight chan struct{} // requests being served
	open     *openCounter  // requests open per caller IP
	limiter  *limiter
	// ready is set once the chain view has been read: before that the
	// inventory is empty, and a peer that read it would think we hold
	// nothing.
	ready atomic.Bool

	wakeChain, wakeWalk, wakeRefresh, wakePull, wakeGossip chan struct{}
	runOnce                                                sync.Once

	mu sync.Mutex
	// The local inventory: hashes in chain order, where each hash sits,
	// and which we hold.
	hashes []zonefile.Hash
	index  map[zonefile.Hash][]int
	have   bitvec
	synced BlockID // the tip read before the last chain sync
	// The peer table.
	peers     map[string]*peer
	slots     map[int]string
	banned    map[string]time.Time
	strikes   map[string]strike // removals for ill health
	selfAddrs map[string]bool
	nbrs      int // peers that are neighbours
	cands     candidates
	samples   []string // recent random-walk positions, newest last
	// Refreshing: when a refresh last showed a neighbour holding a file we
	// lack that we did not know it held.
	revealed time.Time
	// Pulling.
	fetching   map[zonefile.Hash]bool
	pulls      int
	order      []int // missing bits, rarest first, as last ranked
	orderStale bool
	orderAt    time.Time
	announced  []announcedBit // bits peers announced that we lack: pulled first
	// Gossip.
	outboxes   map[string]*outbox
	pending    []pendingGossip // learned before the chain view named them
	early      []earlyFile     // pushed before the chain view named them
	earlyBytes int
}

// New checks cfg and returns a node; nothing runs until Run.
func New(cfg Config) (*Node, error) {
	if cfg.Network == "" || cfg.Chain == nil || cfg.Store == nil {
		return nil, errors.New("atlas: Config needs Network, Chain and Store")
	}
	cfg.Timing.defaults()
	cfg.Limits.defaults()
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	n := &Node{
		cfg: cfg, log: cfg.Log.With("atlas", cfg.Advertise), hc: cfg.Client,
		seeds: map[string]bool{}, blacklist: map[string]bool{},
		inflight: make(chan struct{}, cfg.Limits.MaxInflight),
		open:     newOpenCounter(cfg.Limits.MaxPerCaller),
		limiter:  newLimiter(cfg.Limits.RatePerPeer, cfg.Limits.RateBurst),
		index:    map[zonefile.Hash][]int{}, synced: BlockID{Height: -1},
		peers: map[string]*peer{}, slots: map[int]string{}, banned: map[string]time.Time{}, strikes: map[string]strike{}, selfAddrs: map[string]bool{},
		cands:    newCandidates(),
		fetching: map[zonefile.Hash]bool{}, outboxes: map[string]*outbox{},
	}
	for _, c := range []*chan struct{}{&n.wakeChain, &n.wakeWalk, &n.wakeRefresh, &n.wakePull, &n.wakeGossip} {
		*c = make(chan struct{}, 1)
	}
	if n.hc == nil {
		n.hc = &http.Client{}
	}
	n.metrics = newNodeMetrics(cfg.Metrics, n)
	var id [8]byte
	rand.Read(id[:])
	rand.Read(n.slotKey[:])
	n.id = hex.EncodeToString(id[:])
	if cfg.Advertise != "" {
		a, err := canonAddr(cfg.Advertise)
		if err != nil {
			return nil, fmt.Errorf("atlas: advertised address: %w", err)
		}
		n.cfg.Advertise = a
		n.selfAddrs[a] = true
	}
	for _, b := range cfg.Blacklist {
		if a, err := canonAddr(b); err == nil {
			n.blacklist[a] = true
		} else if h := normHost(b); h != "" {
			n.blacklist[h] = true
		} else {
			return nil, fmt.Errorf("atlas: blacklist entry %q is neither host nor host:port", b)
		}
	}
	for _, s := range cfg.Seeds {
		a, err := canonAddr(s)
		if err != nil {
			return nil, fmt.Errorf("atlas: seed: %w", err)
		}
		if n.blacklisted(a) {
			return nil, fmt.Errorf("atlas: seed %s is blacklisted", a)
		}
		n.seeds[a] = true
	}
	return n, nil
}

// Run keeps the replica complete until ctx ends: it follows the chain
// view, samples peers by random walk, refreshes neighbours' inventories,
// pulls missing zone files rarest first and gossips new ones. It returns
// when every goroutine it started has stopped. A node runs once.
func (n *Node) Run(ctx context.Context) error {
	first := false
	n.runOnce.Do(func() { first = true })
	if !first {
		return errors.New("atlas: Run called twice")
	}
	if err := n.syncChain(ctx); err != nil && ctx.Err() == nil {
		n.log.Warn("atlas: reading the chain view", "err", err)
	}
	var wg sync.WaitGroup
	for _, loop := range []func(context.Context){n.chainLoop, n.walkLoop, n.refreshLoop, n.pullLoop, n.gossipLoop} {
		wg.Go(func() { loop(ctx) })
	}
	wg.Wait()
	return ctx.Err()
}

// Added tells the node that its store just gained a zone file from a
// client (the REST API's POST /v1/zonefile): the node pushes it on to its
// neighbours. It does not block.
func (n *Node) Added(h zonefile.Hash) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.markHaveLocked(h)
	n.gossipLocked(h, "", true, nil)
}

// Addr is the advertised address ("" if none).
func (n *Node) Addr() string { return n.cfg.Advertise }

// Status is a summary of a node's state.
type Status struct {
	Inventory  int // zone file hashes the chain view names
	Present    int // of those, held
	Peers      int
	Neighbours int
}

// Status reports the node's state.
func (n *Node) Status() Status {
	n.mu.Lock()
	defer n.mu.Unlock()
	return Status{Inventory: len(n.hashes), Present: n.have.Count(), Peers: len(n.peers), Neighbours: n.nbrs}
}

// PeerStatus describes an entry of the peer table.
type PeerStatus struct {
	Addr      string
	Health    float64
	Requests  int // in the health window
	Seed      bool
	Neighbour bool
}

// Peers lists the peer table.
func (n *Node) Peers() []PeerStatus {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := time.Now()
	out := make([]PeerStatus, 0, len(n.peers))
	for _, p := range n.peers {
		h, r := p.health.score(now, n.cfg.Timing.HealthWindow)
		out = append(out, PeerStatus{Addr: p.addr, Health: h, Requests: r, Seed: p.seed, Neighbour: p.neighbour})
	}
	return out
}

// Banned reports whether addr is banned for misbehaving.
func (n *Node) Banned(addr string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.bannedLocked(addr)
}

// Strikes is how many times addr was removed from the peer table for ill
// health within the ban time (the third removal bans it).
func (n *Node) Strikes(addr string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.strikes[addr]
	if time.Since(s.last) > n.cfg.Timing.Ban {
		return 0
	}
	return s.count
}

func (n *Node) bannedLocked(addr string) bool {
	until, ok := n.banned[addr]
	if ok && time.Now().After(until) {
		delete(n.banned, addr)
		return false
	}
	return ok
}

// wake signals a loop without blocking.
func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// sleep waits d, a wake-up or the end of ctx; it reports whether ctx is
// still live.
func sleep(ctx context.Context, d time.Duration, wakeup <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wakeup:
	}
	return true
}
