package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/rpc"
)

// backendFlags say which Bitcoin node a command talks to. The defaults are
// those of a local `blockstack devnet`.
type backendFlags struct {
	network string
	rpcAddr string
	rpcUser string
	rpcPass string
}

var backendOpts backendFlags

const (
	defaultDevnetRPCAddr = "127.0.0.1:16443"
	defaultDevnetRPCUser = "devnet"
	defaultDevnetRPCPass = "devnet"
)

func addBackendFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&backendOpts.network, "network", "devnet", "Bitcoin network: devnet, regtest, testnet or mainnet")
	f.StringVar(&backendOpts.rpcAddr, "rpc", defaultDevnetRPCAddr, "JSON-RPC address (host:port) of btcd, bitcoind or a devnet")
	f.StringVar(&backendOpts.rpcUser, "rpc-user", defaultDevnetRPCUser, "JSON-RPC user")
	f.StringVar(&backendOpts.rpcPass, "rpc-pass", defaultDevnetRPCPass, "JSON-RPC password")
}

func (f backendFlags) String() string {
	return fmt.Sprintf("%s node at %s", f.network, f.rpcAddr)
}

// openBackend connects to the node the global flags name. The caller
// closes it.
func openBackend(cmd *cobra.Command) (*rpc.Client, error) {
	params, err := chain.NetworkParams(backendOpts.network)
	if err != nil {
		return nil, err
	}
	c, err := rpc.New(rpc.Config{
		Host:   backendOpts.rpcAddr,
		User:   backendOpts.rpcUser,
		Pass:   backendOpts.rpcPass,
		Params: params,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", backendOpts, err)
	}
	if err := c.CheckNetwork(cmd.Context()); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w", backendOpts, err)
	}
	return c, nil
}
