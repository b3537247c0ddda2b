package main

import (
	"errors"
	"fmt"
	"net"
	"time"

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

// The environment variables of the addresses a devnet prints (see fromEnv).
const (
	rpcEnv  = "BLOCKSTACK_RPC"
	nodeEnv = "BLOCKSTACK_NODE"
	hubEnv  = "BLOCKSTACK_HUB"
)

// The environment variables of the other global flags, so that a shell
// working against one node (a real btcd, say) names it once.
const (
	networkEnv = "BLOCKSTACK_NETWORK"
	rpcUserEnv = "BLOCKSTACK_RPC_USER"
	rpcPassEnv = "BLOCKSTACK_RPC_PASS"
)

const (
	defaultDevnetRPCAddr = "127.0.0.1:16443"
	defaultDevnetRPCUser = "devnet"
	defaultDevnetRPCPass = "devnet"
)

func addBackendFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&backendOpts.network, "network", "devnet", "Bitcoin network: devnet, regtest, testnet or mainnet")
	fromEnv(f, "network", networkEnv)
	f.StringVar(&backendOpts.rpcAddr, "rpc", defaultDevnetRPCAddr, "JSON-RPC address (host:port) of btcd, bitcoind or a devnet")
	fromEnv(f, "rpc", rpcEnv)
	f.StringVar(&backendOpts.rpcUser, "rpc-user", defaultDevnetRPCUser, "JSON-RPC user")
	fromEnv(f, "rpc-user", rpcUserEnv)
	f.StringVar(&backendOpts.rpcPass, "rpc-pass", defaultDevnetRPCPass, "JSON-RPC password")
	fromEnv(f, "rpc-pass", rpcPassEnv)
}

func (f backendFlags) String() string {
	return fmt.Sprintf("%s node at %s", f.network, f.rpcAddr)
}

// dialTimeout bounds the first contact with the node: the RPC client
// itself retries a refused connection for about 22 s before it says so.
const dialTimeout = 2 * time.Second

// openBackend connects to the node the global flags name. The caller
// closes it.
func openBackend(cmd *cobra.Command) (*rpc.Client, error) {
	params, err := chain.NetworkParams(backendOpts.network)
	if err != nil {
		return nil, err
	}
	conn, err := (&net.Dialer{Timeout: dialTimeout}).DialContext(cmd.Context(), "tcp", backendOpts.rpcAddr)
	if err != nil {
		return nil, noNodeError(err)
	}
	conn.Close()
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

// noNodeError says that no node answers at --rpc, and how to get one.
func noNodeError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		err = op.Err // the address is said once, below
	}
	start := "start one with: blockstack devnet"
	if backendOpts.network != "devnet" {
		start = "start btcd or bitcoind with its JSON-RPC on"
	}
	return fmt.Errorf("no %s node at %s (--rpc or $%s): %v; %s", backendOpts.network, backendOpts.rpcAddr, rpcEnv, err, start)
}
