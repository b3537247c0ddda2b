package bnsgen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/virtualchain"
)

// indexerOracle applies each generated block to a real indexer, which
// gives its consensus hash: the hash commits to the root of the whole name
// state, which only the indexer's own records give.
type indexerOracle struct {
	dir  string
	db   *namedb.DB
	ix   *virtualchain.Indexer
	last namedb.Block
}

func newIndexerOracle(ctx context.Context, g *gen) (*indexerOracle, error) {
	dir, err := os.MkdirTemp("", "bnsgen-oracle-")
	if err != nil {
		return nil, err
	}
	o := &indexerOracle{dir: dir}
	if o.db, err = namedb.Open(filepath.Join(dir, "names.db")); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	o.ix, err = virtualchain.New(ctx, o.db, &writerBackend{w: g.w}, virtualchain.Config{
		Network: g.net, Rules: g.rules, FirstBlock: firstBlock,
		OnBlock: func(b namedb.Block) { o.last = b },
	})
	if err != nil {
		o.close()
		return nil, err
	}
	return o, nil
}

func (o *indexerOracle) close() {
	o.db.Close()
	os.RemoveAll(o.dir)
}

// apply indexes the block just written and checks that the indexer accepted
// and rejected what the generator meant.
func (o *indexerOracle) apply(ctx context.Context, g *gen, b *wire.MsgBlock, accepted, rejected int) (namedb.Block, error) {
	blk := &chain.Block{Height: g.h, Hash: b.Header.BlockHash(), Header: b.Header, Txs: b.Transactions}
	if err := o.ix.Connect(ctx, blk); err != nil {
		return namedb.Block{}, fmt.Errorf("bnsgen: indexer oracle: %w", err)
	}
	if o.last.Height != g.h {
		return namedb.Block{}, errors.New("bnsgen: indexer oracle: no OnBlock report")
	}
	if o.last.Accepted == accepted && o.last.Rejected == rejected {
		return o.last, nil
	}
	// Say which operations the generator got wrong.
	hist, err := o.db.BlockHistory(ctx, g.h)
	if err != nil {
		return namedb.Block{}, err
	}
	byVtx := make(map[int]namedb.HistoryEntry, len(hist))
	for _, e := range hist {
		byVtx[e.Vtxindex] = e
	}
	var diffs []string
	for _, p := range g.plans {
		e := byVtx[p.vtx]
		if e.Accepted != p.valid {
			diffs = append(diffs, fmt.Sprintf("vtx %d %s: meant valid=%v, indexer accepted=%v (%s)", p.vtx, p.label, p.valid, e.Accepted, e.Reason))
		}
	}
	return namedb.Block{}, fmt.Errorf("bnsgen: block %d: the generator meant %d accepted and %d rejected operations, the indexer found %d and %d (a generator model bug, or a rule changed):\n  %s",
		g.h, accepted, rejected, o.last.Accepted, o.last.Rejected, strings.Join(diffs, "\n  "))
}

// writerBackend serves the transactions written so far; the indexer asks
// it for nothing else when it is driven by Connect.
type writerBackend struct{ w *writer }

var errWriterBackend = errors.New("bnsgen: the generator's backend only serves transactions")

func (b *writerBackend) Params() *chaincfg.Params { return b.w.params }
func (b *writerBackend) Tip(context.Context) (chain.Tip, error) {
	return chain.Tip{}, errWriterBackend
}
func (b *writerBackend) BlockHash(context.Context, int64) (chainhash.Hash, error) {
	return chainhash.Hash{}, errWriterBackend
}
func (b *writerBackend) BlockByHeight(context.Context, int64) (*chain.Block, error) {
	return nil, errWriterBackend
}
func (b *writerBackend) BlockByHash(context.Context, chainhash.Hash) (*chain.Block, error) {
	return nil, errWriterBackend
}
func (b *writerBackend) Transaction(_ context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	return b.w.transaction(txid)
}
func (b *writerBackend) SendTx(context.Context, *wire.MsgTx) (chainhash.Hash, error) {
	return chainhash.Hash{}, errWriterBackend
}
func (b *writerBackend) SubscribeTips(context.Context) (<-chan chain.Tip, error) {
	return nil, errWriterBackend
}
