package devchain

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	bolt "go.etcd.io/bbolt"

	"github.com/go-blockstack/go-blockstack/chain"
)

// Mine mines n blocks on the tip, each with what fits of the mempool,
// each paying its coinbase to the faucet.
func (c *Chain) Mine(ctx context.Context, n int) ([]chainhash.Hash, error) {
	return c.MineTo(ctx, n, c.faucetPk)
}

// MineTo is Mine with the coinbases paying pkScript. Each block is
// committed on its own and the chain lock is released between blocks, so
// that readers, senders and followers proceed during a long run. When ctx
// ends it stops; on any error it returns the hashes of the blocks already
// committed with the error.
func (c *Chain) MineTo(ctx context.Context, n int, pkScript []byte) ([]chainhash.Hash, error) {
	var hashes []chainhash.Hash
	for len(hashes) < n {
		if err := ctx.Err(); err != nil {
			return hashes, fmt.Errorf("mine: stopped after %d of %d blocks: %w", len(hashes), n, err)
		}
		h, err := c.mineOne(pkScript)
		if err != nil {
			return hashes, fmt.Errorf("mine: block %d of %d: %w", len(hashes)+1, n, err)
		}
		hashes = append(hashes, h)
	}
	return hashes, nil
}

// mineOne mines one block on the tip with what fits of the mempool and
// commits it.
func (c *Chain) mineOne(pkScript []byte) (chainhash.Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var hash chainhash.Hash
	n0 := len(c.main)
	err := c.db.Update(func(btx *bolt.Tx) error {
		tip := c.tipLocked()
		parent, err := readBlock(btx, tip.Hash)
		if err != nil {
			return err
		}
		blk, err := c.newBlock(btx, parent.Header, tip.Height+1, fitBlock(c.pool.txs), pkScript, nil)
		if err != nil {
			return err
		}
		if err := c.storeBlock(btx, blk, tip.Height+1); err != nil {
			return err
		}
		if err := c.connect(btx, blk, tip.Height+1); err != nil {
			return err
		}
		hash = blk.BlockHash()
		return c.resetMempoolLocked(btx, c.pool.txs)
	})
	if err != nil {
		c.rollbackMain(n0)
		return chainhash.Hash{}, err
	}
	c.notify(c.tipLocked())
	return hash, nil
}

// fitBlock picks, in mempool order, the transactions that fit one block. A
// transaction that would overflow it is passed over, with every later one
// spending its outputs, and they wait in the mempool for a later block:
// each mempool transaction is standard, a tenth of a block at most, so it
// fits once the block ahead of it is mined.
func fitBlock(txs []*wire.MsgTx) []*wire.MsgTx {
	var in []*wire.MsgTx
	skipped := make(map[chainhash.Hash]bool)
	size := 0
	for _, tx := range txs {
		if size+tx.SerializeSize() > maxBlockTxBytes || spendsAny(tx, skipped) {
			skipped[tx.TxHash()] = true
			continue
		}
		size += tx.SerializeSize()
		in = append(in, tx)
	}
	return in
}

// spendsAny reports whether tx spends an output of one of txids.
func spendsAny(tx *wire.MsgTx, txids map[chainhash.Hash]bool) bool {
	for _, in := range tx.TxIn {
		if txids[in.PreviousOutPoint.Hash] {
			return true
		}
	}
	return false
}

// MineBlock mines one block on parent (any known block) holding exactly
// txs after its coinbase; tag, when set, goes into the coinbase so that a
// competing block differs from its rival. When the block's branch becomes
// longer than the best chain, the chain reorganises to it; a branch that
// holds an invalid transaction is refused and nothing changes.
func (c *Chain) MineBlock(ctx context.Context, parent chainhash.Hash, txs []*wire.MsgTx, tag []byte) (chainhash.Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var (
		hash    chainhash.Hash
		oldMain = append([]chainhash.Hash(nil), c.main...)
	)
	err := c.db.Update(func(btx *bolt.Tx) error {
		ph, ok := blockHeight(btx, parent)
		if !ok {
			return fmt.Errorf("parent %s: %w", parent, chain.ErrNotFound)
		}
		pb, err := readBlock(btx, parent)
		if err != nil {
			return err
		}
		blk, err := c.newBlock(btx, pb.Header, ph+1, txs, c.faucetPk, tag)
		if err != nil {
			return err
		}
		hash = blk.BlockHash()
		if err := c.storeBlock(btx, blk, ph+1); err != nil {
			return err
		}
		if ph+1 <= int64(len(c.main)-1) {
			return nil // a side branch, not (yet) the longest
		}
		return c.reorganize(btx, hash, ph+1)
	})
	if err != nil {
		c.setMain(oldMain)
		return chainhash.Hash{}, fmt.Errorf("mine block on %s: %w", parent, err)
	}
	if c.main[len(c.main)-1] != oldMain[len(oldMain)-1] {
		c.notify(c.tipLocked())
	}
	return hash, nil
}

// Fork mines n blocks on the best chain's block at forkHeight, a competing
// branch (tagged so that its blocks differ from the current ones). With n
// greater than tip−forkHeight the chain reorganises to it.
func (c *Chain) Fork(ctx context.Context, forkHeight int64, n int) ([]chainhash.Hash, error) {
	parent, err := c.BlockHash(ctx, forkHeight)
	if err != nil {
		return nil, err
	}
	var hashes []chainhash.Hash
	for i := 0; i < n; i++ {
		h, err := c.MineBlock(ctx, parent, nil, []byte(fmt.Sprintf("fork%d", time.Now().UnixNano())))
		if err != nil {
			return hashes, err
		}
		hashes = append(hashes, h)
		parent = h
	}
	return hashes, nil
}

// newBlock assembles and solves a block at height on parent.
func (c *Chain) newBlock(btx *bolt.Tx, parent wire.BlockHeader, height int64, txs []*wire.MsgTx, payTo, tag []byte) (*wire.MsgBlock, error) {
	// Fees only size the coinbase here; connect validates the block. A
	// transaction whose inputs cannot be priced yet (a side branch) adds no
	// fee: the coinbase may claim less than it could, never more.
	var fees int64
	for _, tx := range txs {
		fees += c.fee(btx, txs, tx)
	}
	sig, err := txscript.NewScriptBuilder().AddInt64(height).AddData(coinbaseTag(tag)).Script()
	if err != nil {
		return nil, err
	}
	coinbase := wire.NewMsgTx(wire.TxVersion)
	coinbase.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), sig, nil))
	coinbase.AddTxOut(wire.NewTxOut(blockchain.CalcBlockSubsidy(int32(height), c.params)+fees, payTo))

	all := append([]*wire.MsgTx{coinbase}, txs...)
	utxs := make([]*btcutil.Tx, len(all))
	for i, tx := range all {
		utxs[i] = btcutil.NewTx(tx)
	}
	ts := time.Now().Truncate(time.Second)
	if !ts.After(parent.Timestamp) {
		ts = parent.Timestamp.Add(time.Second)
	}
	blk := &wire.MsgBlock{
		Header: wire.BlockHeader{
			Version:    0x20000000,
			PrevBlock:  parent.BlockHash(),
			MerkleRoot: blockchain.CalcMerkleRoot(utxs, false),
			Timestamp:  ts,
			Bits:       c.params.PowLimitBits,
		},
		Transactions: all,
	}
	target := blockchain.CompactToBig(blk.Header.Bits)
	for {
		h := blk.Header.BlockHash()
		if blockchain.HashToBig(&h).Cmp(target) <= 0 {
			return blk, nil
		}
		if blk.Header.Nonce == ^uint32(0) {
			return nil, errors.New("no nonce solves the block")
		}
		blk.Header.Nonce++
	}
}

// coinbaseTag makes every coinbase unique (and so every block): the tag
// given, or the time.
func coinbaseTag(tag []byte) []byte {
	if len(tag) > 0 {
		return tag
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(time.Now().UnixNano()))
	return b[:]
}

// fee is tx's fee as far as its inputs can be found (an earlier
// transaction of the block, the UTXO set or the mempool), else 0.
func (c *Chain) fee(btx *bolt.Tx, block []*wire.MsgTx, tx *wire.MsgTx) int64 {
	var in, out int64
	for _, o := range tx.TxOut {
		out += o.Value
	}
	for _, txin := range tx.TxIn {
		op := txin.PreviousOutPoint
		if e, ok, _ := (dbView{btx}).lookup(op); ok {
			in += e.Value
			continue
		}
		src, ok := c.pool.byID[op.Hash]
		for _, b := range block {
			if b.TxHash() == op.Hash {
				src, ok = b, true
			}
		}
		if !ok || int(op.Index) >= len(src.TxOut) {
			return 0
		}
		in += src.TxOut[op.Index].Value
	}
	return max(in-out, 0)
}

// storeBlock records a block of any branch.
func (c *Chain) storeBlock(btx *bolt.Tx, blk *wire.MsgBlock, height int64) error {
	h := blk.BlockHash()
	if err := btx.Bucket(bucketBlocks).Put(h[:], serializeBlock(blk)); err != nil {
		return err
	}
	return btx.Bucket(bucketHeights).Put(h[:], heightKey(height))
}

func blockHeight(btx *bolt.Tx, hash chainhash.Hash) (int64, bool) {
	raw := btx.Bucket(bucketHeights).Get(hash[:])
	if raw == nil {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(raw)), true
}

// connect applies blk, the child of the tip, to the UTXO set: every
// transaction validated, the spent outputs kept as undo data.
func (c *Chain) connect(btx *bolt.Tx, blk *wire.MsgBlock, height int64) error {
	hash := blk.BlockHash()
	if blk.Header.PrevBlock != c.main[len(c.main)-1] || height != int64(len(c.main)) {
		return fmt.Errorf("block %s does not extend the tip", hash)
	}
	if len(blk.Transactions) == 0 || !blockchain.IsCoinBaseTx(blk.Transactions[0]) {
		return fmt.Errorf("block %s: first transaction is not a coinbase", hash)
	}
	utxo := btx.Bucket(bucketUTXO)
	txIndex := btx.Bucket(bucketTxIndex)
	var undo []undoRecord
	var fees int64
	for i, tx := range blk.Transactions {
		txid := tx.TxHash()
		if i > 0 {
			fee, spent, err := checkTx(tx, dbView{btx}, height, c.maturity)
			if err != nil {
				return fmt.Errorf("block %s tx %d: %w", hash, i, err)
			}
			fees += fee
			for j, in := range tx.TxIn {
				undo = append(undo, undoRecord{Outpoint: in.PreviousOutPoint, Entry: spent[j]})
				if err := utxo.Delete(outpointKey(in.PreviousOutPoint)); err != nil {
					return err
				}
			}
		}
		for j, o := range tx.TxOut {
			if txscript.IsUnspendable(o.PkScript) {
				continue // OP_RETURN outputs never enter the UTXO set
			}
			e := utxoEntry{Value: o.Value, PkScript: o.PkScript, Height: height, Coinbase: i == 0}
			if err := utxo.Put(outpointKey(wire.OutPoint{Hash: txid, Index: uint32(j)}), e.bytes()); err != nil {
				return err
			}
		}
		if err := txIndex.Put(txid[:], hash[:]); err != nil {
			return err
		}
	}
	var cbOut int64
	for _, o := range blk.Transactions[0].TxOut {
		cbOut += o.Value
	}
	if limit := blockchain.CalcBlockSubsidy(int32(height), c.params) + fees; cbOut > limit {
		return fmt.Errorf("block %s: coinbase pays %d, more than subsidy and fees %d", hash, cbOut, limit)
	}
	if err := btx.Bucket(bucketUndo).Put(hash[:], encodeUndo(undo)); err != nil {
		return err
	}
	if err := btx.Bucket(bucketMain).Put(heightKey(height), hash[:]); err != nil {
		return err
	}
	c.mainIdx[hash] = height
	c.main = append(c.main, hash)
	return nil
}

// disconnect undoes the tip block: its outputs leave the UTXO set, the
// outputs it spent come back. It returns the block.
func (c *Chain) disconnect(btx *bolt.Tx) (*wire.MsgBlock, error) {
	height := int64(len(c.main) - 1)
	hash := c.main[height]
	blk, err := readBlock(btx, hash)
	if err != nil {
		return nil, err
	}
	utxo := btx.Bucket(bucketUTXO)
	for _, tx := range blk.Transactions {
		txid := tx.TxHash()
		for j := range tx.TxOut {
			if err := utxo.Delete(outpointKey(wire.OutPoint{Hash: txid, Index: uint32(j)})); err != nil {
				return nil, err
			}
		}
		if err := btx.Bucket(bucketTxIndex).Delete(txid[:]); err != nil {
			return nil, err
		}
	}
	undo, err := decodeUndo(btx.Bucket(bucketUndo).Get(hash[:]))
	if err != nil {
		return nil, fmt.Errorf("undo of %s: %w", hash, err)
	}
	for _, r := range undo {
		if err := utxo.Put(outpointKey(r.Outpoint), r.Entry.bytes()); err != nil {
			return nil, err
		}
	}
	if err := btx.Bucket(bucketUndo).Delete(hash[:]); err != nil {
		return nil, err
	}
	if err := btx.Bucket(bucketMain).Delete(heightKey(height)); err != nil {
		return nil, err
	}
	delete(c.mainIdx, hash)
	c.main = c.main[:height]
	return blk, nil
}

// reorganize makes the branch ending at tipHash (height tipHeight, longer
// than the best chain) the best chain: it disconnects down to the fork
// point, connects the branch, and gives the disconnected transactions back
// to the mempool. The caller commits or, on error, rolls back both the
// database and the in-memory chain.
func (c *Chain) reorganize(btx *bolt.Tx, tipHash chainhash.Hash, tipHeight int64) error {
	// Walk the branch back to the best chain.
	var branch []*wire.MsgBlock
	h, height := tipHash, tipHeight
	for height >= int64(len(c.main)) || c.main[height] != h {
		blk, err := readBlock(btx, h)
		if err != nil {
			return err
		}
		branch = append(branch, blk)
		h, height = blk.Header.PrevBlock, height-1
	}
	var returned []*wire.MsgTx
	for int64(len(c.main)-1) > height {
		blk, err := c.disconnect(btx)
		if err != nil {
			return err
		}
		returned = append(blk.Transactions[1:], returned...)
	}
	for i := len(branch) - 1; i >= 0; i-- {
		if err := c.connect(btx, branch[i], int64(len(c.main))); err != nil {
			return err
		}
	}
	return c.resetMempoolLocked(btx, append(returned, c.pool.txs...))
}

// rollbackMain forgets in-memory blocks above height-1 after a failed
// commit (the database kept none of them).
func (c *Chain) rollbackMain(n int) {
	for _, h := range c.main[n:] {
		delete(c.mainIdx, h)
	}
	c.main = c.main[:n]
}

// setMain restores the in-memory best chain after a failed commit.
func (c *Chain) setMain(main []chainhash.Hash) {
	c.main = main
	c.mainIdx = make(map[chainhash.Hash]int64, len(main))
	for i, h := range main {
		c.mainIdx[h] = int64(i)
	}
}
