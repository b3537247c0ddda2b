package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
)

// freshnessTimeout bounds asking the node whether it is stale: the
// command goes on without the warning rather than wait.
const freshnessTimeout = 3 * time.Second

// openReadNode opens the node a command reads from, and warns on stderr
// when the node says it is stale (it lags its chain's tip, or cannot see
// it), since its answers may then be old. A node that does not answer
// /v1/info is left for the command itself to report.
func openReadNode(cmd *cobra.Command, g globalFlags) (*apiclient.Client, error) {
	node, err := g.openNode()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), freshnessTimeout)
	defer cancel()
	if info, err := node.Info(ctx); err == nil && info.Stale {
		seen := "unknown"
		if info.LastBlockSeen > 0 {
			seen = fmt.Sprint(info.LastBlockSeen)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: the node at %s is stale (last block processed %d, chain tip %s): %s\n",
			node.URL(), info.LastBlockProcessed, seen, info.Warning)
	}
	return node, nil
}
