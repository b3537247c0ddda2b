package atlas

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// Gossip (the push v1 designed but never ran, A.9). When a node learns a
// new zone file, the neighbours that as far as it knows lack it hear of it
// at once instead of at their next inventory refresh:
//
//   - a file pushed to it (by a client, or by a peer) goes, bytes and all,
//     to PushFanout of them at random, which gossip it on in turn, and is
//     announced (its inventory bits) to the rest, which pull it;
//   - a file it pulled because a peer announced it is announced on.
//
// So every node that gets a new file tells its neighbours, whichever way
// it got it. Each message names the peers this wave already reached or is
// reaching ("covered"), which the receiver then skips: in a full mesh the
// first node tells everyone and no one repeats it, while in a sparse one
// the wave still floods every path. Since a covered peer hears of the file
// from no one else, one that will not pull it from the announcer (a node
// pulls only from usable peers in its table, and one that counts it as a
// neighbour may not be in its table: not checked yet, or its slot held by
// a live peer) answers the announcement by asking for the bytes, which the
// announcer then pushes. A send that fails is tried twice more, a quarter
// and then half a second later, and a node that still misses the file
// finds it at its next inventory refresh. Files pulled otherwise (catching
// up from inventories) are not gossiped: the wave has passed them.
//
// What a neighbour has is also learned from put results, announcements and
// refreshes, so a file is not sent back where it came from.

const (
	maxOutbox  = 4096 // pushes, and announcements, waiting for one neighbour
	maxPending = 1024 // files learned before the chain view named them
	pendingTTL = time.Minute
	// maxCovered bounds a message's covered list; a longer one is cut,
	// which only means some peers may hear of the file twice.
	maxCovered = 128
	maxTries   = 3
	// retryPause is the pause before a failed send is tried again, doubled
	// at each try: a neighbour that is briefly overloaded or unreachable
	// (an immediate retry fails the same way) still hears within a second.
	retryPause = 250 * time.Millisecond
	// rangeGap: announced bits further apart than this start a new range
	// (an empty range costs about as much JSON as these bits of base64).
	rangeGap = 256
)

// news is a file for one neighbour: to push or to announce.
type news struct {
	h       zonefile.Hash
	covered []string // peers the wave reached or is reaching
	tries   int
}

// outbox holds what waits for one neighbour while a send to it is in
// flight; what gathers meanwhile goes in the next send.
type outbox struct {
	push, announce []news
	sending        bool
	retryAt        time.Time // after a failed send, nothing goes before this
}

type pendingGossip struct {
	h       zonefile.Hash
	from    string
	push    bool
	covered []string
	at      time.Time
}

// gossipLocked queues h, just learned, for the neighbours that lack it
// and are not covered; from is the peer it came from ("" for a client);
// push says whether it came by push, and so whether its bytes go on.
func (n *Node) gossipLocked(h zonefile.Hash, from string, push bool, covered []string) {
	idx, ok := n.index[h]
	if !ok {
		if len(n.pending) < maxPending {
			n.pending = append(n.pending, pendingGossip{h, from, push, covered, time.Now()})
		}
		return
	}
	skip := map[string]bool{from: true}
	for _, a := range covered {
		skip[a] = true
	}
	var targets []*peer
	for _, p := range n.peers {
		if p.neighbour && !skip[p.addr] && !p.inv.Get(idx[0]) && n.usableLocked(p) {
			targets = append(targets, p)
		}
	}
	if len(targets) == 0 {
		return
	}
	down := slices.Clone(covered)
	for _, a := range []string{from, n.cfg.Advertise} {
		if a != "" {
			down = append(down, a)
		}
	}
	for _, p := range targets {
		down = append(down, p.addr)
	}
	slices.Sort(down)
	down = slices.Compact(down)
	if len(down) > maxCovered {
		down = down[:maxCovered]
	}
	rand.Shuffle(len(targets), func(i, j int) { targets[i], targets[j] = targets[j], targets[i] })
	fanout := 0
	if push {
		fanout = n.cfg.Limits.PushFanout
	}
	for i, p := range targets {
		ob := n.outboxes[p.addr]
		if ob == nil {
			ob = &outbox{}
			n.outboxes[p.addr] = ob
		}
		if i < fanout {
			ob.push = appendBounded(ob.push, news{h: h, covered: down})
		} else {
			ob.announce = appendBounded(ob.announce, news{h: h, covered: down})
		}
	}
	wake(n.wakeGossip)
}

func appendBounded(q []news, items ...news) []news {
	return append(q, items[:min(len(items), max(0, maxOutbox-len(q)))]...)
}

// resendPendingLocked gossips the pending files the chain view now names.
func (n *Node) resendPendingLocked() {
	pending := n.pending
	n.pending = nil
	now := time.Now()
	for _, g := range pending {
		if now.Sub(g.at) < pendingTTL {
			n.gossipLocked(g.h, g.from, g.push, g.covered)
		}
	}
}

// earlyFile is a zone file a peer pushed before our chain view named it:
// nodes index each block at slightly different times, and the peer that
// pushed it counts us as told.
type earlyFile struct {
	h       zonefile.Hash
	data    []byte
	from    string
	covered []string
	at      time.Time
}

// Early files are bounded in number and bytes (the oldest go first), and
// kept for pendingTTL; one dropped is fetched at a later refresh.
const (
	maxEarly      = 256
	maxEarlyBytes = 4 << 20
)

func (n *Node) keepEarly(h zonefile.Hash, data []byte, from string, covered []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, e := range n.early {
		if e.h == h {
			return
		}
	}
	n.early = append(n.early, earlyFile{h, data, from, covered, time.Now()})
	n.earlyBytes += len(data)
	for len(n.early) > maxEarly || n.earlyBytes > maxEarlyBytes {
		n.earlyBytes -= len(n.early[0].data)
		n.early = n.early[1:]
	}
}

// storeEarly stores the early files the chain view now names (it runs
// after each chain poll), and gossips them on as if they had just been
// pushed.
func (n *Node) storeEarly(ctx context.Context) {
	for _, e := range n.takeEarlyReady() {
		_, added, err := n.cfg.Store.Put(ctx, e.data)
		if err != nil {
			n.log.Warn("atlas: storing a zone file pushed before our chain view named it", "hash", e.h, "from", e.from, "err", err)
			continue
		}
		locked.Do(&n.mu, func() {
			n.markHaveLocked(e.h)
			if added {
				n.gossipLocked(e.h, e.from, true, e.covered)
			}
		})
	}
}

// takeEarlyReady takes the early files the chain view now names out of
// the early list, and drops those kept too long.
func (n *Node) takeEarlyReady() (ready []earlyFile) {
	n.mu.Lock()
	defer n.mu.Unlock()
	keep := n.early[:0]
	now := time.Now()
	for _, e := range n.early {
		_, named := n.index[e.h]
		switch {
		case named:
			ready = append(ready, e)
		case now.Sub(e.at) < pendingTTL:
			keep = append(keep, e)
			continue
		}
		n.earlyBytes -= len(e.data)
	}
	n.early = keep
	return ready
}

type flushJob struct {
	addr           string
	push, announce []news
}

func (n *Node) gossipLoop(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	pause := time.Second
	for sleep(ctx, pause, n.wakeGossip) {
		var jobs []flushJob
		jobs, pause = n.takeOutboxes()
		for _, job := range jobs {
			wg.Go(func() {
				n.flush(ctx, job)
				locked.Do(&n.mu, func() {
					if ob := n.outboxes[job.addr]; ob != nil {
						ob.sending = false
					}
				})
				wake(n.wakeGossip)
			})
		}
	}
}

// takeOutboxes empties the outboxes that are not being sent or waiting to
// retry; next is when the first of those waiting may go (at most a second).
func (n *Node) takeOutboxes() (jobs []flushJob, next time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	next = time.Second
	for addr, ob := range n.outboxes {
		if ob.sending || len(ob.push)+len(ob.announce) == 0 {
			continue
		}
		if wait := time.Until(ob.retryAt); wait > 0 {
			next = min(next, wait)
			continue
		}
		jobs = append(jobs, flushJob{addr, ob.push, ob.announce})
		*ob = outbox{sending: true}
	}
	return jobs, next
}

// flush sends a neighbour its pushes, then its announcements. What fails
// to go is queued again, up to maxTries sends in all.
func (n *Node) flush(ctx context.Context, job flushJob) {
	push := job.push
	for len(push) > 0 {
		var batch [][]byte
		var sent []news
		size := 0
		for len(push) > 0 && len(batch) < MaxPutZonefiles {
			data, err := n.cfg.Store.Get(push[0].h)
			if err != nil {
				push = push[1:]
				continue
			}
			enc := base64.StdEncoding.EncodedLen(len(data)) + 3
			if len(batch) > 0 && size+enc > maxPutBatch {
				break
			}
			batch, sent, size = append(batch, data), append(sent, push[0]), size+enc
			push = push[1:]
		}
		if len(batch) == 0 {
			break
		}
		var res putResult
		err := n.ask(ctx, job.addr, methodPut, putParams{Zonefiles: batch, Covered: commonCovered(sent)}, &res,
			n.cfg.Timing.PutTimeout, maxSmallReply, func() error {
				if len(res.Results) != len(batch) {
					return fmt.Errorf("%d results for %d zone files", len(res.Results), len(batch))
				}
				return nil
			})
		n.metrics.push(err)
		if err != nil {
			n.requeue(ctx, job.addr, append(sent, push...), job.announce)
			return
		}
		locked.Do(&n.mu, func() {
			if p := n.peers[job.addr]; p != nil && p.neighbour {
				for i, r := range res.Results {
					if r == putSaved || r == putPresent {
						for _, b := range n.index[sent[i].h] {
							p.inv.Set(b, true)
						}
					}
				}
			}
		})
	}
	if len(job.announce) == 0 {
		return
	}
	var bits []int
	locked.Do(&n.mu, func() {
		for _, a := range job.announce {
			bits = append(bits, n.index[a.h]...)
		}
	})
	covered := commonCovered(job.announce)
	for _, ranges := range announcements(bits) {
		var res announceResult
		if err := n.ask(ctx, job.addr, methodAnnounce, announceParams{Ranges: ranges, Covered: covered}, &res,
			n.cfg.Timing.InventoryTimeout, maxSmallReply, nil); err != nil {
			n.requeue(ctx, job.addr, nil, job.announce)
			return
		}
		if res.Push {
			// It will not pull from us, and the rest of the wave skips it:
			// the bytes go instead, in the next send.
			locked.Do(&n.mu, func() {
				if ob := n.outboxes[job.addr]; ob != nil {
					for _, a := range job.announce {
						ob.push = appendBounded(ob.push, news{h: a.h, covered: a.covered})
					}
				}
			})
			return
		}
	}
}

// requeue puts back news that failed to go, unless it has had its tries
// or the neighbour is gone, to be tried again after a pause.
func (n *Node) requeue(ctx context.Context, addr string, push, announce []news) {
	if ctx.Err() != nil {
		return
	}
	tries := 0
	again := func(q []news) []news {
		var out []news
		for _, x := range q {
			if x.tries++; x.tries < maxTries {
				out = append(out, x)
				tries = max(tries, x.tries)
			}
		}
		return out
	}
	push, announce = again(push), again(announce)
	n.mu.Lock()
	defer n.mu.Unlock()
	if ob := n.outboxes[addr]; ob != nil && tries > 0 {
		ob.push = appendBounded(ob.push, push...)
		ob.announce = appendBounded(ob.announce, announce...)
		ob.retryAt = time.Now().Add(retryPause << (tries - 1))
	}
}

// commonCovered is the covered list that holds for every item: a batch
// tells the receiver to skip only peers that every one of its files
// reached.
func commonCovered(items []news) []string {
	if len(items) == 0 {
		return nil
	}
	common := items[0].covered
	for _, it := range items[1:] {
		if len(common) == 0 {
			break
		}
		common = slices.DeleteFunc(slices.Clone(common), func(a string) bool { return !slices.Contains(it.covered, a) })
	}
	return common
}

// announcements packs bits into announce messages: runs of nearby bits
// become one range, and each message stays within MaxAnnounceRanges
// ranges and MaxInventoryBits bits.
func announcements(bits []int) [][]fragment {
	if len(bits) == 0 {
		return nil
	}
	bits = slices.Clone(bits)
	slices.Sort(bits)
	bits = slices.Compact(bits)
	var msgs [][]fragment
	var cur []fragment
	total := 0
	flushRange := func(lo, hi int, set []int) {
		f := fragment{Offset: lo, Count: hi - lo + 1, Inv: make([]byte, bytesFor(hi-lo+1))}
		for _, b := range set {
			f.Inv[(b-lo)/8] |= 0x80 >> ((b - lo) % 8)
		}
		if len(cur) == MaxAnnounceRanges || total+f.Count > MaxInventoryBits {
			msgs = append(msgs, cur)
			cur, total = nil, 0
		}
		cur = append(cur, f)
		total += f.Count
	}
	start := 0
	for i := 1; i <= len(bits); i++ {
		if i == len(bits) || bits[i]-bits[i-1] > rangeGap || bits[i]-bits[start] >= MaxInventoryBits {
			flushRange(bits[start], bits[i-1], bits[start:i])
			start = i
		}
	}
	return append(msgs, cur)
}
