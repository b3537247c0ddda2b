package atlas

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/locked"
)

// Peer discovery and the peer table: Blockstack v1's crawler (A.6, A.7)
// with its eviction fixed. Candidates come from seeds, peer exchange
// replies and callers; each must pass the new-peer checks before it enters
// the table, and the table's neighbours are drawn from random-walk samples
// so that no peer can choose to be one.

const (
	maxCandidates   = 800 // v1's new-peer queue bound
	maxPerReporter  = 32  // so one reporter cannot fill it
	checksPerStep   = 10  // v1's candidates per crawler step
	removalsPerStep = 10  // v1's unhealthy peers removed per step
	maxSamples      = 64
	idleAfter       = 5 // unproductive walk steps before the walk slows down
	maxBanned       = 4096
	// strikesToBan is how many removals for ill health within the ban
	// time get a peer banned: one is not enough, since an honest peer
	// behind a partition or a restart looks as unhealthy as a slow
	// adversary, but an adversary that keeps coming back is kept out.
	strikesToBan = 3
	// badReportsPerFailure: every this many addresses a peer reported
	// that failed their checks count as one failed request of its own.
	badReportsPerFailure = 4
)

var (
	errSelf         = errors.New("it is this node")
	errWrongNetwork = errors.New("peer is on another network")
	errStale        = errors.New("peer's chain is too far behind")
	errForked       = errors.New("peer's consensus hash differs at a height both have processed")
	errNoChain      = errors.New("this node has processed no block yet, so it cannot check peers")
)

type candidate struct {
	addr, reporter string
	seed           bool
}

// candidates is the queue of addresses to check as new peers, bounded in
// all and per reporter. When it is full a newcomer replaces a queued
// address at random, so that a flood of fake addresses (from callers that
// each claim a different port) dilutes the honest ones rather than
// locking them out.
type candidates struct {
	queue  []candidate
	queued map[string]bool
	per    map[string]int
}

func newCandidates() candidates {
	return candidates{queued: map[string]bool{}, per: map[string]int{}}
}

func (c *candidates) add(addr, reporter string, seed bool) {
	if c.queued[addr] || c.per[reporter] >= maxPerReporter {
		return
	}
	k := candidate{addr, reporter, seed}
	c.queued[addr] = true
	c.per[reporter]++
	if len(c.queue) < maxCandidates {
		c.queue = append(c.queue, k)
		return
	}
	i := rand.IntN(len(c.queue))
	c.forget(c.queue[i])
	c.queue[i] = k
}

func (c *candidates) forget(k candidate) {
	delete(c.queued, k.addr)
	if c.per[k.reporter]--; c.per[k.reporter] <= 0 {
		delete(c.per, k.reporter)
	}
}

func (c *candidates) take(n int) []candidate {
	n = min(n, len(c.queue))
	out := append([]candidate(nil), c.queue[:n]...)
	c.queue = append(c.queue[:0], c.queue[n:]...)
	for _, k := range out {
		c.forget(k)
	}
	return out
}

// walker is the state of the MHRWDA random walk (A.7).
type walker struct {
	cur     string
	curNbrs []string
	prev    string
}

func (n *Node) walkLoop(ctx context.Context) {
	var w walker
	unchanged := 0
	var next time.Time // when the next walk step is due
	for {
		n.queueSeeds()
		var before int
		locked.Do(&n.mu, func() { before = len(n.peers) })
		// A wake-up (a new peer calling) checks candidates at once, but
		// walks only on schedule, and callers cannot make a node check
		// candidates more than ten times a Walk.
		n.checkCandidates(ctx)
		if now := time.Now(); !now.Before(next) {
			n.walkStep(ctx, &w)
			n.maintain(ctx)
			// As in v1, the walk slows down once it stops finding peers;
			// here after several steps, since one can miss by chance.
			locked.Do(&n.mu, func() {
				if len(n.peers) != before || len(n.cands.queue) > 0 || n.nbrs == 0 {
					unchanged = 0
				} else {
					unchanged++
				}
				if len(n.cands.queue) > 0 {
					wake(n.wakeWalk) // check what the step found without waiting for the next
				}
			})
			next = now.Add(n.cfg.Timing.Walk)
			if unchanged >= idleAfter {
				next = now.Add(n.cfg.Timing.WalkIdle)
			}
		}
		if !sleep(ctx, n.cfg.Timing.Walk/10, nil) || !sleep(ctx, time.Until(next), n.wakeWalk) {
			return
		}
	}
}

// queueSeeds queues the seeds that are not in the table.
func (n *Node) queueSeeds() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for s := range n.seeds {
		if n.peers[s] == nil {
			n.cands.add(s, s, true)
		}
	}
}

// checkCandidates checks up to checksPerStep queued candidates, at once,
// and admits those that pass.
func (n *Node) checkCandidates(ctx context.Context) {
	var batch []candidate
	locked.Do(&n.mu, func() {
		for len(batch) < checksPerStep && len(n.cands.queue) > 0 {
			for _, c := range n.cands.take(checksPerStep - len(batch)) {
				if n.peers[c.addr] == nil && !n.selfAddrs[c.addr] && !n.blacklisted(c.addr) && !n.bannedLocked(c.addr) {
					batch = append(batch, c)
				}
			}
		}
	})
	var wg sync.WaitGroup
	for _, c := range batch {
		wg.Go(func() {
			_, err := n.checkPeer(ctx, c.addr)
			if err == nil {
				n.admit(ctx, c)
				return
			}
			if ctx.Err() != nil || errors.Is(err, errNoChain) {
				return
			}
			n.log.Debug("atlas: candidate refused", "peer", c.addr, "reported_by", c.reporter, "err", err)
			n.mu.Lock()
			defer n.mu.Unlock()
			switch {
			case errors.Is(err, errSelf):
				n.selfAddrs[c.addr] = true
				return
			case errors.Is(err, errForked):
				n.banLocked(c.addr)
			}
			if p := n.peers[c.reporter]; p != nil && c.reporter != c.addr {
				if p.badReports++; p.badReports%badReportsPerFailure == 0 {
					p.health.record(time.Now(), n.cfg.Timing.HealthWindow, false, 1)
				}
			}
		})
	}
	wg.Wait()
}

// checkPeer is the new-peer check (A.6): the peer answers getinfo, is
// not this node, is on our network, is not more than MaxLag blocks behind
// us, and has the same consensus hash as we do at the higher block both
// have processed.
func (n *Node) checkPeer(ctx context.Context, addr string) (*Info, error) {
	tip, err := n.cfg.Chain.Tip(ctx)
	if err != nil {
		return nil, fmt.Errorf("our tip: %w", err)
	}
	if tip.Height < 0 {
		return nil, errNoChain
	}
	var info Info
	if _, err := n.call(ctx, addr, methodGetInfo, getInfoParams{Height: &tip.Height}, &info, n.cfg.Timing.PingTimeout, maxSmallReply); err != nil {
		return nil, err
	}
	switch {
	case info.NodeID == n.id:
		return nil, errSelf
	case info.Network != n.cfg.Network:
		return nil, fmt.Errorf("%w: %q, not %q", errWrongNetwork, info.Network, n.cfg.Network)
	case info.Version == "":
		return nil, errors.New("peer reports no version")
	case info.LastBlock < tip.Height-n.cfg.Limits.MaxLag:
		return nil, fmt.Errorf("%w: at block %d, we are at %d", errStale, info.LastBlock, tip.Height)
	}
	if info.LastBlock <= tip.Height {
		ours, err := n.cfg.Chain.ConsensusAt(ctx, info.LastBlock)
		if err != nil {
			return nil, fmt.Errorf("our consensus hash at its block %d: %w", info.LastBlock, err)
		}
		if ours != info.Consensus {
			return nil, fmt.Errorf("%w: block %d", errForked, info.LastBlock)
		}
		return &info, nil
	}
	if info.AtHeight == nil || info.AtHeight.Height != tip.Height {
		return nil, fmt.Errorf("peer is ahead (block %d) but gave no consensus hash at our block %d", info.LastBlock, tip.Height)
	}
	if info.AtHeight.Consensus != tip.Consensus {
		return nil, fmt.Errorf("%w: block %d", errForked, tip.Height)
	}
	return &info, nil
}

// admit puts a checked candidate in the table. Seeds live outside the slot
// space. Others take the slot their address hashes to; if a peer holds it,
// that peer keeps it while it answers a ping (so newcomers cannot flush
// good peers out), and is replaced if it does not (v1 meant this, but its
// eviction never ran).
func (n *Node) admit(ctx context.Context, c candidate) {
	slot, occupant := n.admitFree(c)
	if occupant == "" {
		return
	}
	err := n.ask(ctx, occupant, methodPing, struct{}{}, nil, n.cfg.Timing.PingTimeout, maxSmallReply, nil)
	if err == nil || ctx.Err() != nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.slots[slot] == occupant {
		n.log.Info("atlas: evicting a dead peer for a new one", "dead", occupant, "new", c.addr, "err", err)
		n.removeLocked(occupant)
	}
	if _, taken := n.slots[slot]; !taken && n.peers[c.addr] == nil {
		n.insertLocked(c.addr, slot, false)
	}
}

// admitFree admits c if it is a seed or its slot is free; otherwise it
// returns the slot and the peer that holds it ("" if c is in the table).
func (n *Node) admitFree(c candidate) (slot int, occupant string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.peers[c.addr] != nil {
		return 0, ""
	}
	if c.seed {
		n.insertLocked(c.addr, -1, true)
		return 0, ""
	}
	slot = slotOf(n.slotKey, c.addr, n.cfg.Limits.MaxPeers)
	occupant, taken := n.slots[slot]
	if !taken {
		n.insertLocked(c.addr, slot, false)
		return 0, ""
	}
	return slot, occupant
}

func (n *Node) insertLocked(addr string, slot int, seed bool) {
	p := &peer{addr: addr, slot: slot, seed: seed, checked: time.Now()}
	p.health.record(time.Now(), n.cfg.Timing.HealthWindow, true, 1) // it answered the check
	n.peers[addr] = p
	if slot >= 0 {
		n.slots[slot] = addr
	}
	n.log.Debug("atlas: new peer", "peer", addr, "seed", seed)
	n.promoteLocked(p)
	wake(n.wakeWalk)
	wake(n.wakePull) // it may hold announced files

}

func (n *Node) removeLocked(addr string) {
	p := n.peers[addr]
	if p == nil {
		return
	}
	if p.neighbour {
		n.demoteLocked(p)
	}
	delete(n.peers, addr)
	if p.slot >= 0 && n.slots[p.slot] == addr {
		delete(n.slots, p.slot)
	}
}

// banLocked removes addr and keeps it out of the table for the ban time.
func (n *Node) banLocked(addr string) {
	n.removeLocked(addr)
	now := time.Now()
	if len(n.banned) >= maxBanned {
		for a, until := range n.banned {
			if now.After(until) || len(n.banned) >= maxBanned {
				delete(n.banned, a)
			}
		}
	}
	n.banned[addr] = now.Add(n.cfg.Timing.Ban)
}

type strike struct {
	count int
	last  time.Time
}

// strikeLocked removes an unhealthy peer, and bans it if it keeps coming
// back unhealthy.
func (n *Node) strikeLocked(p *peer) {
	now := time.Now()
	s := n.strikes[p.addr]
	if now.Sub(s.last) > n.cfg.Timing.Ban {
		s.count = 0
	}
	s.count++
	s.last = now
	score, requests := p.health.score(now, n.cfg.Timing.HealthWindow)
	if s.count >= strikesToBan {
		n.log.Warn("atlas: banning a peer removed as unhealthy once too often", "peer", p.addr, "health", score, "requests", requests)
		delete(n.strikes, p.addr)
		n.banLocked(p.addr)
		return
	}
	n.log.Info("atlas: removing an unhealthy peer", "peer", p.addr, "health", score, "requests", requests)
	if len(n.strikes) >= maxBanned {
		for a, old := range n.strikes {
			if now.Sub(old.last) > n.cfg.Timing.Ban || len(n.strikes) >= maxBanned {
				delete(n.strikes, a)
			}
		}
	}
	n.strikes[p.addr] = s
	n.removeLocked(p.addr)
}

// usableLocked: a peer we may pull from, push to and recommend.
func (n *Node) usableLocked(p *peer) bool {
	score, requests := p.health.score(time.Now(), n.cfg.Timing.HealthWindow)
	return requests < n.cfg.Limits.MinRequests || score >= n.cfg.Limits.MinHealth
}

// promoteLocked makes a usable peer a neighbour if there is room.
func (n *Node) promoteLocked(p *peer) bool {
	if p.neighbour || !n.usableLocked(p) || n.nbrs >= n.cfg.Limits.NumNeighbors {
		return p.neighbour
	}
	p.neighbour = true
	n.nbrs++
	p.inv = bitvec{}
	p.inv.Resize(len(n.hashes))
	p.invAt = time.Time{}
	wake(n.wakeRefresh)
	return true
}

func (n *Node) demoteLocked(p *peer) {
	p.neighbour = false
	n.nbrs--
	p.inv = bitvec{}
	delete(n.outboxes, p.addr)
	n.orderStale = true
}

// exchange asks addr for its peers (a step of the walk) and queues them as
// candidates. A reply over the limit or with malformed addresses costs
// the peer a failed request; addresses that later fail their checks cost
// it too (checkCandidates).
func (n *Node) exchange(ctx context.Context, addr string) ([]string, error) {
	var res exchangeResult
	var out []string
	err := n.ask(ctx, addr, methodExchange, struct{}{}, &res, n.cfg.Timing.InventoryTimeout, maxSmallReply, func() error {
		seen := map[string]bool{}
		bad := 0
		for _, s := range res.Peers[:min(len(res.Peers), MaxPeersReply)] {
			a, err := canonAddr(s)
			if err != nil {
				bad++
				continue
			}
			if !seen[a] && a != addr {
				seen[a] = true
				out = append(out, a)
			}
		}
		if len(res.Peers) > MaxPeersReply || bad > 0 {
			return fmt.Errorf("%d peers (at most %d), %d malformed", len(res.Peers), MaxPeersReply, bad)
		}
		return nil
	})
	if err != nil && len(out) == 0 {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	kept := out[:0]
	for _, a := range out {
		if n.selfAddrs[a] {
			continue
		}
		kept = append(kept, a)
		if n.peers[a] == nil && !n.blacklisted(a) && !n.bannedLocked(a) {
			n.cands.add(a, addr, false)
		}
	}
	return kept, nil
}

// walkStep takes one step of the Metropolis-Hastings random walk with
// delayed acceptance (MHRWDA, A.7), whose positions are close to uniform
// samples of the network whatever its degrees; the positions feed the
// neighbour set.
func (n *Node) walkStep(ctx context.Context, w *walker) {
	reset := func() { *w = walker{} }
	if w.cur == "" {
		start := n.randomPeer()
		if start == "" {
			return
		}
		nbrs, err := n.exchange(ctx, start)
		if err != nil || len(nbrs) == 0 {
			return
		}
		w.cur, w.curNbrs = start, nbrs
		n.sample(start)
		return
	}
	next := w.curNbrs[rand.IntN(len(w.curNbrs))]
	nextNbrs, err := n.exchange(ctx, next)
	if err != nil || len(nextNbrs) == 0 {
		reset()
		return
	}
	degCur := float64(len(w.curNbrs))
	if rand.Float64() > min(1, degCur/float64(len(nextNbrs))) {
		// Rejected: stay, and see whether cur's neighbours changed.
		if w.curNbrs, err = n.exchange(ctx, w.cur); err != nil || len(w.curNbrs) == 0 {
			reset()
		}
		return
	}
	to, toNbrs := next, nextNbrs
	if next == w.prev && len(w.curNbrs) > 1 {
		// Delayed acceptance: before going back where we came from, try
		// once to go elsewhere. (v1's second bound, max(1, ·), never binds.)
		var others []string
		for _, a := range w.curNbrs {
			if a != next {
				others = append(others, a)
			}
		}
		alt := others[rand.IntN(len(others))]
		altNbrs, err := n.exchange(ctx, alt)
		if err != nil || len(altNbrs) == 0 {
			reset()
			return
		}
		r := degCur / float64(len(altNbrs))
		if rand.Float64() <= min(1, r*r) {
			to, toNbrs = alt, altNbrs
		}
	}
	w.prev, w.cur, w.curNbrs = w.cur, to, toNbrs
	n.sample(to)
}

// sample records a walk position.
func (n *Node) sample(addr string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.samples = append(n.samples, addr)
	if len(n.samples) > maxSamples {
		n.samples = n.samples[len(n.samples)-maxSamples:]
	}
}

// randomPeer is a usable table peer chosen at random ("" if none).
func (n *Node) randomPeer() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var all []string
	for _, p := range n.peers {
		if n.usableLocked(p) {
			all = append(all, p.addr)
		}
	}
	if len(all) == 0 {
		return ""
	}
	return all[rand.IntN(len(all))]
}

// maintain removes unhealthy peers, checks old ones again and fills the
// neighbour set. Unhealthy seeds stay in the table and are checked again
// every WalkIdle: one that passes starts afresh, which is how the two
// sides of a healed partition find each other again.
func (n *Node) maintain(ctx context.Context) {
	due := n.sweepPeers(time.Now())
	var wg sync.WaitGroup
	for _, r := range due {
		wg.Go(func() {
			_, err := n.checkPeer(ctx, r.addr)
			if ctx.Err() != nil || errors.Is(err, errNoChain) {
				return
			}
			n.mu.Lock()
			defer n.mu.Unlock()
			p := n.peers[r.addr]
			switch {
			case p == nil:
			case errors.Is(err, errForked) || errors.Is(err, errWrongNetwork):
				n.banLocked(r.addr)
			case err == nil && r.seed:
				p.health = health{}
				p.health.record(time.Now(), n.cfg.Timing.HealthWindow, true, 1)
			default:
				p.health.record(time.Now(), n.cfg.Timing.HealthWindow, err == nil, 1)
			}
		})
	}
	wg.Wait()
	n.fillNeighbours()
}

// recheck is a peer due for another check.
type recheck struct {
	addr string
	seed bool // an unhealthy seed: a pass clears its record
}

// sweepPeers demotes and strikes unusable peers, and returns those due for
// another check (marked checked, so that one check runs at a time).
func (n *Node) sweepPeers(now time.Time) (due []recheck) {
	n.mu.Lock()
	defer n.mu.Unlock()
	removed := 0
	for _, p := range n.peers {
		if !n.usableLocked(p) {
			if p.neighbour {
				n.demoteLocked(p)
			}
			switch {
			case p.seed && now.Sub(p.checked) > n.cfg.Timing.WalkIdle && len(due) < checksPerStep:
				due = append(due, recheck{p.addr, true})
				p.checked = now
			case !p.seed && removed < removalsPerStep:
				n.strikeLocked(p)
				removed++
			}
			continue
		}
		if now.Sub(p.checked) > n.cfg.Timing.Revalidate && len(due) < checksPerStep {
			due = append(due, recheck{p.addr, false})
			p.checked = now // one check at a time
		}
	}
	return due
}

// fillNeighbours tops the neighbour set up from walk samples first, then
// from the table at random.
func (n *Node) fillNeighbours() {
	n.mu.Lock()
	defer n.mu.Unlock()
	room := n.cfg.Limits.NumNeighbors - n.nbrs
	for i := len(n.samples) - 1; i >= 0 && room > 0; i-- {
		if p := n.peers[n.samples[i]]; p != nil && !p.neighbour && n.promoteLocked(p) {
			room--
		}
	}
	for _, p := range n.peers { // map order is random
		if room <= 0 {
			break
		}
		if !p.neighbour && n.promoteLocked(p) {
			room--
		}
	}
}
