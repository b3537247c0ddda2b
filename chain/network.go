package chain

import (
	"fmt"

	"github.com/btcsuite/btcd/chaincfg"
)

// NetworkParams returns the chain parameters of a network name. The devnet
// is a regtest chain, so both use RegressionNetParams.
func NetworkParams(network string) (*chaincfg.Params, error) {
	switch network {
	case "mainnet":
		return &chaincfg.MainNetParams, nil
	case "testnet":
		return &chaincfg.TestNet3Params, nil
	case "regtest", "devnet":
		return &chaincfg.RegressionNetParams, nil
	}
	return nil, fmt.Errorf("unknown network %q (want devnet, regtest, testnet or mainnet)", network)
}
