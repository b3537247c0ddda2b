//go:build !unix

package btcdtest

import (
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/rpcclient"
)

// Options configure a node (see the unix implementation).
type Options struct {
	MiningAddr   string
	Args         []string
	StartTimeout time.Duration
}

// Node is a running regtest btcd (see the unix implementation).
type Node struct {
	RPCHost, P2PHost string
	User, Pass       string
	MiningAddr       string
	Params           *chaincfg.Params
	Dir              string
}

// Start skips: the harness manages btcd's process group, which needs unix.
func Start(t testing.TB, opts Options) *Node {
	t.Skip("btcdtest: starting btcd is supported on unix only")
	return nil
}

// Client is unreachable here: Start always skips.
func (n *Node) Client(t testing.TB) *rpcclient.Client {
	t.Fatal("btcdtest: unsupported platform")
	return nil
}
