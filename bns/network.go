package bns

import (
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
)

// Network is what the encoding of operations depends on: the magic bytes
// that open every payload, and the Bitcoin parameters that turn output
// scripts into addresses.
type Network struct {
	// Name is the name the --network flag and getinfo use.
	Name string
	// Magic opens every payload. Blockstack v1 used "id" everywhere:
	// blockstack-core's config.py sets MAGIC_BYTES = 'id' unconditionally,
	// its testnet mode included. A private network may pick another pair to
	// keep its operations apart from everyone else's.
	Magic [2]byte
	// Params are the Bitcoin network parameters (address versions).
	Params *chaincfg.Params
}

var magicID = [2]byte{'i', 'd'}

// The networks go-blockstack knows. DevNet is the embedded development
// chain (chain/devchain), which mines on regtest parameters.
var (
	MainNet = Network{Name: "mainnet", Magic: magicID, Params: &chaincfg.MainNetParams}
	TestNet = Network{Name: "testnet", Magic: magicID, Params: &chaincfg.TestNet3Params}
	RegTest = Network{Name: "regtest", Magic: magicID, Params: &chaincfg.RegressionNetParams}
	DevNet  = Network{Name: "devnet", Magic: magicID, Params: &chaincfg.RegressionNetParams}
)

// NetworkByName returns a copy of the network called name (devnet, regtest,
// testnet or mainnet), so that callers may change its magic bytes.
func NetworkByName(name string) (*Network, error) {
	for _, n := range []Network{DevNet, RegTest, TestNet, MainNet} {
		if n.Name == name {
			return &n, nil
		}
	}
	return nil, fmt.Errorf("unknown network %q (want devnet, regtest, testnet or mainnet)", name)
}

// BurnAddress is the address fees are burnt to: P2PKH of the all-zero
// hash160, 1111111111111111111114oLvT2 on mainnet. Nobody holds its key.
func (n *Network) BurnAddress() *btcutil.AddressPubKeyHash {
	var zero [20]byte
	// Cannot fail: the hash has the right length.
	addr, _ := btcutil.NewAddressPubKeyHash(zero[:], n.Params)
	return addr
}
