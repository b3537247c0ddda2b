// Package devchain is the embedded development chain: a single-process
// Bitcoin chain that mines real wire-format blocks on regtest parameters,
// keeps a UTXO set, and validates every spend's scripts with txscript's
// engine, so that what works here works on btcd. It persists in a bbolt
// database in its data directory and resumes after a restart.
//
// It implements chain.Backend and chain.Miner, pays every coinbase to a
// faucet key it keeps, lets tests build competing branches (MineBlock on any
// parent, Fork) that reorganise the chain when they grow longer, and serves
// the subset of Bitcoin's JSON-RPC that chain/rpc uses (NewRPCServer), so
// other processes follow it exactly as they follow btcd.
//
// It owns its database file and nothing else; it knows nothing of
// Blockstack.
package devchain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/internal/locked"
)

// Config configures a Chain. The zero value of every field but DataDir is a
// usable default.
type Config struct {
	// DataDir holds the database (chain.db); created if missing.
	DataDir string
	// CoinbaseMaturity is the confirmations a coinbase needs before it can
	// be spent; default 100, as on Bitcoin. A chain shorter than
	// CoinbaseMaturity+1 blocks (a new one) is mined up to it so the faucet
	// can pay at once.
	CoinbaseMaturity int64
	// NoSync skips fsync on commit: for tests and benchmarks only.
	NoSync bool
	// Log receives the chain's notices (a non-standard transaction dropped
	// from the mempool); default slog.Default().
	Log *slog.Logger
}

const dbFile = "chain.db"

// maxBlockTxBytes bounds the transactions mined into one block (Bitcoin's
// 1 MB less room for the header and coinbase).
const maxBlockTxBytes = 990_000

// Chain is the embedded chain. It is safe for concurrent use.
type Chain struct {
	params   *chaincfg.Params
	maturity int64
	db       *bolt.DB
	faucet   *btcec.PrivateKey
	faucetPk []byte // the faucet's P2PKH script
	log      *slog.Logger

	mu      sync.RWMutex
	main    []chainhash.Hash         // best chain hashes by height
	mainIdx map[chainhash.Hash]int64 // and their heights
	pool    *mempool

	subMu sync.Mutex
	subs  map[chan chain.Tip]struct{}
}

var _ chain.Backend = (*Chain)(nil)
var _ chain.Miner = (*Chain)(nil)

// Open opens the chain in cfg.DataDir, creating it (genesis, faucet key and
// the pre-mined blocks) when the directory holds none.
func Open(cfg Config) (*Chain, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("devchain: no data directory")
	}
	if cfg.CoinbaseMaturity == 0 {
		cfg.CoinbaseMaturity = 100
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("devchain: %w", err)
	}
	path := filepath.Join(cfg.DataDir, dbFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: cfg.NoSync})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("devchain: %s is in use by another process", path)
		}
		return nil, fmt.Errorf("devchain: open %s: %w", path, err)
	}
	c := &Chain{
		params:   &chaincfg.RegressionNetParams,
		maturity: cfg.CoinbaseMaturity,
		db:       db,
		log:      cfg.Log,
		pool:     newMempool(),
		subs:     make(map[chan chain.Tip]struct{}),
		mainIdx:  make(map[chainhash.Hash]int64),
	}
	if err := c.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("devchain: load %s: %w", path, err)
	}
	// Blocks are committed one by one: a pre-mine cut short resumes here.
	if missing := c.maturity + 1 - int64(len(c.main)-1); missing > 0 {
		if _, err := c.Mine(context.Background(), int(missing)); err != nil {
			db.Close()
			return nil, fmt.Errorf("devchain: pre-mine: %w", err)
		}
	}
	return c, nil
}

// load reads the faucet key, the best chain and the mempool, initialising
// an empty database with the genesis block and a new faucet key.
func (c *Chain) load() error {
	err := c.db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if raw := meta.Get(keyFaucet); raw != nil {
			c.faucet, _ = btcec.PrivKeyFromBytes(raw)
		} else {
			k, err := btcec.NewPrivateKey()
			if err != nil {
				return err
			}
			c.faucet = k
			if err := meta.Put(keyFaucet, k.Serialize()); err != nil {
				return err
			}
			// The genesis block is on the chain but, as on Bitcoin, its
			// coinbase is not spendable.
			g := c.params.GenesisBlock
			h := g.BlockHash()
			if err := tx.Bucket(bucketBlocks).Put(h[:], serializeBlock(g)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketHeights).Put(h[:], heightKey(0)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketMain).Put(heightKey(0), h[:]); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMain).ForEach(func(_, v []byte) error {
			var h chainhash.Hash
			copy(h[:], v)
			c.mainIdx[h] = int64(len(c.main))
			c.main = append(c.main, h)
			return nil
		})
	})
	if err != nil {
		return err
	}
	addr, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(c.faucet.PubKey().SerializeCompressed()), c.params)
	if err != nil {
		return err
	}
	if c.faucetPk, err = txscript.PayToAddrScript(addr); err != nil {
		return err
	}
	return c.loadMempool()
}

// Close releases the database. Subscriptions end with their contexts.
func (c *Chain) Close() error { return c.db.Close() }

// Params are regtest's: addresses, genesis and proof-of-work limit.
func (c *Chain) Params() *chaincfg.Params { return c.params }

// FaucetAddress is where every coinbase pays.
func (c *Chain) FaucetAddress() btcutil.Address {
	addr, _ := btcutil.NewAddressPubKeyHash(btcutil.Hash160(c.faucet.PubKey().SerializeCompressed()), c.params)
	return addr
}

// Tip returns the best block.
func (c *Chain) Tip(ctx context.Context) (chain.Tip, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tipLocked(), nil
}

func (c *Chain) tipLocked() chain.Tip {
	h := int64(len(c.main) - 1)
	return chain.Tip{Height: h, Hash: c.main[h]}
}

// BlockHash returns the best chain's hash at height.
func (c *Chain) BlockHash(ctx context.Context, height int64) (chainhash.Hash, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if height < 0 || height >= int64(len(c.main)) {
		return chainhash.Hash{}, fmt.Errorf("block at height %d (tip %d): %w", height, len(c.main)-1, chain.ErrNotFound)
	}
	return c.main[height], nil
}

// BlockByHeight returns the best chain's block at height.
func (c *Chain) BlockByHeight(ctx context.Context, height int64) (*chain.Block, error) {
	hash, err := c.BlockHash(ctx, height)
	if err != nil {
		return nil, err
	}
	return c.BlockByHash(ctx, hash)
}

// BlockByHash returns a block of the best chain by hash.
func (c *Chain) BlockByHash(ctx context.Context, hash chainhash.Hash) (*chain.Block, error) {
	var h int64
	var ok bool
	locked.Do(c.mu.RLocker(), func() { h, ok = c.mainIdx[hash] })
	if !ok {
		return nil, fmt.Errorf("block %s on the best chain: %w", hash, chain.ErrNotFound)
	}
	var blk *chain.Block
	err := c.db.View(func(tx *bolt.Tx) error {
		mb, err := readBlock(tx, hash)
		if err != nil {
			return err
		}
		blk = &chain.Block{Height: h, Hash: hash, Header: mb.Header, Txs: mb.Transactions}
		return nil
	})
	return blk, err
}

// Transaction finds a transaction in the mempool or the best chain.
func (c *Chain) Transaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	var pooled *wire.MsgTx
	locked.Do(c.mu.RLocker(), func() { pooled = c.pool.byID[txid] })
	if pooled != nil {
		return pooled, nil
	}
	var found *wire.MsgTx
	err := c.db.View(func(btx *bolt.Tx) error {
		raw := btx.Bucket(bucketTxIndex).Get(txid[:])
		if raw == nil {
			return fmt.Errorf("transaction %s: %w", txid, chain.ErrNotFound)
		}
		var bh chainhash.Hash
		copy(bh[:], raw)
		var err error
		found, err = findTx(btx, bh, txid)
		return err
	})
	return found, err
}

// findTx reads transaction txid out of the stored block bh.
func findTx(btx *bolt.Tx, bh, txid chainhash.Hash) (*wire.MsgTx, error) {
	mb, err := readBlock(btx, bh)
	if err != nil {
		return nil, err
	}
	for _, t := range mb.Transactions {
		if t.TxHash() == txid {
			return t, nil
		}
	}
	return nil, fmt.Errorf("transaction %s: index names block %s which lacks it", txid, bh)
}

// SubscribeTips sends the tip now and after every change until ctx ends.
func (c *Chain) SubscribeTips(ctx context.Context) (<-chan chain.Tip, error) {
	ch := make(chan chain.Tip, 1)
	tip, _ := c.Tip(ctx)
	ch <- tip
	locked.Do(&c.subMu, func() {
		c.subs[ch] = struct{}{}
	})
	go func() {
		<-ctx.Done()
		locked.Do(&c.subMu, func() {
			delete(c.subs, ch)
			close(ch)
		})
	}()
	return ch, nil
}

// notify gives every subscriber the new tip, replacing one it has not read.
func (c *Chain) notify(tip chain.Tip) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	for ch := range c.subs {
		select {
		case <-ch:
		default:
		}
		ch <- tip
	}
}
