package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/client/snv"
)

// trustFlags say where the consensus hash that a verified lookup trusts
// comes from: the user, or agreement of other nodes.
type trustFlags struct {
	anchor string   // --trust HASH@HEIGHT
	nodes  []string // --trust-nodes URL,...
}

func addTrustFlags(cmd *cobra.Command, f *trustFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.anchor, "trust", "", "verify against this consensus hash, `HASH@HEIGHT` (SNV: the node is not trusted)")
	fl.StringSliceVar(&f.nodes, "trust-nodes", nil, "verify against the consensus hash these other nodes' REST APIs all give a few blocks below their tips (`URL,...`; any disagreement refuses)")
}

func (f *trustFlags) set() bool { return f.anchor != "" || len(f.nodes) > 0 }

// anchorDepth is how far below the lowest tip of --trust-nodes the anchor
// is taken, so that nodes a block or two apart, or a short reorganisation,
// do not look like disagreement.
const anchorDepth = 3

// resolve returns the anchor: --trust as given, or the consensus hash all
// of --trust-nodes give at one height, no lower than first (BNS's first
// block).
func (f *trustFlags) resolve(ctx context.Context, first int64) (snv.Anchor, error) {
	if f.anchor != "" {
		if len(f.nodes) > 0 {
			return snv.Anchor{}, fmt.Errorf("give --trust or --trust-nodes, not both")
		}
		return snv.ParseAnchor(f.anchor)
	}
	clients := make([]*apiclient.Client, len(f.nodes))
	low := int64(-1)
	for i, u := range f.nodes {
		c, err := apiclient.New(u, nil)
		if err != nil {
			return snv.Anchor{}, fmt.Errorf("--trust-nodes %s: %w", u, err)
		}
		info, err := c.Info(ctx)
		if err != nil {
			return snv.Anchor{}, fmt.Errorf("--trust-nodes %s: %w", u, err)
		}
		if low < 0 || info.LastBlockProcessed < low {
			low = info.LastBlockProcessed
		}
		clients[i] = c
	}
	h := max(low-anchorDepth, first)
	var a snv.Anchor
	var says []string
	for i, c := range clients {
		b, err := c.SNVBlock(ctx, h, false)
		if err != nil {
			return snv.Anchor{}, fmt.Errorf("--trust-nodes %s: block %d: %w", f.nodes[i], h, err)
		}
		says = append(says, f.nodes[i]+": "+b.ConsensusHash)
		if i == 0 {
			a = snv.Anchor{Height: h, ConsensusHash: b.ConsensusHash}
		} else if b.ConsensusHash != a.ConsensusHash {
			return snv.Anchor{}, fmt.Errorf("--trust-nodes disagree at block %d (%s): trusting none", h, strings.Join(says, ", "))
		}
	}
	return a, nil
}

// verifiedName proves the node's record of name against the anchor, and
// says on stderr what was and was not proved.
func verifiedName(cmd *cobra.Command, g globalFlags, node *apiclient.Client, f *trustFlags, name string) (*apitypes.Name, error) {
	ctx := cmd.Context()
	// The network's first block: the local chains' default, else the one
	// the node says (a wrong one only makes the proof fail: the trusted
	// consensus hash commits to the real history).
	first, local := firstBlocks[g.network]
	if !local {
		info, err := node.Info(ctx)
		if err != nil {
			return nil, err
		}
		first = info.FirstBlock
	}
	anchor, err := f.resolve(ctx, first)
	if err != nil {
		return nil, err
	}
	rec, proof, err := snv.VerifyName(ctx, node, anchor, name, first)
	if err != nil {
		return nil, err
	}
	w := cmd.ErrOrStderr()
	fmt.Fprintf(w, "verified against %s (%d blocks fetched): owner %s set by %s %s in block %d", anchor, proof.Fetches,
		rec.Address, proof.Owner.Opcode, proof.Owner.Txid, proof.Owner.Block)
	if proof.Zonefile != nil {
		fmt.Fprintf(w, "; zone file hash %s set by %s %s in block %d", rec.ZonefileHash, proof.Zonefile.Opcode, proof.Zonefile.Txid, proof.Zonefile.Block)
	}
	fmt.Fprintf(w, ". Not proved: that no later operation changed %s (SNV shows what happened, not that nothing happened since).\n", name)
	return rec, nil
}
