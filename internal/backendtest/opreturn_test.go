package backendtest

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
	"github.com/go-blockstack/go-blockstack/chain/rpc"
	"github.com/go-blockstack/go-blockstack/internal/btcdtest"
	"github.com/go-blockstack/go-blockstack/wallet"
)

// miningBackend is a backend whose coinbases pay the test's wallet.
type miningBackend interface {
	chain.Backend
	chain.Miner
}

// backends start each kind of backend with its coinbases paying payTo.
var backends = []struct {
	name  string
	start func(t *testing.T, payTo string) miningBackend
}{
	{"devchain", func(t *testing.T, payTo string) miningBackend {
		c := openDevchain(t)
		return devchainPaying{c, payTo}
	}},
	{"devchain-over-rpc", func(t *testing.T, payTo string) miningBackend {
		c := openDevchain(t)
		srv := httptest.NewServer(devchain.NewRPCServer(c, "u", "p"))
		t.Cleanup(srv.Close)
		cl, err := rpc.New(rpc.Config{Host: strings.TrimPrefix(srv.URL, "http://"), User: "u", Pass: "p",
			Params: c.Params(), MiningAddress: payTo, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		return cl
	}},
	{"btcd", func(t *testing.T, payTo string) miningBackend {
		node := btcdtest.Start(t, btcdtest.Options{MiningAddr: payTo})
		// btcd has no generatetoaddress: Mine falls back to generate, which
		// pays --miningaddr, the same address.
		cl, err := rpc.New(rpc.Config{Host: node.RPCHost, User: node.User, Pass: node.Pass,
			Params: node.Params, MiningAddress: payTo, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		return cl
	}},
}

func openDevchain(t *testing.T) *devchain.Chain {
	c, err := devchain.Open(devchain.Config{DataDir: filepath.Join(t.TempDir(), "chain"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// devchainPaying mines to the wallet, as btcd's --miningaddr does.
type devchainPaying struct {
	*devchain.Chain
	payTo string
}

func (d devchainPaying) Mine(ctx context.Context, n int) ([]chainhash.Hash, error) {
	addr, err := btcutil.DecodeAddress(d.payTo, d.Params())
	if err != nil {
		return nil, err
	}
	pk, err := txscript.PayToAddrScript(addr)
	if err != nil {
		return nil, err
	}
	return d.MineTo(ctx, n, pk)
}

// TestOpReturnRoundTrip: mine 101 blocks to the wallet, have the wallet
// build and broadcast a transaction whose OP_RETURN output carries a 40-byte
// payload, mine it, and read the payload back through chain.Backend.
func TestOpReturnRoundTrip(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			w, err := wallet.Create(filepath.Join(t.TempDir(), "wallet.json"), wallet.CreateOptions{Network: "regtest"})
			if err != nil {
				t.Fatal(err)
			}
			payer := w.PaymentKey()
			b := be.start(t, payer.Address().EncodeAddress())

			start, err := b.Tip(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Mine(ctx, 101); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Sync(ctx, b); err != nil {
				t.Fatal(err)
			}
			if bal := w.Balance(); bal.Spendable <= 0 {
				t.Fatalf("after 101 blocks from height %d the wallet has nothing spendable: %+v", start.Height, bal)
			}

			payload := bytes.Repeat([]byte("blockstack-payload-40b"), 2)[:40]
			script, err := txscript.NullDataScript(payload)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := w.BuildTx(wallet.TxRequest{
				From:        payer,
				Outputs:     []*wire.TxOut{wire.NewTxOut(0, script)},
				ChangeIndex: 1,
				FeeRate:     10,
			})
			if err != nil {
				t.Fatal(err)
			}
			txid, err := w.Send(ctx, b, tx)
			if err != nil {
				t.Fatal(err)
			}
			hashes, err := b.Mine(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			blk, err := b.BlockByHash(ctx, hashes[0])
			if err != nil {
				t.Fatal(err)
			}
			var got *wire.MsgTx
			for _, btx := range blk.Txs {
				if btx.TxHash() == txid {
					got = btx
				}
			}
			if got == nil {
				t.Fatalf("block %d does not hold tx %s", blk.Height, txid)
			}
			pushes, err := txscript.PushedData(got.TxOut[0].PkScript)
			if err != nil || len(pushes) != 1 || !bytes.Equal(pushes[0], payload) {
				t.Fatalf("OP_RETURN read back %x (%v), want %x", pushes, err, payload)
			}
			byHeight, err := b.BlockByHeight(ctx, blk.Height)
			if err != nil || byHeight.Hash != blk.Hash {
				t.Fatalf("block at height %d: %v %v", blk.Height, byHeight, err)
			}
			if _, err := b.Transaction(ctx, txid); err != nil {
				t.Fatalf("transaction lookup: %v", err)
			}
			// The change came back to the sender: the wallet sees it.
			if _, err := w.Sync(ctx, b); err != nil {
				t.Fatal(err)
			}
			if w.Balance().Spendable <= 0 {
				t.Fatal("no spendable change after the payload transaction")
			}
		})
	}
}
