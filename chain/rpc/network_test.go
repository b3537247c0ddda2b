package rpc_test

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
	"github.com/go-blockstack/go-blockstack/chain/rpc"
)

// TestNetworkParams: each network name the CLI takes gives the client
// btcd's parameters for it, and CheckNetwork holds a client to them: a
// regtest node (a devchain over its JSON-RPC) passes as regtest or devnet
// and is refused as testnet or mainnet, by its genesis block.
func TestNetworkParams(t *testing.T) {
	t.Parallel()
	dc, err := devchain.Open(devchain.Config{DataDir: filepath.Join(t.TempDir(), "chain"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	srv := httptest.NewServer(devchain.NewRPCServer(dc, "u", "p"))
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		network string
		params  *chaincfg.Params
		pubKeyHashAddrID,
		scriptHashAddrID byte
		regtestNode bool
	}{
		{"devnet", &chaincfg.RegressionNetParams, 0x6f, 0xc4, true},
		{"regtest", &chaincfg.RegressionNetParams, 0x6f, 0xc4, true},
		{"testnet", &chaincfg.TestNet3Params, 0x6f, 0xc4, false},
		{"mainnet", &chaincfg.MainNetParams, 0x00, 0x05, false},
	} {
		t.Run(tc.network, func(t *testing.T) {
			params, err := chain.NetworkParams(tc.network)
			if err != nil || params != tc.params {
				t.Fatalf("NetworkParams(%s) = %v, %v; want %s", tc.network, params, err, tc.params.Name)
			}
			if params.PubKeyHashAddrID != tc.pubKeyHashAddrID || params.ScriptHashAddrID != tc.scriptHashAddrID {
				t.Errorf("address versions %#x/%#x, want %#x/%#x", params.PubKeyHashAddrID, params.ScriptHashAddrID,
					tc.pubKeyHashAddrID, tc.scriptHashAddrID)
			}
			c, err := rpc.New(rpc.Config{Host: strings.TrimPrefix(srv.URL, "http://"), User: "u", Pass: "p", Params: params})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Params() != params {
				t.Errorf("client params %s, want %s", c.Params().Name, params.Name)
			}
			err = c.CheckNetwork(testCtx(t))
			if tc.regtestNode && err != nil {
				t.Errorf("regtest node refused as %s: %v", tc.network, err)
			}
			if !tc.regtestNode && (err == nil || !strings.Contains(err.Error(), "genesis")) {
				t.Errorf("regtest node accepted as %s: %v", tc.network, err)
			}
		})
	}
	if _, err := chain.NetworkParams("simnet"); err == nil {
		t.Error("NetworkParams(simnet) succeeded")
	}
}

// TestMiningAddressNetwork: a mining address must belong to the client's
// network.
func TestMiningAddressNetwork(t *testing.T) {
	t.Parallel()
	mainnet, err := btcutil.NewAddressPubKeyHash(make([]byte, 20), &chaincfg.MainNetParams)
	if err != nil {
		t.Fatal(err)
	}
	regtest, err := btcutil.NewAddressPubKeyHash(make([]byte, 20), &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	cfg := rpc.Config{Host: "127.0.0.1:1", User: "u", Pass: "p", Params: &chaincfg.RegressionNetParams}
	cfg.MiningAddress = mainnet.EncodeAddress()
	if _, err := rpc.New(cfg); err == nil || !strings.Contains(err.Error(), "is not a regtest address") {
		t.Errorf("mainnet mining address on regtest: %v", err)
	}
	cfg.MiningAddress = regtest.EncodeAddress()
	c, err := rpc.New(cfg)
	if err != nil {
		t.Fatalf("regtest mining address on regtest: %v", err)
	}
	c.Close()
}
