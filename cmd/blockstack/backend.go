package main

import (
	"fmt"

	"github.com/spf13/cobra"
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
