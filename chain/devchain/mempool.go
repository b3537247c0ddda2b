package devchain

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	bolt "go.etcd.io/bbolt"
)

// mempool holds accepted, unmined transactions in acceptance order (parents
// before children). It is guarded by Chain.mu.
type mempool struct {
	txs   []*wire.MsgTx
	byID  map[chainhash.Hash]*wire.MsgTx
	spent map[wire.OutPoint]chainhash.Hash
}

func newMempool() *mempool {
	return &mempool{byID: make(map[chainhash.Hash]*wire.MsgTx), spent: make(map[wire.OutPoint]chainhash.Hash)}
}

func (p *mempool) add(tx *wire.MsgTx) {
	p.txs = append(p.txs, tx)
	p.byID[tx.TxHash()] = tx
	for _, in := range tx.TxIn {
		p.spent[in.PreviousOutPoint] = tx.TxHash()
	}
}

// poolView sees the confirmed UTXO set through a bbolt transaction plus the
// mempool's outputs, less what the mempool spends.
type poolView struct {
	btx    *bolt.Tx
	pool   *mempool
	height int64 // of the next block
}

func (v poolView) lookup(op wire.OutPoint) (utxoEntry, bool, error) {
	if tx, ok := v.pool.byID[op.Hash]; ok {
		if int(op.Index) >= len(tx.TxOut) {
			return utxoEntry{}, false, nil
		}
		o := tx.TxOut[op.Index]
		return utxoEntry{Value: o.Value, PkScript: o.PkScript, Height: v.height}, true, nil
	}
	return dbView{v.btx}.lookup(op)
}

func (v poolView) spentBy(op wire.OutPoint) (string, bool) {
	if by, ok := v.pool.spent[op]; ok {
		return "mempool transaction " + by.String(), true
	}
	if _, ok := v.pool.byID[op.Hash]; ok {
		return "", false
	}
	return dbView{v.btx}.spentBy(op)
}

// dbView sees the confirmed UTXO set, including the writes of the bbolt
// transaction it reads through.
type dbView struct{ btx *bolt.Tx }

func (v dbView) lookup(op wire.OutPoint) (utxoEntry, bool, error) {
	raw := v.btx.Bucket(bucketUTXO).Get(outpointKey(op))
	if raw == nil {
		return utxoEntry{}, false, nil
	}
	e, err := decodeUTXO(raw)
	if err != nil {
		return utxoEntry{}, false, fmt.Errorf("utxo %v: %w", op, err)
	}
	return e, true, nil
}

// spentBy reports outputs of confirmed transactions that have left the
// UTXO set: spent (or, for OP_RETURN, never spendable).
func (v dbView) spentBy(op wire.OutPoint) (string, bool) {
	blk := v.btx.Bucket(bucketTxIndex).Get(op.Hash[:])
	if blk == nil || v.btx.Bucket(bucketUTXO).Get(outpointKey(op)) != nil {
		return "", false
	}
	var h chainhash.Hash
	copy(h[:], blk)
	tx, err := findTx(v.btx, h, op.Hash)
	if err != nil || int(op.Index) >= len(tx.TxOut) {
		return "", false
	}
	return "a confirmed transaction", true
}

// SendTx validates tx against the best chain and the mempool and, when it
// passes, adds it to the mempool for the next block.
func (c *Chain) SendTx(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.acceptLocked(tx); err != nil {
		return chainhash.Hash{}, err
	}
	return tx.TxHash(), nil
}

// acceptLocked checks tx and stores it in the mempool, durably.
func (c *Chain) acceptLocked(tx *wire.MsgTx) error {
	txid := tx.TxHash()
	if _, ok := c.pool.byID[txid]; ok {
		return reject(tx, ErrDuplicate, "already in the mempool")
	}
	err := c.db.Update(func(btx *bolt.Tx) error {
		if btx.Bucket(bucketTxIndex).Get(txid[:]) != nil {
			return reject(tx, ErrDuplicate, "already in a block")
		}
		if err := checkStandard(tx); err != nil {
			return err
		}
		view := poolView{btx: btx, pool: c.pool, height: int64(len(c.main))}
		if _, _, err := checkTx(tx, view, view.height, c.maturity); err != nil {
			return err
		}
		return c.putMempoolTx(btx, tx)
	})
	if err != nil {
		return err
	}
	c.pool.add(tx)
	return nil
}

// putMempoolTx appends tx to the persisted mempool.
func (c *Chain) putMempoolTx(btx *bolt.Tx, tx *wire.MsgTx) error {
	b := btx.Bucket(bucketMempool)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return b.Put(k[:], serializeTx(tx))
}

// resetMempoolLocked revalidates candidates (in order) against the current
// best chain and keeps those that still pass, persisting the result: after
// a block is connected or the chain reorganised, some transactions are mined
// and some conflict. Non-standard ones are dropped with a log line: a
// mempool persisted by a version without the standardness limits may hold
// one too large ever to be mined, and a reorganisation may return one from
// a block built by MineBlock.
func (c *Chain) resetMempoolLocked(btx *bolt.Tx, candidates []*wire.MsgTx) error {
	if err := btx.DeleteBucket(bucketMempool); err != nil {
		return err
	}
	if _, err := btx.CreateBucket(bucketMempool); err != nil {
		return err
	}
	c.pool = newMempool()
	for _, tx := range candidates {
		txid := tx.TxHash()
		if _, dup := c.pool.byID[txid]; dup || btx.Bucket(bucketTxIndex).Get(txid[:]) != nil {
			continue
		}
		if err := checkStandard(tx); err != nil {
			c.log.Warn("devchain: dropped a non-standard transaction from the mempool", "txid", txid, "err", err)
			continue
		}
		view := poolView{btx: btx, pool: c.pool, height: int64(len(c.main))}
		if _, _, err := checkTx(tx, view, view.height, c.maturity); err != nil {
			continue // mined, conflicting or no longer valid: dropped
		}
		if err := c.putMempoolTx(btx, tx); err != nil {
			return err
		}
		c.pool.add(tx)
	}
	return nil
}

// loadMempool reads the persisted mempool back after a restart.
func (c *Chain) loadMempool() error {
	var txs []*wire.MsgTx
	err := c.db.View(func(btx *bolt.Tx) error {
		return btx.Bucket(bucketMempool).ForEach(func(_, v []byte) error {
			var tx wire.MsgTx
			if err := tx.Deserialize(bytes.NewReader(v)); err != nil {
				return fmt.Errorf("mempool: %w", err)
			}
			txs = append(txs, &tx)
			return nil
		})
	})
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.db.Update(func(btx *bolt.Tx) error { return c.resetMempoolLocked(btx, txs) })
}

// Mempool returns the transactions waiting for the next block, in order.
func (c *Chain) Mempool() []*wire.MsgTx {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]*wire.MsgTx(nil), c.pool.txs...)
}
