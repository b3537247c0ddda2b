package devchain

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	bolt "go.etcd.io/bbolt"
)

// ErrFaucetDry is returned when the faucet's mature coins cannot pay.
var ErrFaucetDry = errors.New("faucet has not enough mature coins")

// faucetFeeRate is what faucet payments pay, in satoshis per byte.
const faucetFeeRate = 2

// Faucet pays amount satoshis to addr from the faucet's coins, through the
// mempool like any other transaction; the next block confirms it.
func (c *Chain) Faucet(ctx context.Context, addr btcutil.Address, amount int64) (chainhash.Hash, error) {
	if amount <= 0 {
		return chainhash.Hash{}, fmt.Errorf("faucet: amount %d is not positive", amount)
	}
	if !addr.IsForNet(c.params) {
		return chainhash.Hash{}, fmt.Errorf("faucet: address %s is not a %s address", addr, c.params.Name)
	}
	pkScript, err := txscript.PayToAddrScript(addr)
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("faucet: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	tx := wire.NewMsgTx(wire.TxVersion)
	tx.AddTxOut(wire.NewTxOut(amount, pkScript))
	change := wire.NewTxOut(0, c.faucetPk)
	tx.AddTxOut(change)
	var prev []*wire.TxOut
	var have int64
	next := int64(len(c.main))
	err = c.db.View(func(btx *bolt.Tx) error {
		view := poolView{btx: btx, pool: c.pool, height: next}
		cur := btx.Bucket(bucketUTXO).Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			e, err := decodeUTXO(v)
			if err != nil {
				return err
			}
			op := decodeOutpointKey(k)
			if string(e.PkScript) != string(c.faucetPk) || (e.Coinbase && next-e.Height < c.maturity) {
				continue
			}
			if _, spent := view.spentBy(op); spent {
				continue
			}
			tx.AddTxIn(wire.NewTxIn(&op, nil, nil))
			prev = append(prev, wire.NewTxOut(e.Value, e.PkScript))
			have += e.Value
			if have >= amount+faucetFee(tx) {
				return nil
			}
		}
		return fmt.Errorf("%w: %d sat needed, %d available", ErrFaucetDry, amount+faucetFee(tx), have)
	})
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("faucet: %w", err)
	}
	change.Value = have - amount - faucetFee(tx)
	if change.Value < 546 { // dust: leave it to the miner
		tx.TxOut = tx.TxOut[:1]
	}
	for i := range tx.TxIn {
		sig, err := txscript.SignatureScript(tx, i, prev[i].PkScript, txscript.SigHashAll, c.faucet, true)
		if err != nil {
			return chainhash.Hash{}, fmt.Errorf("faucet: sign input %d: %w", i, err)
		}
		tx.TxIn[i].SignatureScript = sig
	}
	if err := c.acceptLocked(tx); err != nil {
		return chainhash.Hash{}, fmt.Errorf("faucet: %w", err)
	}
	return tx.TxHash(), nil
}

// faucetFee prices tx as if signed: each P2PKH input's signature script is
// at most 107 bytes.
func faucetFee(tx *wire.MsgTx) int64 {
	return int64(tx.SerializeSize()+107*len(tx.TxIn)) * faucetFeeRate
}
