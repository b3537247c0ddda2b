package devchain_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	bolt "go.etcd.io/bbolt"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
)

// coins gives k n confirmed outputs of value each (a mined fan-out), plus
// one more of value paying the P2SH script of redeem, last.
func coins(t *testing.T, c *devchain.Chain, k key, n int, value int64, redeem []byte) *wire.MsgTx {
	t.Helper()
	ctx := context.Background()
	fundTx, i := fund(t, c, k, int64(n+2)*value)
	p2sh, err := btcutil.NewAddressScriptHash(redeem, c.Params())
	if err != nil {
		t.Fatal(err)
	}
	p2shPk, _ := txscript.PayToAddrScript(p2sh)
	outs := make([]*wire.TxOut, n, n+1)
	for j := range outs {
		outs[j] = wire.NewTxOut(value, k.pk)
	}
	fan := k.spend(t, fundTx, i, append(outs, wire.NewTxOut(value, p2shPk))...)
	if _, err := c.SendTx(ctx, fan); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return fan
}

func nullData(t *testing.T, n int) []byte {
	t.Helper()
	s, err := txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN).AddData(bytes.Repeat([]byte{'x'}, n)).Script()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMempoolRefusesNonStandard: the mempool takes only what Bitcoin
// Core relays, and says why it refuses the rest with bitcoind's reason;
// BNS operations (one OP_RETURN of up to 80 bytes) still pass.
func TestMempoolRefusesNonStandard(t *testing.T) {
	ctx := context.Background()
	c := openChain(t, t.TempDir())
	k := newKey(t, c)
	// The P2SH coin's redeem script drops four pushes: a valid spend
	// whose signature script is larger than standard.
	redeem := []byte{txscript.OP_2DROP, txscript.OP_2DROP, txscript.OP_TRUE}
	fan := coins(t, c, k, 13, 2_000_000, redeem)
	p2shCoin := uint32(len(fan.TxOut) - 1)

	p2pkh := func(v int64) *wire.TxOut { return wire.NewTxOut(v, k.pk) }
	p2wpkh := append([]byte{txscript.OP_0, txscript.OP_DATA_20}, btcutil.Hash160(k.priv.PubKey().SerializeCompressed())...)
	many := make([]*wire.TxOut, 3000) // 3000 × 34 bytes: weight over 400,000
	for j := range many {
		many[j] = p2pkh(600)
	}
	cases := []struct {
		name    string
		version int32
		outs    []*wire.TxOut
		p2sh    bool   // spend the P2SH coin with an oversized signature script
		prefix  []byte // put before the signature script's pushes
		reason  string // "" when accepted
	}{
		{name: "BNS-sized OP_RETURN (80 bytes)", outs: []*wire.TxOut{wire.NewTxOut(0, nullData(t, 80)), p2pkh(1_000_000)}},
		{name: "output at the dust threshold", outs: []*wire.TxOut{p2pkh(546)}},
		{name: "OP_RETURN of 81 bytes", outs: []*wire.TxOut{wire.NewTxOut(0, nullData(t, 81)), p2pkh(1_000_000)}, reason: "scriptpubkey: output 0"},
		{name: "two OP_RETURNs", outs: []*wire.TxOut{wire.NewTxOut(0, nullData(t, 20)), wire.NewTxOut(0, nullData(t, 20)), p2pkh(1_000_000)}, reason: "multi-op-return"},
		{name: "witness output at its dust threshold", outs: []*wire.TxOut{p2pkh(1_000_000), wire.NewTxOut(294, p2wpkh)}},
		{name: "witness dust output", outs: []*wire.TxOut{p2pkh(1_000_000), wire.NewTxOut(293, p2wpkh)}, reason: "dust: output 1 pays 293 sat, under the 294 sat"},
		{name: "dust output", outs: []*wire.TxOut{p2pkh(1_000_000), p2pkh(545)}, reason: "dust: output 1 pays 545 sat"},
		{name: "non-standard script", outs: []*wire.TxOut{wire.NewTxOut(1_000_000, []byte{txscript.OP_TRUE})}, reason: "scriptpubkey: output 0"},
		{name: "weight over 400,000", outs: many, reason: "tx-size: weight"},
		{name: "larger than a block", outs: []*wire.TxOut{wire.NewTxOut(0, append([]byte{txscript.OP_RETURN}, make([]byte, 995_000)...))}, reason: "tx-size: weight"},
		{name: "version 3", version: 3, outs: []*wire.TxOut{p2pkh(1_000_000)}, reason: "version: 3"},
		{name: "signature script not only pushing", outs: []*wire.TxOut{p2pkh(1_000_000)},
			prefix: []byte{txscript.OP_1, txscript.OP_DROP}, reason: "scriptsig-not-pushonly: input 0"},
		{name: "oversized signature script", p2sh: true, outs: []*wire.TxOut{p2pkh(1_000_000)}, reason: "scriptsig-size: input 0"},
	}
	for j, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var tx *wire.MsgTx
			if tc.p2sh {
				tx = wire.NewMsgTx(wire.TxVersion)
				h := fan.TxHash()
				b := txscript.NewScriptBuilder()
				for range 4 {
					b.AddData(bytes.Repeat([]byte{1}, 500))
				}
				sig, err := b.AddData(redeem).Script()
				if err != nil {
					t.Fatal(err)
				}
				tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&h, p2shCoin), sig, nil))
				tx.TxOut = tc.outs
			} else {
				tx = k.spendVersion(t, max(tc.version, wire.TxVersion), fan, uint32(j), tc.outs...)
				tx.TxIn[0].SignatureScript = append(tc.prefix, tx.TxIn[0].SignatureScript...)
			}
			_, err := c.SendTx(ctx, tx)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, devchain.ErrNonStandard) || !errors.Is(err, chain.ErrRejected) {
				t.Fatalf("got %v, want a non-standard refusal", err)
			}
			if want := "non-standard transaction: " + tc.reason; !strings.Contains(err.Error(), want) {
				t.Fatalf("message %q, want it to say %q", err, want)
			}
		})
	}
}

// spendVersion is spend for a transaction of the given version.
func (k key) spendVersion(t testing.TB, version int32, prev *wire.MsgTx, i uint32, outs ...*wire.TxOut) *wire.MsgTx {
	t.Helper()
	tx := wire.NewMsgTx(version)
	h := prev.TxHash()
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&h, i), nil, nil))
	tx.TxOut = outs
	sig, err := txscript.SignatureScript(tx, 0, prev.TxOut[i].PkScript, txscript.SigHashAll, k.priv, true)
	if err != nil {
		t.Fatal(err)
	}
	tx.TxIn[0].SignatureScript = sig
	return tx
}

// TestPersistedNonStandardTxDroppedOnLoad: a mempool an earlier version
// persisted with a transaction larger than a block (which it accepted and
// which then kept every block empty) loads without it, with a log line, and
// the next block mines what is behind it.
func TestPersistedNonStandardTxDroppedOnLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := openChain(t, dir)
	k := newKey(t, c)
	fan := coins(t, c, k, 2, 2_000_000, []byte{txscript.OP_TRUE})
	huge := k.spend(t, fan, 0, wire.NewTxOut(1_000_000, k.pk),
		wire.NewTxOut(0, append([]byte{txscript.OP_RETURN}, make([]byte, 995_000)...)))
	normal := k.spend(t, fan, 1, wire.NewTxOut(1_000_000, k.pk))
	tip, _ := c.Tip(ctx)
	c.Close()

	// Write the mempool as the earlier version left it: huge first.
	db, err := bolt.Open(filepath.Join(dir, "chain.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(btx *bolt.Tx) error {
		b := btx.Bucket([]byte("mempool"))
		for seq, tx := range []*wire.MsgTx{huge, normal} {
			var buf bytes.Buffer
			if err := tx.Serialize(&buf); err != nil {
				return err
			}
			if err := b.Put(binary.BigEndian.AppendUint64(nil, uint64(seq+1)), buf.Bytes()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	var logged bytes.Buffer
	c, err = devchain.Open(devchain.Config{DataDir: dir, NoSync: true, Log: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if mp := c.Mempool(); len(mp) != 1 || mp[0].TxHash() != normal.TxHash() {
		t.Fatalf("mempool after the upgrade holds %d transactions, want only the standard one", len(mp))
	}
	if line := logged.String(); !strings.Contains(line, huge.TxHash().String()) || !strings.Contains(line, "tx-size") {
		t.Fatalf("log %q does not name the dropped transaction and why", line)
	}
	hashes, err := c.Mine(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := c.BlockByHash(ctx, hashes[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(blk.Txs) != 2 || blk.Txs[1].TxHash() != normal.TxHash() || blk.Height != tip.Height+1 {
		t.Fatalf("block %d holds %d transactions, want the coinbase and the standard one", blk.Height, len(blk.Txs))
	}
}
