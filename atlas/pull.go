package atlas

import (
	"cmp"
	"context"
	"encoding/binary"
	"slices"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// Pulling (A.8): missing zone files are fetched rarest first, each from
// the healthiest idle neighbour whose inventory has it, in batches of up
// to MaxGetZonefiles, up to pullsPerPeer batches in flight per neighbour
// (so that its reads overlap our writes) and MaxPulls in all. Every file is
// checked against its hash before the store sees it (the store checks
// again, and refuses hashes the chain does not name).

const (
	// rankEvery bounds how often the rarest-first order is recomputed
	// (a pass over every missing bit and neighbour); announced files do
	// not wait for it.
	rankEvery    = 500 * time.Millisecond
	maxAnnounced = 4096
	pullsPerPeer = 2
	// wrongBytesWeight is what a seed that serves bytes not matching
	// their hash, or files not asked for, pays in failed requests (other
	// peers are banned outright: no honest node serves them, since its
	// store checks every read).
	wrongBytesWeight = 10
)

type pullJob struct {
	addr   string
	hashes []zonefile.Hash
	// announced are the hashes pulled because a peer announced them (with
	// the announcement's covered list): new files, which this node
	// announces on in turn once it has them.
	announced map[zonefile.Hash][]string
}

// announcedBit is a bit a peer announced that we lack.
type announcedBit struct {
	i       int
	from    string
	at      time.Time
	covered []string // the announcement's
}

// announcedTTL bounds how long an announced bit waits: for our chain view
// to name it, or for its announcer to pass the new-peer check, or for an
// idle holder. After that, refreshes find it.
const announcedTTL = time.Minute

func (n *Node) pullLoop(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	pause := n.cfg.Timing.PullRetry
	for sleep(ctx, pause, n.wakePull) {
		jobs, rankIn := n.planPulls()
		for _, job := range jobs {
			wg.Go(func() { n.pull(ctx, job) })
		}
		if len(jobs) > 0 {
			wake(n.wakePull) // plan the next batches while these are in flight
		}
		// News that came too soon after the last ranking is acted on as
		// soon as the order may be ranked again.
		pause = n.cfg.Timing.PullRetry
		if rankIn > 0 {
			pause = min(pause, rankIn)
		}
	}
}

// planPulls assigns missing files to idle neighbours that have them and
// marks them in flight. rankIn, if positive, is when the order, now out of
// date, may be ranked again.
func (n *Node) planPulls() (jobs []pullJob, rankIn time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := time.Now()
	free := n.cfg.Limits.MaxPulls - n.pulls
	if free <= 0 {
		return nil, 0
	}
	var holders []*peer
	score := map[*peer]float64{} // the idle peers we may ask
	consider := func(p *peer) {
		if _, ok := score[p]; !ok && p.pulling < pullsPerPeer && !now.Before(p.busyUntil) && n.usableLocked(p) {
			score[p], _ = p.health.score(now, n.cfg.Timing.HealthWindow)
		}
	}
	for _, p := range n.peers {
		if p.neighbour && n.usableLocked(p) {
			holders = append(holders, p)
			consider(p)
		}
	}
	for _, a := range n.announced {
		if p := n.peers[a.from]; p != nil {
			consider(p)
		}
	}
	if len(score) == 0 {
		return nil, 0
	}
	if n.order == nil || n.orderStale && now.Sub(n.orderAt) >= rankEvery {
		n.rankLocked(holders)
	} else if n.orderStale {
		rankIn = rankEvery - now.Sub(n.orderAt)
	}
	byPeer := map[*peer]*pullJob{}
	full := 0 // jobs with a whole batch
	saturated := func() bool { return full == min(free, len(score)) }
	// assign gives bit i to the healthiest idle peer that has it (or is
	// from, which announced it), preferring the one with the smaller
	// batch so far.
	assign := func(i int, from *peer) *pullJob {
		h := n.hashes[i]
		if n.fetching[h] {
			return nil
		}
		var best *peer
		for p, s := range score {
			j := byPeer[p]
			has := p == from || p.neighbour && p.inv.Get(i)
			if !has || j != nil && len(j.hashes) >= MaxGetZonefiles || j == nil && len(byPeer) >= free {
				continue
			}
			if best == nil || s > score[best] || s == score[best] && jobLen(j) < jobLen(byPeer[best]) {
				best = p
			}
		}
		if best == nil {
			return nil
		}
		j := byPeer[best]
		if j == nil {
			j = &pullJob{addr: best.addr}
			byPeer[best] = j
		}
		j.hashes = append(j.hashes, h)
		n.fetching[h] = true
		if len(j.hashes) == MaxGetZonefiles {
			full++
		}
		return j
	}
	// Announced bits first: they are new files, and the announcer may not
	// be a neighbour. They stay listed until we have them.
	keepA := n.announced[:0]
	for _, a := range n.announced {
		if a.i < len(n.hashes) && n.have.Get(a.i) || now.Sub(a.at) > announcedTTL {
			continue
		}
		keepA = append(keepA, a)
		from := n.peers[a.from]
		if saturated() || a.i >= len(n.hashes) || from == nil {
			continue
		}
		if j := assign(a.i, from); j != nil {
			if j.announced == nil {
				j.announced = map[zonefile.Hash][]string{}
			}
			j.announced[n.hashes[a.i]] = a.covered
		}
	}
	n.announced = keepA
	keep := n.order[:0] // drops what we now have, in place
	for k, i := range n.order {
		if saturated() {
			keep = append(keep, n.order[k:]...)
			break
		}
		if i >= len(n.hashes) || n.have.Get(i) {
			continue
		}
		keep = append(keep, i)
		assign(i, nil)
	}
	n.order = keep
	for p, j := range byPeer {
		p.pulling++
		n.pulls++
		jobs = append(jobs, *j)
	}
	return jobs, rankIn
}

func jobLen(j *pullJob) int {
	if j == nil {
		return 0
	}
	return len(j.hashes)
}

// rankLocked orders the missing bits that some neighbour has by how many
// neighbours have them, rarest first (A.8), ties in an order of this
// node's own so that nodes do not all ask the same holder for the same
// files at once.
func (n *Node) rankLocked(holders []*peer) {
	type ranked struct {
		i, pop int
		tie    uint64
	}
	salt := binary.BigEndian.Uint64(n.slotKey[:])
	var rs []ranked
	n.have.Zeros(func(i int) bool {
		pop := 0
		for _, p := range holders {
			if p.inv.Get(i) {
				pop++
			}
		}
		if pop > 0 {
			rs = append(rs, ranked{i, pop, mix64(uint64(i) ^ salt)})
		}
		return true
	})
	slices.SortFunc(rs, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.pop, b.pop), cmp.Compare(a.tie, b.tie))
	})
	n.order = n.order[:0]
	for _, r := range rs {
		n.order = append(n.order, r.i)
	}
	if n.order == nil {
		n.order = []int{}
	}
	n.orderStale, n.orderAt = false, time.Now()
}

// mix64 is SplitMix64's finaliser: a cheap, well-spread permutation.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// pull fetches one batch, stores what checks out and scores the peer:
// bytes that do not match their hash (or files not asked for) get it
// banned; files it advertised but did not send cost it two failed
// requests and one more per ten files (five at least if it sent none),
// and their bits are cleared so that another holder is asked (v1 cleared
// them without penalty, which let a peer waste everyone's pulls for
// free).
func (n *Node) pull(ctx context.Context, job pullJob) {
	defer n.release(job)
	var res getResult
	slow, err := n.call(ctx, job.addr, methodGet, getParams{Hashes: job.hashes}, &res, n.cfg.Timing.GetTimeout, maxGetReply)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		n.metrics.pull(err, 0)
		n.log.Debug("atlas: get_zonefiles failed", "peer", job.addr, "err", err)
		if isBusy(err) {
			n.markBusy(job.addr)
		} else {
			n.record(job.addr, false, 1)
		}
		return
	}
	wanted := make(map[zonefile.Hash]bool, len(job.hashes))
	for _, h := range job.hashes {
		wanted[h] = true
	}
	var wrong, delivered int
	for h, data := range res.Zonefiles {
		if !wanted[h] || len(data) > zonefile.MaxSize || zonefile.HashOf(data) != h {
			wrong++
			continue
		}
		_, added, err := n.cfg.Store.Put(ctx, data)
		if err != nil {
			// Our chain view no longer names it (a reorganisation), or the
			// disk failed: the store says which.
			n.log.Warn("atlas: storing a pulled zone file", "hash", h, "peer", job.addr, "err", err)
			continue
		}
		delete(wanted, h)
		delivered++
		locked.Do(&n.mu, func() {
			n.markHaveLocked(h)
			if covered, ok := job.announced[h]; added && ok {
				n.gossipLocked(h, job.addr, false, covered)
			}
		})
	}
	n.metrics.pull(nil, delivered)

	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.peers[job.addr]
	if p == nil {
		return
	}
	for h := range wanted {
		for _, i := range n.index[h] {
			p.inv.Set(i, false)
		}
	}
	if len(wanted) > 0 {
		// What it announced and did not send, it is not asked for again.
		n.announced = slices.DeleteFunc(n.announced, func(a announcedBit) bool {
			return a.from == job.addr && a.i < len(n.hashes) && wanted[n.hashes[a.i]]
		})
	}
	now, window := time.Now(), n.cfg.Timing.HealthWindow
	switch {
	case wrong > 0 && !p.seed:
		n.log.Warn("atlas: peer served zone files that do not match their hashes; banning it", "peer", job.addr, "bad", wrong)
		n.banLocked(job.addr)
	case wrong > 0:
		n.log.Warn("atlas: seed served zone files that do not match their hashes", "peer", job.addr, "bad", wrong)
		p.health.record(now, window, false, wrongBytesWeight)
	case len(wanted) > 0:
		weight := min(2+len(wanted)/10, 10)
		if delivered == 0 {
			weight = max(weight, 5) // it advertised a batch and had none of it
		}
		p.health.record(now, window, delivered > 0 && !slow, 1)
		p.health.record(now, window, false, weight)
		n.orderStale = true
	default:
		p.health.record(now, window, !slow, 1)
	}
}

// release ends a batch: its files are no longer in flight and the peer
// is free for the next one.
func (n *Node) release(job pullJob) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, h := range job.hashes {
		delete(n.fetching, h)
	}
	if p := n.peers[job.addr]; p != nil && p.pulling > 0 {
		p.pulling--
	}
	n.pulls--
	wake(n.wakePull)
}
