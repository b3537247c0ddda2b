package atlas

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// inventoryPage is how many hashes one read of the chain view returns.
const inventoryPage = 10000

// reconcileEvery is how many chain polls pass between checks of the
// presence bits against the store, which catch files the store moved
// aside as corrupt.
const reconcileEvery = 30

func (n *Node) chainLoop(ctx context.Context) {
	for polls := 1; sleep(ctx, n.cfg.Timing.ChainPoll, n.wakeChain); polls++ {
		if err := n.syncChain(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("atlas: reading the chain view", "err", err)
		}
		n.storeEarly(ctx)
		if polls%reconcileEvery == 0 {
			n.reconcile()
		}
	}
}

// syncChain appends the hashes the chain view named since the last sync.
// If the block the last sync saw is no longer on the chain, the chain
// reorganised: the inventory is read again from the start and cut where
// it first differs, and neighbours' bits past that point are dropped,
// since they described other hashes.
func (n *Node) syncChain(ctx context.Context) error {
	tip, err := n.cfg.Chain.Tip(ctx)
	if err != nil {
		return fmt.Errorf("tip: %w", err)
	}
	var synced BlockID
	var have int
	locked.Do(&n.mu, func() { synced, have = n.synced, len(n.hashes) })
	reorg := false
	if synced.Height >= 0 {
		ch, err := n.cfg.Chain.ConsensusAt(ctx, synced.Height)
		switch {
		case errors.Is(err, ErrUnknownBlock):
			reorg = true
		case err != nil:
			return fmt.Errorf("consensus at %d: %w", synced.Height, err)
		default:
			reorg = ch != synced.Consensus
		}
	}
	from := have
	if reorg {
		from = 0
	}
	var fresh []zonefile.Hash
	for {
		page, err := n.cfg.Chain.Inventory(ctx, from+len(fresh), inventoryPage)
		if err != nil {
			return fmt.Errorf("inventory from %d: %w", from+len(fresh), err)
		}
		fresh = append(fresh, page...)
		if len(page) < inventoryPage {
			break
		}
	}
	present := make([]bool, len(fresh))
	for i, h := range fresh {
		present[i] = n.cfg.Store.Has(h)
	}

	n.mu.Lock()
	defer n.mu.Unlock()
	if reorg {
		cut := 0
		for cut < len(n.hashes) && cut < len(fresh) && n.hashes[cut] == fresh[cut] {
			cut++
		}
		n.log.Warn("atlas: chain reorganised; inventory cut", "at", cut, "was", len(n.hashes))
		n.truncateLocked(cut)
		fresh, present = fresh[cut:], present[cut:]
	} else if len(n.hashes) != have {
		// Another sync ran meanwhile (Run's first one and the loop's do
		// not overlap, so this is a defence, not a path).
		return nil
	}
	base := len(n.hashes)
	n.hashes = append(n.hashes, fresh...)
	n.have.Resize(len(n.hashes))
	missing := false
	for i, h := range fresh {
		n.index[h] = append(n.index[h], base+i)
		if present[i] || n.have.Get(n.index[h][0]) {
			n.have.Set(base+i, true)
		} else {
			missing = true
		}
	}
	for _, p := range n.peers {
		if p.neighbour {
			p.inv.Resize(len(n.hashes))
		}
	}
	n.synced = tip
	n.ready.Store(true)
	if len(fresh) > 0 {
		n.resendPendingLocked()
	}
	if missing {
		n.orderStale = true
		wake(n.wakeRefresh)
		wake(n.wakePull)
	}
	return nil
}

// truncateLocked cuts the inventory to its first cut bits.
func (n *Node) truncateLocked(cut int) {
	for _, h := range n.hashes[cut:] {
		idx := slices.DeleteFunc(n.index[h], func(i int) bool { return i >= cut })
		if len(idx) == 0 {
			delete(n.index, h)
		} else {
			n.index[h] = idx
		}
	}
	n.hashes = n.hashes[:cut]
	n.have.Resize(cut)
	for _, p := range n.peers {
		if p.neighbour {
			p.inv.Resize(cut)
			p.invAt = time.Time{}
		}
	}
	n.order = nil
}

// reconcile brings the presence bits in line with the store: files it
// moved aside as corrupt are fetched again, and files stored behind the
// node's back (by another writer of the store) are served and not pulled.
func (n *Node) reconcile() {
	n.mu.Lock()
	defer n.mu.Unlock()
	lost, found := 0, 0
	for i, h := range n.hashes {
		switch has := n.cfg.Store.Has(h); {
		case has && !n.have.Get(i):
			n.have.Set(i, true)
			found++
		case !has && n.have.Get(i):
			n.have.Set(i, false)
			lost++
		}
	}
	if found > 0 {
		n.log.Debug("atlas: zone files found in the store", "count", found)
	}
	if lost > 0 {
		n.log.Warn("atlas: zone files gone from the store; fetching them again", "count", lost)
		n.orderStale = true
		wake(n.wakePull)
	}
}

// markHaveLocked records that the store holds h, in every bit it has. It
// reports false if the chain view does not name h yet.
func (n *Node) markHaveLocked(h zonefile.Hash) bool {
	idx, ok := n.index[h]
	if !ok {
		wake(n.wakeChain) // the store checked the chain: our view lags
		return false
	}
	for _, i := range idx {
		n.have.Set(i, true)
	}
	return true
}

// markLost records that the store no longer holds h, if we thought it
// did.
func (n *Node) markLost(h zonefile.Hash) {
	n.mu.Lock()
	defer n.mu.Unlock()
	idx := n.index[h]
	if len(idx) == 0 || !n.have.Get(idx[0]) {
		return
	}
	for _, i := range idx {
		n.have.Set(i, false)
	}
	n.orderStale = true
	wake(n.wakePull)
}

// missingSpan is the smallest range holding every bit we lack (count 0
// when we lack nothing).
func (n *Node) missingSpanLocked() (off, count int) {
	first, last := -1, -1
	n.have.Zeros(func(i int) bool {
		if first < 0 {
			first = i
		}
		last = i
		return true
	})
	if first < 0 {
		return 0, 0
	}
	return first, last - first + 1
}

// refreshJob is an inventory refresh of one neighbour: ranges of bits to
// read, and our inventory's length when they were chosen.
type refreshJob struct {
	addr   string
	ranges [][2]int // offset, count
	length int
}

func (n *Node) refreshLoop(ctx context.Context) {
	tick := min(n.cfg.Timing.InventoryRefresh/4, time.Second)
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, n.cfg.Limits.MaxPulls)
	for sleep(ctx, tick, n.wakeRefresh) {
		for _, job := range n.planRefresh() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				defer func() { <-sem }()
				n.refresh(ctx, job)
			})
		}
	}
}

// planRefresh picks the neighbours whose inventories must be read, over
// the span of bits we lack: those never read, and those not read for
// InventoryRefresh, or for a sixth of it while refreshes keep showing
// neighbours holding files we lack that we did not know they held (they
// are fetching them from further away, as when a network bootstraps). A
// node that lacks nothing reads nothing: gossip keeps it current, and
// peers pull from it.
func (n *Node) planRefresh() []refreshJob {
	n.mu.Lock()
	defer n.mu.Unlock()
	off, count := n.missingSpanLocked()
	if count == 0 {
		return nil
	}
	now := time.Now()
	every := n.cfg.Timing.InventoryRefresh
	if now.Sub(n.revealed) < every {
		every /= 6
	}
	var jobs []refreshJob
	for _, p := range n.peers {
		if !p.neighbour || p.refresh || now.Before(p.busyUntil) {
			continue
		}
		if now.Sub(p.invAt) < every {
			continue
		}
		job := refreshJob{addr: p.addr, length: len(n.hashes)}
		for o := off; o < off+count; o += MaxInventoryBits {
			job.ranges = append(job.ranges, [2]int{o, min(MaxInventoryBits, off+count-o)})
		}
		p.refresh = true
		jobs = append(jobs, job)
	}
	return jobs
}

// refresh reads a neighbour's inventory ranges into our view of it.
func (n *Node) refresh(ctx context.Context, job refreshJob) {
	ok := true
	for _, r := range job.ranges {
		var f fragment
		err := n.ask(ctx, job.addr, methodInventory, inventoryParams{Offset: r[0], Count: r[1]}, &f,
			n.cfg.Timing.InventoryTimeout, maxInvReply, func() error {
				if err := f.check(); err != nil {
					return err
				}
				if f.Offset != r[0] || f.Count > r[1] {
					return fmt.Errorf("asked for %d bits at %d, got %d at %d", r[1], r[0], f.Count, f.Offset)
				}
				return nil
			})
		if err != nil {
			if ctx.Err() == nil {
				n.log.Debug("atlas: inventory refresh failed", "peer", job.addr, "err", err)
			}
			ok = false
			break
		}
		locked.Do(&n.mu, func() {
			if p := n.peers[job.addr]; p != nil && p.neighbour && len(n.hashes) >= job.length {
				for i := range f.Count {
					b := r[0] + i
					if f.Inv[i/8]&(0x80>>(i%8)) != 0 && !p.inv.Get(b) && b < n.have.Len() && !n.have.Get(b) {
						n.revealed = time.Now()
						break
					}
				}
				// Bits it did not return (past its own end) it does not have.
				p.inv.Write(r[0], r[1], append(f.Inv, make([]byte, bytesFor(r[1])-len(f.Inv))...), false)
				n.orderStale = true
			}
		})
	}
	locked.Do(&n.mu, func() {
		if p := n.peers[job.addr]; p != nil {
			p.refresh = false
			// A failed refresh also waits its turn (as in v1), so a dead
			// neighbour is not asked in a tight loop; its health drops.
			p.invAt = time.Now()
		}
	})
	if ok {
		wake(n.wakePull)
	}
}
