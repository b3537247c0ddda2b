package registrar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// Current is a subdomain's state: its owner, seqn and zone file.
type Current struct {
	Owner    string
	Seq      uint64
	ZoneFile []byte
}

// Node is what the registrar reads from the BNS node.
type Node interface {
	// Subdomain returns a subdomain's current state on chain, an error
	// wrapping ErrUnknown if it has none.
	Subdomain(ctx context.Context, fqn string) (Current, error)
	// Zonefile returns a name's current zone file, nil if it has none
	// or the node does not hold it.
	Zonefile(ctx context.Context, name string) ([]byte, error)
}

// Anchored is a confirmed NAME_UPDATE.
type Anchored struct {
	Txid  string
	Block int64
}

// Anchor puts the domain's zone files on chain.
type Anchor interface {
	// Anchor sends the NAME_UPDATE that makes zf the domain's zone file,
	// waits until the node has indexed it, and gives the node the zone
	// file (which passes it to Atlas). Called again with the same bytes
	// after a stop at any point (a crash between broadcasting and
	// confirming included), it must continue with the transaction already
	// sent, never send a second one. submitted is called with the
	// transaction's id once it is, or may have been, broadcast.
	Anchor(ctx context.Context, zf []byte, submitted func(txid string) error) (Anchored, error)
}

// Config configures a Registrar.
type Config struct {
	// Domain is the on-chain name whose zone files carry the subdomains.
	Domain string
	// Params is the network whose addresses owners must have.
	Params *chaincfg.Params
	// ResolverURL is the target of the _resolver URI record in each zone
	// file: where clients look up names still pending ("" for none).
	ResolverURL string
	// A full zone file goes out at once. One that is not full goes out
	// once no request has come for BatchDelay, or once its oldest request
	// has waited MaxBatchDelay (default 10 × BatchDelay): requests that
	// keep coming fill zone files, and a steady trickle cannot hold one
	// back for ever.
	BatchDelay    time.Duration
	MaxBatchDelay time.Duration
	// RetryAfter is the pause after a failed attempt to build or send a
	// batch.
	RetryAfter time.Duration
	// MaxPending bounds the requests waiting for a batch.
	MaxPending int
	// Log receives the registrar's events; nil discards them.
	Log *slog.Logger
	// Hook, when set, is called after "batch:built" (the batch is on
	// disk, nothing sent), "batch:submitted" and "batch:confirmed".
	// Tests use it to stop the registrar at a chosen point.
	Hook func(event string)
	// Metrics, if set, receives the registrar's Prometheus metrics
	// (docs/metrics.md); nil: none are kept.
	Metrics prometheus.Registerer
}

// Registrar queues signed subdomain requests and anchors them in the
// domain's zone files. Its methods are safe for concurrent use; Run is
// its one background loop.
type Registrar struct {
	cfg    Config
	store  *Store
	node   Node
	anchor Anchor
	log    *slog.Logger
	// metrics is nil when none are kept.
	metrics *registrarMetrics
	// admit serialises the check-then-queue of requests, so that two
	// requests for one name cannot both pass the check.
	admit sync.Mutex
	wake  chan struct{}
}

// New returns a registrar over an open store.
func New(cfg Config, store *Store, node Node, anchor Anchor) (*Registrar, error) {
	if _, _, err := SplitName("x", cfg.Domain); err != nil {
		return nil, fmt.Errorf("registrar: domain %q: %w", cfg.Domain, err)
	}
	if cfg.Params == nil {
		return nil, errors.New("registrar: no network parameters")
	}
	if cfg.MaxBatchDelay <= 0 {
		cfg.MaxBatchDelay = 10 * cfg.BatchDelay
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 10_000
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 5 * time.Second
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Registrar{cfg: cfg, store: store, node: node, anchor: anchor, log: log, wake: make(chan struct{}, 1),
		metrics: newRegistrarMetrics(cfg.Metrics, store)}, nil
}

// Domain is the registrar's domain.
func (r *Registrar) Domain() string { return r.cfg.Domain }

// Store is the registrar's queue.
func (r *Registrar) Store() *Store { return r.store }

// Register queues a signed registration.
func (r *Registrar) Register(ctx context.Context, req RegisterRequest, client string) (Entry, error) {
	_, fqn, err := SplitName(req.Name, r.cfg.Domain)
	if err != nil {
		return Entry{}, err
	}
	if err := r.checkOwner(req.OwnerAddress); err != nil {
		return Entry{}, err
	}
	e := Entry{Name: fqn, Kind: KindRegister, Owner: req.OwnerAddress, ZoneFile: []byte(req.Zonefile),
		RequestSig: req.Signature, Client: client, Received: time.Now()}
	if err := r.checkSize(e); err != nil {
		return Entry{}, err
	}
	if err := verifyRegistration(fqn, req); err != nil {
		return Entry{}, err
	}
	r.admit.Lock()
	defer r.admit.Unlock()
	if _, err := r.current(ctx, fqn); err == nil {
		return Entry{}, fmt.Errorf("registrar: %s: %w", fqn, ErrTaken)
	} else if !errors.Is(err, ErrUnknown) {
		return Entry{}, err
	}
	return r.queue(ctx, e)
}

// Submit queues a signed update or transfer (kind): the record must have
// the current seqn + 1 and the current owner's signature, where current
// is the newest of the chain's state and the requests queued here. An
// update keeps the owner, a transfer changes it.
func (r *Registrar) Submit(ctx context.Context, kind Kind, req RecordRequest, client string) (Entry, error) {
	if kind != KindUpdate && kind != KindTransfer {
		return Entry{}, fmt.Errorf("%w: kind %q", ErrInvalid, kind)
	}
	label, fqn, err := SplitName(req.Name, r.cfg.Domain)
	if err != nil {
		return Entry{}, err
	}
	if err := r.checkOwner(req.OwnerAddress); err != nil {
		return Entry{}, err
	}
	e := Entry{Name: fqn, Kind: kind, Owner: req.OwnerAddress, Seq: req.Sequence, ZoneFile: []byte(req.Zonefile),
		Sig: req.Signature, Client: client, Received: time.Now()}
	if err := r.checkSize(e); err != nil {
		return Entry{}, err
	}
	r.admit.Lock()
	defer r.admit.Unlock()
	cur, err := r.current(ctx, fqn)
	if err != nil {
		return Entry{}, err
	}
	if req.Sequence != cur.Seq+1 {
		return Entry{}, fmt.Errorf("registrar: %s is at seqn %d, the record has %d (want %d): %w", fqn, cur.Seq, req.Sequence, cur.Seq+1, ErrSequence)
	}
	switch {
	case kind == KindTransfer && req.OwnerAddress == cur.Owner:
		return Entry{}, fmt.Errorf("%w: %s is owned by %s already", ErrInvalid, fqn, cur.Owner)
	case kind == KindUpdate && req.OwnerAddress != cur.Owner:
		return Entry{}, fmt.Errorf("%w: an update keeps the owner %s (send a transfer to change it)", ErrInvalid, cur.Owner)
	}
	if err := verifyRecord(label, cur.Owner, req); err != nil {
		return Entry{}, err
	}
	return r.queue(ctx, e)
}

func (r *Registrar) queue(ctx context.Context, e Entry) (Entry, error) {
	e, err := r.store.add(ctx, e, r.cfg.MaxPending)
	if err != nil {
		return Entry{}, err
	}
	r.log.Info("queued", "name", e.Name, "kind", e.Kind, "seqn", e.Seq, "owner", e.Owner, "client", e.Client)
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return e, nil
}

// current is the newest state of fqn: its last queued request, or the
// chain's if that is newer (an update made elsewhere, or a name that
// predates this registrar). ErrUnknown if neither knows it.
func (r *Registrar) current(ctx context.Context, fqn string) (Current, error) {
	var cur Current
	found := false
	e, err := r.store.Latest(ctx, fqn)
	switch {
	case err == nil:
		cur, found = Current{Owner: e.Owner, Seq: e.Seq, ZoneFile: e.ZoneFile}, true
	case !errors.Is(err, ErrUnknown):
		return Current{}, err
	}
	onChain, err := r.node.Subdomain(ctx, fqn)
	switch {
	case err == nil:
		if !found || onChain.Seq > cur.Seq {
			cur, found = onChain, true
		}
	case !errors.Is(err, ErrUnknown):
		return Current{}, fmt.Errorf("registrar: ask the node about %s: %w", fqn, err)
	}
	if !found {
		return Current{}, fmt.Errorf("registrar: %s: %w", fqn, ErrUnknown)
	}
	return cur, nil
}

// checkOwner checks that an owner is a P2PKH or P2SH address of the
// registrar's network.
func (r *Registrar) checkOwner(owner string) error {
	a, err := btcutil.DecodeAddress(owner, r.cfg.Params)
	if err != nil || !a.IsForNet(r.cfg.Params) {
		return fmt.Errorf("%w: owner %q is not a %s address", ErrInvalid, owner, r.cfg.Params.Name)
	}
	switch a.(type) {
	case *btcutil.AddressPubKeyHash, *btcutil.AddressScriptHash:
		return nil
	}
	return fmt.Errorf("%w: owner %q is not a P2PKH or P2SH address", ErrInvalid, owner)
}

// checkSize checks that e's record fits in a zone file beside the
// registrar's own records.
func (r *Registrar) checkSize(e Entry) error {
	rec, err := e.record()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	base, err := baseFile(r.cfg.Domain, nil, r.cfg.ResolverURL)
	if err != nil {
		return err
	}
	if _, n, err := pack(base, []zonefile.Record{rec}); err != nil || n == 0 {
		return fmt.Errorf("registrar: %s: %w (limit %d bytes)", e.Name, ErrTooLarge, zonefile.MaxSize)
	}
	return nil
}

// Run builds and sends batches until ctx ends: first the batch a
// previous run left unconfirmed, if any, then one batch at a time, each
// once the one before it is confirmed. It returns ctx's error.
func (r *Registrar) Run(ctx context.Context) error {
	for {
		wait, err := r.step(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			r.metrics.failed()
			r.log.Error("batch", "err", err, "retry_in", r.cfg.RetryAfter)
			wait = r.cfg.RetryAfter
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-r.wake:
			case <-t.C:
			}
			t.Stop()
		}
	}
}

// idleWait is how long the loop sleeps with nothing to do; a new request
// wakes it earlier.
const idleWait = time.Minute

// step sends the open batch, or builds the next one and sends it. It
// returns how long to wait before the next step (0: at once).
func (r *Registrar) step(ctx context.Context) (time.Duration, error) {
	b, err := r.store.openBatch(ctx)
	if err != nil {
		return 0, err
	}
	if b == nil {
		var wait time.Duration
		if b, wait, err = r.build(ctx); err != nil || b == nil {
			return wait, err
		}
	} else {
		r.log.Info("resuming batch", "batch", b.ID, "state", b.State, "txid", b.Txid)
	}
	return 0, r.send(ctx, b)
}

// build makes the next batch from the pending requests, oldest first:
// as many as fit in the zone file, at most one per subdomain (v1 kept
// only the lowest seqn of a subdomain in one zone file, so a later
// record of the same name waits for the next batch). While the requests
// would not fill a zone file it builds nothing until BatchDelay after the
// newest or MaxBatchDelay after the oldest, and returns how long is left.
func (r *Registrar) build(ctx context.Context) (*Batch, time.Duration, error) {
	pend, err := r.store.pending(ctx)
	if err != nil {
		return nil, idleWait, err
	}
	if len(pend) == 0 {
		return r.announce(ctx)
	}
	current, err := r.node.Zonefile(ctx, r.cfg.Domain)
	if err != nil {
		return nil, 0, fmt.Errorf("registrar: the zone file of %s: %w", r.cfg.Domain, err)
	}
	base, err := baseFile(r.cfg.Domain, current, r.cfg.ResolverURL)
	if err != nil {
		return nil, 0, err
	}
	seen := map[string]bool{}
	failed := map[int64]string{}
	var cands []Entry
	var recs []zonefile.Record
	for _, e := range pend {
		if seen[e.Name] {
			continue
		}
		seen[e.Name] = true
		rec, err := e.record()
		if err != nil {
			failed[e.ID] = err.Error()
			continue
		}
		cands, recs = append(cands, e), append(recs, rec)
	}
	data, n, err := pack(base, recs)
	if err != nil {
		return nil, 0, err
	}
	if n == 0 && len(recs) > 0 {
		// Admission checked the record against the registrar's own
		// records alone; the domain's other records leave it no room.
		failed[cands[0].ID] = fmt.Sprintf("the record does not fit in a zone file beside the domain's %d other records", len(base.Records))
	}
	full := n < len(recs)
	left := min(time.Until(pend[len(pend)-1].Received.Add(r.cfg.BatchDelay)), time.Until(pend[0].Received.Add(r.cfg.MaxBatchDelay)))
	if !full && left > 0 && len(failed) == 0 {
		return nil, left, nil
	}
	ids := make([]int64, n)
	for i := range n {
		ids[i] = cands[i].ID
	}
	if n == 0 {
		data = nil
	}
	b, err := r.store.createBatch(ctx, data, ids, failed)
	if err != nil || b == nil {
		return nil, 0, err
	}
	r.log.Info("batch built", "batch", b.ID, "records", n, "bytes", len(data), "full", full, "pending_left", len(pend)-n)
	r.hook("batch:built")
	return b, 0, nil
}

// announce makes the registrar findable before its first batch: while
// nothing is pending and the domain's zone file does not name ResolverURL
// as its _resolver, it builds a batch of no records whose zone file is the
// domain's own with that record, so that clients find the registrar from
// the domain's name alone (before, they had to be told its URL).
func (r *Registrar) announce(ctx context.Context) (*Batch, time.Duration, error) {
	if r.cfg.ResolverURL == "" {
		return nil, idleWait, nil
	}
	current, err := r.node.Zonefile(ctx, r.cfg.Domain)
	if err != nil {
		return nil, 0, fmt.Errorf("registrar: the zone file of %s: %w", r.cfg.Domain, err)
	}
	if f, err := zonefile.Parse(current); err == nil && len(current) > 0 {
		if u, ok := f.ResolverURL(); ok && u == r.cfg.ResolverURL {
			return nil, idleWait, nil
		}
	}
	base, err := baseFile(r.cfg.Domain, current, r.cfg.ResolverURL)
	if err != nil {
		return nil, 0, err
	}
	data, _, err := pack(base, nil)
	if err != nil {
		return nil, 0, err
	}
	b, err := r.store.createBatch(ctx, data, nil, nil)
	if err != nil {
		return nil, 0, err
	}
	r.log.Info("announcing the registrar: the zone file of "+r.cfg.Domain+" does not name it, so a NAME_UPDATE will give it a _resolver record",
		"batch", b.ID, "resolver", r.cfg.ResolverURL)
	r.hook("batch:built")
	return b, 0, nil
}

// send anchors a batch and records its progress.
func (r *Registrar) send(ctx context.Context, b *Batch) error {
	submitted := func(txid string) error {
		if b.State == batchSubmitted && b.Txid == txid {
			return nil
		}
		if err := r.store.setBatch(ctx, b.ID, batchSubmitted, txid, 0); err != nil {
			return err
		}
		b.State, b.Txid = batchSubmitted, txid
		r.log.Info("batch submitted", "batch", b.ID, "txid", txid)
		r.hook("batch:submitted")
		return nil
	}
	res, err := r.anchor.Anchor(ctx, b.ZoneFile, submitted)
	if err != nil {
		return fmt.Errorf("registrar: batch %d: %w", b.ID, err)
	}
	if err := r.store.setBatch(ctx, b.ID, batchConfirmed, res.Txid, res.Block); err != nil {
		return err
	}
	r.metrics.confirmed(b.Built)
	r.log.Info("batch confirmed", "batch", b.ID, "txid", res.Txid, "block", res.Block)
	r.hook("batch:confirmed")
	return nil
}

func (r *Registrar) hook(event string) {
	r.metrics.step(event)
	if r.cfg.Hook != nil {
		r.cfg.Hook(event)
	}
}
