package devchain

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/go-blockstack/go-blockstack/chain"
)

// Reasons a transaction is refused; a refusal is a *RejectError that wraps
// one of these and chain.ErrRejected.
var (
	ErrDoubleSpend  = errors.New("double spend")
	ErrUnknownInput = errors.New("unknown input")
	ErrBadScript    = errors.New("script verification failed")
	ErrImmature     = errors.New("immature coinbase spend")
	ErrBadValue     = errors.New("bad output value")
	ErrMalformed    = errors.New("malformed transaction")
	ErrDuplicate    = errors.New("transaction already known")
	ErrNonStandard  = errors.New("non-standard transaction")
)

// RejectError says which transaction was refused and why.
type RejectError struct {
	Txid   string
	Reason error  // one of the Err* values above
	Detail string // which input or output, in words
}

func (e *RejectError) Error() string {
	return fmt.Sprintf("tx %s rejected: %v: %s", e.Txid, e.Reason, e.Detail)
}

func (e *RejectError) Unwrap() []error { return []error{chain.ErrRejected, e.Reason} }

func reject(tx *wire.MsgTx, reason error, format string, args ...any) *RejectError {
	return &RejectError{Txid: tx.TxHash().String(), Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Bitcoin Core's standardness limits, as btcd's mempool policy sets them
// (its package would bring an indexer and a mocking library into the
// build, so they are restated here).
const (
	maxStandardTxWeight      = 400_000
	maxStandardTxVersion     = 2 // btcd's; Bitcoin Core 28 relays version 3 too
	maxStandardSigScriptSize = 1650
	maxStandardMultiSigKeys  = 3
)

// checkStandard applies those limits, refusing with bitcoind's reason
// (tx-size, scriptpubkey, dust, ...). The mempool takes only standard
// transactions so that each fits a block with room to spare: one larger
// than a block would never be mined.
func checkStandard(tx *wire.MsgTx) error {
	if tx.Version < 1 || tx.Version > maxStandardTxVersion {
		return reject(tx, ErrNonStandard, "version: %d is not 1 to %d", tx.Version, maxStandardTxVersion)
	}
	if w := blockchain.GetTransactionWeight(btcutil.NewTx(tx)); w > maxStandardTxWeight {
		return reject(tx, ErrNonStandard, "tx-size: weight %d is over %d", w, maxStandardTxWeight)
	}
	for i, in := range tx.TxIn {
		if n := len(in.SignatureScript); n > maxStandardSigScriptSize {
			return reject(tx, ErrNonStandard, "scriptsig-size: input %d's signature script is %d bytes, over %d",
				i, n, maxStandardSigScriptSize)
		}
		// Consensus asks it only of P2SH spends (BIP 16).
		if !txscript.IsPushOnlyScript(in.SignatureScript) {
			return reject(tx, ErrNonStandard, "scriptsig-not-pushonly: input %d's signature script does more than push data", i)
		}
	}
	nullData := 0
	for i, o := range tx.TxOut {
		switch txscript.GetScriptClass(o.PkScript) {
		case txscript.NullDataTy:
			nullData++
			continue // carries data, no value: never dust
		case txscript.NonStandardTy:
			return reject(tx, ErrNonStandard, "scriptpubkey: output %d's script is of no standard form "+
				"(an OP_RETURN pushes at most %d bytes, once)", i, txscript.MaxDataCarrierSize)
		case txscript.MultiSigTy:
			keys, sigs, err := txscript.CalcMultiSigStats(o.PkScript)
			if err != nil || keys > maxStandardMultiSigKeys || sigs < 1 || sigs > keys {
				return reject(tx, ErrNonStandard, "scriptpubkey: output %d is a bare multisig of %d keys and %d signatures (1 to %d keys, 1 to all of them signing)",
					i, keys, sigs, maxStandardMultiSigKeys)
			}
		}
		if limit := dustThreshold(o); o.Value < limit {
			return reject(tx, ErrNonStandard, "dust: output %d pays %d sat, under the %d sat dust threshold", i, o.Value, limit)
		}
	}
	if nullData > 1 {
		return reject(tx, ErrNonStandard, "multi-op-return: %d OP_RETURN outputs, at most 1 is standard", nullData)
	}
	return nil
}

// dustThreshold is the least an output must pay not to be dust: what
// spending it costs at the dust relay fee, 3 sat/vbyte, as btcd's
// GetDustThreshold prices it (546 sat for P2PKH).
func dustThreshold(o *wire.TxOut) int64 {
	// The output, an input's outpoint and sequence (41 bytes), and a
	// typical signature script (107 bytes, a quarter as witness).
	spend := int64(o.SerializeSize() + 41 + 107)
	if txscript.IsWitnessProgram(o.PkScript) {
		spend = int64(o.SerializeSize() + 41 + 107/blockchain.WitnessScaleFactor)
	}
	return 3 * spend
}

// utxoView finds the outputs a transaction may spend. spentBy names the
// transaction that already spends an output, when the view knows one.
type utxoView interface {
	lookup(op wire.OutPoint) (e utxoEntry, ok bool, err error)
	spentBy(op wire.OutPoint) (txid string, spent bool)
}

// checkTx validates a non-coinbase transaction for inclusion in a block at
// height: structure, inputs present and unspent, coinbase maturity, values,
// and every input's script run through txscript's engine. It returns the
// fee and the entries the inputs spend, in input order.
func checkTx(tx *wire.MsgTx, view utxoView, height int64, maturity int64) (int64, []utxoEntry, error) {
	if len(tx.TxIn) == 0 {
		return 0, nil, reject(tx, ErrMalformed, "no inputs")
	}
	if len(tx.TxOut) == 0 {
		return 0, nil, reject(tx, ErrMalformed, "no outputs")
	}
	if blockchain.IsCoinBaseTx(tx) {
		return 0, nil, reject(tx, ErrMalformed, "a coinbase transaction outside a block")
	}
	var out int64
	for i, o := range tx.TxOut {
		if o.Value < 0 || o.Value > btcutil.MaxSatoshi {
			return 0, nil, reject(tx, ErrBadValue, "output %d has value %d", i, o.Value)
		}
		out += o.Value
		if out > btcutil.MaxSatoshi {
			return 0, nil, reject(tx, ErrBadValue, "outputs total more than 21M BTC")
		}
	}
	seen := make(map[wire.OutPoint]bool, len(tx.TxIn))
	prev := make(map[wire.OutPoint]*wire.TxOut, len(tx.TxIn))
	entries := make([]utxoEntry, len(tx.TxIn))
	var in int64
	for i, txin := range tx.TxIn {
		op := txin.PreviousOutPoint
		if seen[op] {
			return 0, nil, reject(tx, ErrDoubleSpend, "input %d spends %v twice in one transaction", i, op)
		}
		seen[op] = true
		if by, spent := view.spentBy(op); spent {
			return 0, nil, reject(tx, ErrDoubleSpend, "input %d: output %v is already spent by %s", i, op, by)
		}
		e, ok, err := view.lookup(op)
		if err != nil {
			return 0, nil, fmt.Errorf("input %d: %w", i, err)
		}
		if !ok {
			return 0, nil, reject(tx, ErrUnknownInput, "input %d: output %v does not exist or is already spent", i, op)
		}
		if e.Coinbase && height-e.Height < maturity {
			return 0, nil, reject(tx, ErrImmature, "input %d spends a coinbase of height %d at height %d (needs %d confirmations)",
				i, e.Height, height, maturity)
		}
		entries[i] = e
		prev[op] = wire.NewTxOut(e.Value, e.PkScript)
		in += e.Value
	}
	if in < out {
		return 0, nil, reject(tx, ErrBadValue, "outputs (%d sat) exceed inputs (%d sat)", out, in)
	}
	fetcher := txscript.NewMultiPrevOutFetcher(prev)
	hashes := txscript.NewTxSigHashes(tx, fetcher)
	for i, txin := range tx.TxIn {
		e := entries[i]
		vm, err := txscript.NewEngine(e.PkScript, tx, i, txscript.StandardVerifyFlags, nil, hashes, e.Value, fetcher)
		if err != nil {
			return 0, nil, reject(tx, ErrBadScript, "input %d (%v): %v", i, txin.PreviousOutPoint, err)
		}
		if err := vm.Execute(); err != nil {
			return 0, nil, reject(tx, ErrBadScript, "input %d (%v): %v", i, txin.PreviousOutPoint, err)
		}
	}
	return in - out, entries, nil
}
