package virtualchain

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/internal/gctune"
	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
)

// Config says what an Indexer indexes.
type Config struct {
	Network *bns.Network
	Rules   rules.Rules
	// FirstBlock is the first block read; the consensus hash chain starts
	// there. Every node that must agree uses the same one.
	FirstBlock int64
	// OnBlock, if set, is told of every block applied (for progress
	// reports); it runs on the indexing goroutine and must be quick.
	OnBlock func(namedb.Block)
	// BatchTime bounds how long applied blocks wait for their commit while
	// the indexer catches up; 0 means 2 s.
	BatchTime time.Duration
	// UndoDepth is the reorganisation horizon: only the blocks less than
	// this many below the backend's tip keep the undo log that rewinds
	// them (0 means DefaultUndoDepth). Blocks indexed deeper while
	// catching up keep none, and the undo of blocks that fall below it
	// is pruned: a reorganisation deeper than that fails (the database
	// must then be rebuilt) instead of rewinding.
	UndoDepth int64
	// Metrics, if set, receives the indexer's Prometheus metrics
	// (docs/metrics.md); nil: none are kept.
	Metrics prometheus.Registerer
}

// DefaultUndoDepth is two days of blocks, as the wallet keeps: Bitcoin's
// deepest reorganisations were tens of blocks.
const DefaultUndoDepth = 288

// Indexer applies blocks to a name database. It is a chain.Cursor and a
// chain.Handler: chain.Sync and chain.Follow drive it, rewinding it on
// reorganisations.
type Indexer struct {
	db      *namedb.DB
	backend chain.Backend
	cfg     Config
	metrics *indexerMetrics // nil: no metrics

	mu      sync.Mutex
	height  int64        // last applied block (committed or in the batch)
	batch   *batch       // blocks applied but not yet committed
	outputs *outputCache // recent transactions' outputs, for senders
	// chs are the consensus hashes of the applied blocks, by height −
	// FirstBlock (zero: not read from the database yet): a block's
	// consensus hash commits to those of blocks 1, 3, 7, 15… below it,
	// so every block is needed again, and a read would wait for the
	// writer's queue. 16 bytes a block.
	chs [][16]byte
	// deferred: the query indexes are dropped for a catch-up; Flush
	// builds them again.
	deferred bool

	// Blocks decoded ahead of their turn by Prepare, by hash.
	prepMu   sync.Mutex
	prepared map[chainhash.Hash]*decodedBlock
	prepOut  *outputCache // Prepare's own cache of recent outputs
}

// decodedBlock is a block's name operations, found and decoded.
type decodedBlock struct {
	ops      []opContext
	rejected []namedb.HistoryEntry
}

// metaKeys pin a database to the settings that produced it.
const (
	metaNetwork    = "network"
	metaFirstBlock = "first_block"
)

// New opens an indexer over db, which must have been built with the same
// network and first block (or be empty).
func New(ctx context.Context, db *namedb.DB, backend chain.Backend, cfg Config) (*Indexer, error) {
	if cfg.Network == nil {
		return nil, errors.New("virtualchain: no network")
	}
	if cfg.BatchTime <= 0 {
		cfg.BatchTime = defaultBatchTime
	}
	if cfg.UndoDepth <= 0 {
		cfg.UndoDepth = DefaultUndoDepth
	}
	for key, want := range map[string]string{metaNetwork: cfg.Network.Name, metaFirstBlock: strconv.FormatInt(cfg.FirstBlock, 10)} {
		got, err := db.Meta(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("virtualchain: %w", err)
		}
		if got == "" {
			if err := db.SetMeta(ctx, key, want); err != nil {
				return nil, fmt.Errorf("virtualchain: %w", err)
			}
		} else if got != want {
			return nil, fmt.Errorf("virtualchain: database %s was built with %s %s, not %s", db.Path(), key, got, want)
		}
	}
	ix := &Indexer{db: db, backend: backend, cfg: cfg, height: cfg.FirstBlock - 1,
		outputs:  newOutputCache(6),
		prepared: map[chainhash.Hash]*decodedBlock{}, prepOut: newOutputCache(6)}
	last, ok, err := db.LastBlock(ctx)
	if err != nil {
		return nil, err
	}
	if ok {
		ix.height = last.Height
	}
	ix.metrics = newIndexerMetrics(cfg.Metrics, backend)
	ix.metrics.setHeight(ix.height)
	return ix, nil
}

// Height is the last applied block (FirstBlock−1 before any).
func (ix *Indexer) Height() int64 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.height
}

// HashAt is the hash of the applied block at height.
func (ix *Indexer) HashAt(height int64) (chainhash.Hash, bool, error) {
	var batched chainhash.Hash
	var ok bool
	locked.Do(&ix.mu, func() {
		if ix.batch != nil {
			batched, ok = ix.batch.hashes[height]
		}
	})
	if ok {
		return batched, true, nil
	}
	b, err := ix.db.BlockAt(context.Background(), height)
	if errors.Is(err, namedb.ErrNotFound) {
		return chainhash.Hash{}, false, nil
	}
	if err != nil {
		return chainhash.Hash{}, false, err
	}
	h, err := chainhash.NewHashFromStr(b.Hash)
	if err != nil {
		return chainhash.Hash{}, false, fmt.Errorf("virtualchain: stored hash of block %d: %w", height, err)
	}
	return *h, true, nil
}

// Rewind takes back every block above fork.
func (ix *Indexer) Rewind(ctx context.Context, fork int64) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.flushLocked(); err != nil {
		return err
	}
	fork = max(fork, ix.cfg.FirstBlock-1)
	if err := ix.db.Rewind(ctx, fork); err != nil {
		return err
	}
	ix.height = fork
	ix.metrics.setHeight(fork)
	ix.outputs.clear()
	ix.truncateConsensus()
	return nil
}

// Sync applies every block up to the backend's tip.
func (ix *Indexer) Sync(ctx context.Context) (chain.Tip, error) {
	return chain.Sync(ctx, ix.backend, ix, ix)
}

// Run follows the backend until ctx ends.
func (ix *Indexer) Run(ctx context.Context) error {
	return chain.Follow(ctx, ix.backend, ix, ix)
}

// Batching: while it catches up, the indexer applies many blocks in one
// database transaction (each block still whole: readers see all of a
// block or none of it), committing at least every batchBlocks blocks or
// Config.BatchTime, and whenever chain.Sync has reached the tip (Flush). A
// crash loses at most the uncommitted batch, which is indexed again on
// restart.
//
// Far below the tip it also keeps no undo log (Config.UndoDepth), and when
// the blocks left are many (at least deferIndexBlocks, and a quarter of
// those applied) it drops the query indexes until Flush: building an index
// once costs far less than inserting into it at random places all along.
const (
	batchBlocks      = 2000
	defaultBatchTime = 2 * time.Second
	deferIndexBlocks = 1000
)

// stopGrace is how long a block being applied may go on reading from the
// backend after a stop: the backend's reads are bounded by its own
// timeouts, and a supervisor waits longer (deploy/systemd: 30 s).
const stopGrace = 10 * time.Second

// finishAfterStop is a context that ends grace after ctx ends, or when
// its cancel is called.
func finishAfterStop(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-fctx.Done():
		}
	})
	return fctx, func() {
		stop()
		cancel()
	}
}

// batch is the open transaction and what it holds.
type batch struct {
	tx      *namedb.Tx
	started time.Time
	hashes  map[int64]chainhash.Hash
}

// Connect applies the next block: decode its operations, check them
// against the rules, write the accepted ones, the history of all and the
// block's consensus hash, in the open batch.
func (ix *Indexer) Connect(ctx context.Context, b *chain.Block) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if b.Height != ix.height+1 {
		return fmt.Errorf("virtualchain: block %d does not follow %d", b.Height, ix.height)
	}
	if ix.batch == nil {
		// How far is the tip? Unknown (the backend failed): keep every
		// undo and every index.
		keepFrom := int64(-1 << 62)
		if tip, err := ix.backend.Tip(ctx); err == nil {
			keepFrom = tip.Height - ix.cfg.UndoDepth + 1
			left, done := tip.Height-b.Height+1, b.Height-ix.cfg.FirstBlock
			if !ix.deferred && left >= deferIndexBlocks && left >= done/4 {
				if err := ix.db.DeferQueryIndexes(ctx); err != nil {
					return err
				}
				ix.deferred = true
			}
		}
		// The transaction outlives this call: only Flush or a failure
		// ends it.
		tx, err := ix.db.Begin(context.WithoutCancel(ctx), b.Height)
		if err != nil {
			return err
		}
		tx.KeepUndoFrom(keepFrom)
		ix.batch = &batch{tx: tx, started: time.Now(), hashes: map[int64]chainhash.Hash{}}
	}
	tx := ix.batch.tx
	start := time.Now()
	var d *decodedBlock
	locked.Do(&ix.prepMu, func() {
		d = ix.prepared[b.Hash]
		delete(ix.prepared, b.Hash)
	})
	// A stop (ctx's end) while the block reads from the backend lets it
	// finish, so that Flush commits it with the batch: cancelled there, it
	// would roll back every block of the batch.
	actx, cancel := finishAfterStop(ctx, stopGrace)
	blk, ops, outcomes, err := ix.apply(actx, tx, b, d)
	cancel()
	if err == nil {
		err = tx.EndBlock(blk, ops)
	}
	if err != nil {
		ix.abandonLocked()
		return fmt.Errorf("virtualchain: block %d: %w", b.Height, err)
	}
	ix.metrics.applied(outcomes, time.Since(start))
	ix.batch.hashes[b.Height] = b.Hash
	ix.height = b.Height
	ix.metrics.setHeight(b.Height)
	ix.setConsensus(b.Height, blk.ConsensusHash)
	if d == nil {
		ix.outputs.add(b)
	} else {
		ix.outputs.clear() // Prepare's cache has them
	}
	if ix.cfg.OnBlock != nil {
		ix.cfg.OnBlock(blk)
	}
	if len(ix.batch.hashes) >= batchBlocks || time.Since(ix.batch.started) >= ix.cfg.BatchTime {
		return ix.flushLocked()
	}
	return nil
}

// Flush commits the blocks applied so far, and builds the query indexes if
// a catch-up dropped them. chain.Sync calls it when it stops, so that a
// node at the tip commits every block at once.
func (ix *Indexer) Flush(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	locked.Do(&ix.prepMu, func() {
		clear(ix.prepared) // blocks Sync read ahead but did not apply
	})
	if err := ix.flushLocked(); err != nil {
		return err
	}
	if ix.deferred {
		if err := ix.db.BuildQueryIndexes(ctx); err != nil {
			return fmt.Errorf("virtualchain: %w", err)
		}
		ix.deferred = false
	}
	return nil
}

func (ix *Indexer) flushLocked() error {
	if ix.batch == nil {
		return nil
	}
	err := ix.batch.tx.Finish()
	ix.batch = nil
	if err != nil {
		ix.resetLocked()
		return fmt.Errorf("virtualchain: %w", err)
	}
	gctune.Adjust() // the name state may have outgrown the collector's memory limit
	return nil
}

// abandonLocked rolls the open batch back after a failure.
func (ix *Indexer) abandonLocked() {
	ix.batch.tx.Rollback()
	ix.batch = nil
	ix.resetLocked()
}

// resetLocked returns to the last committed block.
func (ix *Indexer) resetLocked() {
	ix.height = ix.cfg.FirstBlock - 1
	if last, ok, err := ix.db.LastBlock(context.Background()); err == nil && ok {
		ix.height = last.Height
	}
	ix.metrics.setHeight(ix.height)
	ix.outputs.clear()
	ix.truncateConsensus()
}

// truncateConsensus forgets the consensus hashes above ix.height.
func (ix *Indexer) truncateConsensus() {
	ix.chs = ix.chs[:max(0, min(int64(len(ix.chs)), ix.height-ix.cfg.FirstBlock+1))]
}

// setConsensus records an applied block's consensus hash.
func (ix *Indexer) setConsensus(height int64, ch string) {
	i := height - ix.cfg.FirstBlock
	var b [16]byte
	if n, err := hex.Decode(b[:], []byte(ch)); err != nil || n != 16 || i < 0 {
		return // not the usual form: read from the database when needed
	}
	if i >= int64(len(ix.chs)) {
		ix.chs = append(ix.chs, make([][16]byte, i-int64(len(ix.chs))+1)...)
	}
	ix.chs[i] = b
}

// consensusAt is the consensus hash of an applied block.
func (ix *Indexer) consensusAt(tx *namedb.Tx, height int64) (string, error) {
	if i := height - ix.cfg.FirstBlock; i >= 0 && i < int64(len(ix.chs)) && ix.chs[i] != ([16]byte{}) {
		return hex.EncodeToString(ix.chs[i][:]), nil
	}
	ch, err := tx.ConsensusHash(height)
	if err != nil {
		return "", err
	}
	ix.setConsensus(height, ch)
	return ch, nil
}

// apply checks and writes the block's operations and returns the block's
// record, its serialized accepted operations and what became of each
// operation (for the metrics).
// d is the block decoded by Prepare, if it was.
func (ix *Indexer) apply(ctx context.Context, tx *namedb.Tx, b *chain.Block, d *decodedBlock) (namedb.Block, []string, []opOutcome, error) {
	s := &blockState{rules: ix.cfg.Rules, net: ix.cfg.Network, tx: tx, height: b.Height, fresh: make(map[string]bool)}
	for h := b.Height - 1; h >= max(b.Height-ix.cfg.Rules.ConsensusWindow, ix.cfg.FirstBlock); h-- {
		ch, err := ix.consensusAt(tx, h)
		if err != nil {
			return namedb.Block{}, nil, nil, err
		}
		s.fresh[ch] = true
		s.freshList = append(s.freshList, ch)
	}

	if d == nil {
		var err error
		if d, err = ix.decodeBlock(ctx, b, ix.outputs); err != nil {
			return namedb.Block{}, nil, nil, err
		}
	}
	ops, rejected := d.ops, d.rejected
	for _, h := range rejected {
		if err := s.addHistory(h); err != nil {
			return namedb.Block{}, nil, nil, err
		}
	}
	serialized, err := s.applyOps(ops)
	if err != nil {
		return namedb.Block{}, nil, nil, err
	}
	opsHash := consensus.OpsHash(serialized)
	var prior []string
	for _, h := range consensus.SkipHeights(b.Height, ix.cfg.FirstBlock) {
		ch, err := ix.consensusAt(tx, h)
		if err != nil {
			return namedb.Block{}, nil, nil, err
		}
		prior = append(prior, ch)
	}
	root, err := tx.StateRoot()
	if err != nil {
		return namedb.Block{}, nil, nil, err
	}
	c := consensus.Commitment{Height: b.Height, BlockHash: b.Hash.String(), OpsHash: opsHash, StateRoot: root, Prior: prior}
	ch, err := c.Hash()
	if err != nil {
		return namedb.Block{}, nil, nil, err
	}
	return namedb.Block{
		Height: b.Height, Hash: b.Hash.String(), OpsHash: opsHash, StateRoot: root, ConsensusHash: ch,
		Accepted: len(serialized), Rejected: len(rejected) + len(ops) - len(serialized),
	}, serialized, s.outcomes, nil
}

// Prepare decodes a block's name operations ahead of its turn (chain.Sync
// calls it on its read-ahead goroutine): what a block carries depends on
// the block alone, and the senders are looked up by transaction id. Connect
// takes the result; if Prepare fails, Connect decodes the block again.
func (ix *Indexer) Prepare(ctx context.Context, b *chain.Block) {
	d, err := ix.decodeBlock(ctx, b, ix.prepOut)
	ix.prepOut.add(b)
	if err != nil {
		return
	}
	locked.Do(&ix.prepMu, func() {
		ix.prepared[b.Hash] = d
	})
}

// decodeBlock finds the block's name operations: transactions whose first
// output is an OP_RETURN starting with the network's magic bytes. Those
// that do not decode are returned as rejected history. Senders come from
// outputs, else from the backend.
func (ix *Indexer) decodeBlock(ctx context.Context, b *chain.Block, outputs *outputCache) (*decodedBlock, error) {
	var ops []opContext
	var rejected []namedb.HistoryEntry
	for vtx, mtx := range b.Txs {
		if vtx == 0 || !bns.IsNameOp(mtx, ix.cfg.Network) {
			continue
		}
		txid := mtx.TxHash().String()
		sender, err := ix.senderScript(ctx, mtx, outputs)
		if err != nil {
			return nil, err
		}
		d, err := bns.Decode(mtx, sender, ix.cfg.Network)
		if err != nil {
			op := ""
			var de *bns.DecodeError
			if errors.As(err, &de) {
				op = de.Op
			}
			rejected = append(rejected, namedb.HistoryEntry{Block: b.Height, Vtxindex: vtx, Txid: txid, Op: op,
				Code: rules.ErrMalformed, Reason: err.Error(), Record: []byte("{}")})
			continue
		}
		ops = append(ops, newOpContext(d, txid, vtx))
	}
	return &decodedBlock{ops: ops, rejected: rejected}, nil
}

// senderScript is the scriptPubKey of the output tx's first input spends.
func (ix *Indexer) senderScript(ctx context.Context, tx *wire.MsgTx, outputs *outputCache) ([]byte, error) {
	if len(tx.TxIn) == 0 {
		return nil, nil
	}
	op := tx.TxIn[0].PreviousOutPoint
	if script, ok := outputs.get(op); ok {
		return script, nil
	}
	prev, err := ix.backend.Transaction(ctx, op.Hash)
	if err != nil {
		return nil, fmt.Errorf("sender of %s: %w", tx.TxHash(), err)
	}
	if int(op.Index) >= len(prev.TxOut) {
		return nil, fmt.Errorf("sender of %s: %s has no output %d", tx.TxHash(), op.Hash, op.Index)
	}
	return prev.TxOut[op.Index].PkScript, nil
}

// applyOps checks and applies the block's operations in order and returns
// the accepted ones serialized for the ops hash. Operations that claim the
// same name, namespace or preorder in one block and would each pass their
// checks are all rejected: no first-come inside a block.
func (s *blockState) applyOps(ops []opContext) ([]string, error) {
	var serialized []string
	collided := map[string]bool{}
	decided := map[int]bool{} // later claimers already rejected as collisions
	// record writes an operation's history: rej is nil if it was accepted.
	record := func(o opContext, subject string, rec any, rej *rules.RuleError) error {
		raw, err := namedb.MarshalRecord(rec)
		if err != nil {
			return err
		}
		h := namedb.HistoryEntry{Block: s.height, Vtxindex: o.vtxindex, Txid: o.txid,
			Op: o.d.Op.OpName(), Subject: subject, Accepted: rej == nil, Record: raw}
		if rej != nil {
			h.Code, h.Reason = rej.Code, rej.Description
		}
		return s.addHistory(h)
	}
	rejectOp := func(o opContext, rej *rules.RuleError) error {
		fields, err := o.d.Fields(s.net)
		if err != nil {
			return err
		}
		subject, _ := fields["name"].(string)
		if subject == "" {
			subject, _ = fields["namespace_id"].(string)
		}
		if subject == "" {
			// A preorder's subject is its hash, rejected or accepted
			// (HistoryEntry.Subject); without this, rejected preorders
			// had none and History(hash) missed them.
			subject, _ = fields["preorder_hash"].(string)
		}
		return record(o, subject, fields, rej)
	}
	collision := func(claim string) *rules.RuleError {
		return &rules.RuleError{Code: rules.ErrCollision, Description: "collision: another operation in this block claims " + claim}
	}
	for i, o := range ops {
		if decided[i] {
			continue
		}
		acc, err := s.check(o)
		var rej *rules.RuleError
		if errors.As(err, &rej) {
			if err := rejectOp(o, rej); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if acc.claim != "" {
			if collided[acc.claim] {
				if err := rejectOp(o, collision(acc.claim)); err != nil {
					return nil, err
				}
				continue
			}
			// Would a later operation of the block claim the same thing?
			for j := i + 1; j < len(ops); j++ {
				if mayClaim(ops[j]) != acc.claim {
					continue
				}
				other, err := s.check(ops[j])
				if errors.As(err, &rej) {
					continue
				}
				if err != nil {
					return nil, err
				}
				if other.claim == acc.claim {
					collided[acc.claim] = true
					decided[j] = true
					if err := rejectOp(ops[j], collision(acc.claim)); err != nil {
						return nil, err
					}
				}
			}
			if collided[acc.claim] {
				if err := rejectOp(o, collision(acc.claim)); err != nil {
					return nil, err
				}
				continue
			}
		}
		rec, err := acc.apply()
		if err != nil {
			return nil, err
		}
		if err := record(o, acc.subject, rec, nil); err != nil {
			return nil, err
		}
		serialized = append(serialized, consensus.SerializeOp(o.d.Op.Opcode(), acc.fields...))
	}
	return serialized, nil
}

// mayClaim is what an operation would claim if it passed its checks, read
// from the operation alone: it limits the collision search to rivals.
func mayClaim(o opContext) string {
	switch op := o.d.Op.(type) {
	case *bns.NamePreorder:
		return "preorder:" + op.PreorderHash.String()
	case *bns.NamespacePreorder:
		return "preorder:" + op.PreorderHash.String()
	case *bns.NamespaceReveal:
		return "namespace:" + op.NamespaceID
	case *bns.NamespaceReady:
		return "namespace:" + op.NamespaceID
	case *bns.NameRegistration:
		return "name:" + op.Name
	case *bns.NameRenewal:
		return "name:" + op.Name
	}
	return ""
}
