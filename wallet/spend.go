package wallet

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/go-blockstack/go-blockstack/chain"
)

// DustLimit is the smallest change output the wallet creates, in satoshis:
// Bitcoin Core's dust threshold for a P2PKH output. Smaller change goes to
// the miner.
const DustLimit = 546

// AppendChange, as TxRequest.ChangeIndex, puts the change output after the
// requested outputs.
const AppendChange = -1

var (
	// ErrInsufficientFunds matches (errors.Is) an *InsufficientFundsError.
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrDoubleSpend is returned (wrapped) by Send for a transaction
	// spending an output a pending transaction of the wallet already
	// spends.
	ErrDoubleSpend = errors.New("output already spent by a pending transaction")
)

// InsufficientFundsError says how short the sender's address is.
type InsufficientFundsError struct {
	Address string
	// Needed is the outputs' value plus the fee (and, for a change output
	// at a fixed index, its minimum DustLimit) with every spendable coin
	// as an input.
	Needed int64
	// Available is the address's spendable balance.
	Available int64
	// Immature and Locked are coins of the address that could not be
	// used: coinbase outputs not yet mature, outputs spent by pending
	// transactions.
	Immature, Locked int64
}

func (e *InsufficientFundsError) Error() string {
	msg := fmt.Sprintf("insufficient funds at %s: need %d sat, %d spendable", e.Address, e.Needed, e.Available)
	if e.Immature > 0 || e.Locked > 0 {
		msg += fmt.Sprintf(" (%d immature, %d locked by pending transactions)", e.Immature, e.Locked)
	}
	return msg
}

// Is makes errors.Is(err, ErrInsufficientFunds) hold.
func (e *InsufficientFundsError) Is(target error) bool { return target == ErrInsufficientFunds }

// TxRequest describes a transaction for BuildTx.
type TxRequest struct {
	// From is the sender. Every input spends one of its coins, so the
	// first input, which BNS reads the sender from, is its; the change
	// goes back to its address.
	From *Key
	// Outputs are the transaction's outputs in order, change excluded.
	Outputs []*wire.TxOut
	// ChangeIndex is the change output's index in the final transaction,
	// 0 to len(Outputs). At an explicit index the change output is part
	// of the transaction's shape (BNS reads it), so it is always present
	// and worth at least DustLimit; BuildTx selects more coins to make it
	// so. AppendChange puts it last instead, and leaves it out, adding its
	// value to the fee, when it would be below DustLimit.
	ChangeIndex int
	// FeeRate is the fee in satoshis per virtual byte.
	FeeRate int64
}

// Sizes of signed P2PKH inputs: outpoint (36), script length (1), the
// script (a push of a low-S DER signature of at most 71 bytes plus the
// sighash byte, a push of the 33-byte compressed public key: 107 bytes) and
// sequence (4). An uncompressed key is 32 bytes longer. Fees are computed
// on these upper bounds, so the paid rate is never below the requested
// one.
const (
	p2pkhInputSize             = 148
	p2pkhUncompressedInputSize = 180
)

// estimateSize is the size of a signed transaction with nIn P2PKH inputs of
// inSize bytes and outs. Without witnesses it is also the virtual size.
func estimateSize(nIn, inSize int, outs []*wire.TxOut) int64 {
	size := 4 + 4 + // version, lock time
		wire.VarIntSerializeSize(uint64(nIn)) + nIn*inSize +
		wire.VarIntSerializeSize(uint64(len(outs)))
	for _, o := range outs {
		size += o.SerializeSize()
	}
	return int64(size)
}

// BuildTx selects coins of req.From (confirmed, mature, not spent by a
// pending transaction, largest first, then oldest), adds the change output and signs
// every input. The fee is req.FeeRate times the signed size's upper bound.
// It does not reserve the coins: Send does, and refuses a second
// transaction built on the same coins.
func (w *Wallet) BuildTx(req TxRequest) (*wire.MsgTx, error) {
	if req.From == nil {
		return nil, errors.New("build tx: no sender key")
	}
	if _, ok := w.watched[string(req.From.script)]; !ok {
		return nil, fmt.Errorf("build tx: %s is not a key of this wallet", req.From.addr)
	}
	if req.FeeRate <= 0 {
		return nil, fmt.Errorf("build tx: fee rate %d sat/vB, want > 0", req.FeeRate)
	}
	if len(req.Outputs) == 0 {
		return nil, errors.New("build tx: no outputs")
	}
	fixedChange := req.ChangeIndex != AppendChange
	if fixedChange && (req.ChangeIndex < 0 || req.ChangeIndex > len(req.Outputs)) {
		return nil, fmt.Errorf("build tx: change index %d outside 0..%d", req.ChangeIndex, len(req.Outputs))
	}
	// Copies, so that setting the change value or signing never touches
	// the caller's outputs.
	outs := make([]*wire.TxOut, len(req.Outputs))
	var outSum int64
	for i, o := range req.Outputs {
		if o.Value < 0 {
			return nil, fmt.Errorf("build tx: output %d has negative value %d", i, o.Value)
		}
		outSum += o.Value
		outs[i] = wire.NewTxOut(o.Value, o.PkScript)
	}
	change := wire.NewTxOut(0, req.From.PkScript())
	changeAt := len(outs)
	if fixedChange {
		changeAt = req.ChangeIndex
	}
	withChange := slices.Insert(slices.Clone(outs), changeAt, change)
	inSize := p2pkhInputSize
	if !req.From.compress {
		inSize = p2pkhUncompressedInputSize
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	coins, bal := w.coinsLocked(req.From.pays)
	var picked []coin
	var in int64
	for _, c := range coins {
		picked = append(picked, c)
		in += c.Value
		fee := req.FeeRate * estimateSize(len(picked), inSize, withChange)
		if in-outSum-fee >= DustLimit {
			change.Value = in - outSum - fee
			return signTx(req.From, picked, withChange)
		}
		if !fixedChange && in-outSum-req.FeeRate*estimateSize(len(picked), inSize, outs) >= 0 {
			return signTx(req.From, picked, outs)
		}
	}

	need := outSum + req.FeeRate*estimateSize(max(len(coins), 1), inSize, outs)
	if fixedChange {
		need = outSum + req.FeeRate*estimateSize(max(len(coins), 1), inSize, withChange) + DustLimit
	}
	return nil, &InsufficientFundsError{
		Address:   req.From.addr.EncodeAddress(),
		Needed:    need,
		Available: bal.Spendable,
		Immature:  bal.Immature,
		Locked:    bal.Locked,
	}
}

// signTx builds the transaction spending coins (all paying k) to outs and
// signs every input, SIGHASH_ALL.
func signTx(k *Key, coins []coin, outs []*wire.TxOut) (*wire.MsgTx, error) {
	tx := wire.NewMsgTx(wire.TxVersion)
	for _, c := range coins {
		tx.AddTxIn(wire.NewTxIn(&c.OutPoint, nil, nil))
	}
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	for i, c := range coins {
		sig, err := txscript.SignatureScript(tx, i, c.PkScript, txscript.SigHashAll, k.priv, k.compress)
		if err != nil {
			return nil, fmt.Errorf("build tx: sign input %d: %w", i, err)
		}
		tx.TxIn[i].SignatureScript = sig
	}
	return tx, nil
}

// Send broadcasts tx through b and records it as pending, so that the
// wallet spends none of its coins again until it confirms or the backend
// drops it (see Sync). It refuses a transaction spending a coin that
// another pending transaction spends (ErrDoubleSpend); sending the same
// transaction again is allowed.
func (w *Wallet) Send(ctx context.Context, b chain.Backend, tx *wire.MsgTx) (chainhash.Hash, error) {
	txid := tx.TxHash()
	w.mu.Lock()
	defer w.mu.Unlock()
	locked := w.led.locked()
	for _, in := range tx.TxIn {
		if by, ok := locked[in.PreviousOutPoint]; ok && by != txid {
			return chainhash.Hash{}, fmt.Errorf("send tx %s: input %s: %w %s", txid, in.PreviousOutPoint, ErrDoubleSpend, by)
		}
	}
	if _, err := b.SendTx(ctx, tx); err != nil {
		if errors.Is(err, chain.ErrRejected) {
			return chainhash.Hash{}, fmt.Errorf("send tx %s: %w", txid, err)
		}
		// The backend may have taken the transaction before the error
		// (a timeout, a lost connection): lock its coins anyway, and let
		// Sync release them if the backend does not know it.
		w.recordSentLocked(tx)
		return chainhash.Hash{}, errors.Join(fmt.Errorf("send tx %s: %w", txid, err), w.saveLocked())
	}
	w.recordSentLocked(tx)
	if err := w.saveLocked(); err != nil {
		return txid, fmt.Errorf("send tx %s: broadcast but not recorded: %w", txid, err)
	}
	return txid, nil
}

// recordSentLocked records tx as sent, unless it already is: a resent
// transaction keeps its confirmation.
func (w *Wallet) recordSentLocked(tx *wire.MsgTx) {
	txid := tx.TxHash()
	if _, ok := w.led.sent[txid]; !ok {
		w.led.sent[txid] = &sentTx{tx: tx}
	}
}

// FeeFor is the fee BuildTx charges a transaction of k with nIn inputs and
// the outputs outs (change included) at feeRate, for callers that must know
// a later transaction's cost before its coins exist (a name registration
// spends the change of its preorder).
func FeeFor(k *Key, nIn int, outs []*wire.TxOut, feeRate int64) int64 {
	inSize := p2pkhInputSize
	if !k.compress {
		inSize = p2pkhUncompressedInputSize
	}
	return feeRate * estimateSize(nIn, inSize, outs)
}
