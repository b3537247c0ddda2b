// Package nameop turns a BNS operation into a signed, broadcast Bitcoin
// transaction: the operation's outputs from package bns, inputs, change and
// signatures from package wallet. It owns that join and nothing else: the
// byte formats are bns's, the coins and keys wallet's, the rules the
// virtualchain's.
package nameop

import (
	"context"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/wallet"
)

// Build returns the signed transaction carrying op, paid by from (whose
// coins fund it and who, as the first input's owner, is the operation's
// sender), with the change back to from at the place the operation's
// layout gives it.
func Build(w *wallet.Wallet, from *wallet.Key, op bns.Op, net *bns.Network, feeRate int64) (*wire.MsgTx, error) {
	layout, err := bns.Encode(op, net)
	if err != nil {
		return nil, err
	}
	outs := make([]*wire.TxOut, 0, len(layout.Outputs)-1)
	outs = append(outs, layout.Outputs[:layout.ChangeIndex]...)
	outs = append(outs, layout.Outputs[layout.ChangeIndex+1:]...)
	tx, err := w.BuildTx(wallet.TxRequest{From: from, Outputs: outs, ChangeIndex: layout.ChangeIndex, FeeRate: feeRate})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.OpName(), err)
	}
	return tx, nil
}

// Send builds the transaction carrying op and broadcasts it through b.
func Send(ctx context.Context, w *wallet.Wallet, b chain.Backend, from *wallet.Key, op bns.Op, net *bns.Network, feeRate int64) (chainhash.Hash, error) {
	tx, err := Build(w, from, op, net, feeRate)
	if err != nil {
		return chainhash.Hash{}, err
	}
	txid, err := w.Send(ctx, b, tx)
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("send %s: %w", op.OpName(), err)
	}
	return txid, nil
}
