package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/client/lookup"
	"github.com/go-blockstack/go-blockstack/client/snv"
	"github.com/go-blockstack/go-blockstack/client/spv"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/webapp"
)

// trustFlags say where the consensus hash that a verified lookup trusts
// comes from: the user, or agreement of other nodes.
type trustFlags struct {
	anchor  string   // --trust HASH@HEIGHT
	nodes   []string // --trust-nodes URL,...
	bitcoin bool     // --trust-bitcoin
	// bitcoinFrom, --trust-bitcoin-from BLOCKHASH@HEIGHT, is where the
	// header chain starts ("": the genesis block).
	bitcoinFrom string
}

// addTrustFlags adds the trust flags to cmd, and checks their combination
// in its PreRunE (which cmd must not set itself), after the settings file
// and the environment have had their say.
func addTrustFlags(cmd *cobra.Command, f *trustFlags) {
	addAnchorFlags(cmd, f)
	cmd.PreRunE = func(*cobra.Command, []string) error {
		switch {
		case f.bitcoin && !f.set():
			return errors.New("--trust-bitcoin checks what --trust or --trust-nodes proves: give one of them")
		case f.bitcoinFrom != "" && !f.bitcoin:
			return errors.New("--trust-bitcoin-from says where --trust-bitcoin's header chain starts: give --trust-bitcoin too")
		}
		return nil
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.bitcoin, "trust-bitcoin", false, "with --trust or --trust-nodes: also check, with Bitcoin headers from the --rpc node (proof of work, most work), that the anchor's block is in the best chain and the proved operations' transactions are in their blocks")
	fl.StringVar(&f.bitcoinFrom, "trust-bitcoin-from", "", "with --trust-bitcoin: start the header chain at this Bitcoin block you trust, `BLOCKHASH@HEIGHT` (on testnet and mainnet at a height divisible by 2016, at or below the name's operations), instead of the genesis block")
}

// addAnchorFlags adds the flags that say what consensus hash to trust,
// without --trust-bitcoin's check of it, for commands that prove records
// but not operations (blockstack dns).
func addAnchorFlags(cmd *cobra.Command, f *trustFlags) {
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
func (f *trustFlags) resolve(ctx context.Context, g globalFlags, first int64) (snv.Anchor, error) {
	if f.anchor != "" {
		if len(f.nodes) > 0 {
			return snv.Anchor{}, fmt.Errorf("give --trust or --trust-nodes, not both")
		}
		return snv.ParseAnchor(f.anchor)
	}
	clients := make([]*apiclient.Client, len(f.nodes))
	low := int64(-1)
	for i, u := range f.nodes {
		c, err := g.openNodeAt(u)
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

// firstBlockOf is the network's first BNS block: the local chains'
// default, else the one the node says (a wrong one only makes proofs
// fail: the trusted consensus hash commits to the real history).
func firstBlockOf(ctx context.Context, g globalFlags, node *apiclient.Client) (int64, error) {
	if first, local := firstBlocks[g.network]; local {
		return first, nil
	}
	info, err := node.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.FirstBlock, nil
}

// verifiedName proves name's record as of the anchor's block (a state
// proof, then SNV of the operations that set it), and says on stderr what
// was proved.
func verifiedName(cmd *cobra.Command, g globalFlags, node *apiclient.Client, f *trustFlags, name string) (*apitypes.Name, error) {
	ctx := cmd.Context()
	first, err := firstBlockOf(ctx, g, node)
	if err != nil {
		return nil, err
	}
	anchor, err := f.resolve(ctx, g, first)
	if err != nil {
		return nil, err
	}
	proof, err := snv.VerifyName(ctx, node, anchor, name, first)
	if err != nil {
		return nil, err
	}
	r := proof.Name
	if r == nil {
		return nil, fmt.Errorf("%s is not registered as of block %d (proved against %s: its state root holds no record of it)", name, anchor.Height, anchor)
	}
	rl := g.rules()
	state := rl.NameState(r.Revoked, r.ExpireBlock, anchor.Height)
	rec := &apitypes.Name{Status: state.Status(), Address: r.Address, Blockchain: "bitcoin", ExpireBlock: r.ExpireBlock,
		GracePeriod: state == rules.InGrace, RenewalDeadline: rl.RenewalDeadline(r.ExpireBlock), LastTxid: r.Txid, ZonefileHash: r.ValueHash}
	w := cmd.ErrOrStderr()
	fmt.Fprintf(w, "verified against %s: %s's record as of block %d, by the block's state root (%d bytes of proof): %s, owner %s",
		anchor, name, anchor.Height, proof.ProofBytes, rec.Status, rec.Address)
	if rec.ZonefileHash != "" {
		fmt.Fprintf(w, ", zone file hash %s", rec.ZonefileHash)
	}
	fmt.Fprintf(w, "; by SNV (%d blocks fetched): owner set by %s %s in block %d", proof.Fetches, proof.Owner.Opcode, proof.Owner.Txid, proof.Owner.Block)
	if proof.Zonefile != nil {
		fmt.Fprintf(w, ", zone file hash by %s %s in block %d", proof.Zonefile.Opcode, proof.Zonefile.Txid, proof.Zonefile.Block)
	}
	fmt.Fprintln(w, ".")
	if f.bitcoin {
		if err := checkOnBitcoin(ctx, w, g, f.bitcoinFrom, proof); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// checkOnBitcoin checks a proof against Bitcoin's best header chain, as
// the --rpc node serves it and a full node checks it: the anchor's block
// (which its consensus hash commits to) must be in it, and each operation
// SNV proved must be a transaction of its block (a Merkle branch against
// the block's header), so that no node can move a genuine operation to
// another height or serve a history of a fork.
func checkOnBitcoin(ctx context.Context, w io.Writer, g globalFlags, from string, proof *snv.NameProof) error {
	be, err := g.openBackend(ctx)
	if err != nil {
		return err
	}
	defer be.Close()
	src := spv.FromBackend(be)
	hc := spv.New(be.Params())
	if from != "" {
		if hc, err = checkpointChain(ctx, be.Params(), src, from); err != nil {
			return err
		}
	}
	if err = hc.Sync(ctx, src); err != nil && !errors.Is(err, spv.ErrLessWork) {
		return fmt.Errorf("--trust-bitcoin: headers from %s: %w", g, err)
	}
	anchor := proof.Anchor
	if base := hc.Base(); anchor.Height < base {
		return fmt.Errorf("--trust-bitcoin-from: the anchor's block %d is below the checkpoint's %d: give a checkpoint at or below it", anchor.Height, base)
	}
	hash, err := chainhash.NewHashFromStr(proof.BlockHash)
	if err != nil {
		return fmt.Errorf("--trust-bitcoin: block %d's hash %q: %w", anchor.Height, proof.BlockHash, err)
	}
	conf := hc.Confirmations(anchor.Height, *hash)
	tip, _ := hc.Tip()
	if conf < 1 {
		return fmt.Errorf("--trust-bitcoin: the anchor %s commits to block %s at height %d, which is not in Bitcoin's best chain (headers from %s, tip %d)",
			anchor, hash, anchor.Height, g, tip)
	}
	for _, op := range []*snv.Proved{proof.Owner, proof.Zonefile} {
		if op == nil {
			continue
		}
		if err := txInBlock(ctx, be, hc, op); err != nil {
			return fmt.Errorf("--trust-bitcoin: %w", err)
		}
	}
	fmt.Fprintf(w, "checked on Bitcoin (headers from %s): block %d is in the best chain with %d confirmations; the proved operations' transactions are in their blocks.\n",
		g, anchor.Height, conf)
	return nil
}

// checkpointChain is a header chain that starts at from, BLOCKHASH@HEIGHT,
// a block the user trusts, once src shows that block at that height in its
// best chain.
func checkpointChain(ctx context.Context, params *chaincfg.Params, src spv.Source, from string) (*spv.Chain, error) {
	hashHex, heightStr, ok := strings.Cut(from, "@")
	height, err := strconv.ParseInt(heightStr, 10, 64)
	hash, herr := chainhash.NewHashFromStr(hashHex)
	if !ok || err != nil || height < 0 || herr != nil || len(hashHex) != 64 {
		return nil, fmt.Errorf("--trust-bitcoin-from %q: want BLOCKHASH@HEIGHT (a block hash as shown, 64 hex digits, and its height)", from)
	}
	onBest, err := src.BlockHash(ctx, height)
	if err != nil {
		return nil, fmt.Errorf("--trust-bitcoin-from: block %d: %w", height, err)
	}
	if onBest != *hash {
		return nil, fmt.Errorf("--trust-bitcoin-from: the Bitcoin node's best chain has block %s at height %d, not %s: it follows another chain, or the checkpoint is wrong", onBest, height, hash)
	}
	header, err := src.Header(ctx, *hash)
	if err != nil {
		return nil, fmt.Errorf("--trust-bitcoin-from: block %s: %w", hash, err)
	}
	if header.BlockHash() != *hash {
		return nil, fmt.Errorf("--trust-bitcoin-from: the Bitcoin node sent the header of %s for %s", header.BlockHash(), hash)
	}
	hc, err := spv.FromCheckpoint(params, height, *header)
	if err != nil {
		return nil, fmt.Errorf("--trust-bitcoin-from: %w", err)
	}
	return hc, nil
}

// txInBlock checks that op's transaction is in its block of the best
// header chain hc, by a Merkle branch against the block's header.
func txInBlock(ctx context.Context, be chain.Backend, hc *spv.Chain, op *snv.Proved) error {
	if base := hc.Base(); op.Block < base {
		return fmt.Errorf("%s %s is in block %d, below the header chain's first block %d (--trust-bitcoin-from): give a checkpoint at or below block %d", op.Opcode, op.Txid, op.Block, base, op.Block)
	}
	header, ok := hc.Header(op.Block)
	if !ok {
		return fmt.Errorf("block %d of %s %s is not in the header chain", op.Block, op.Opcode, op.Txid)
	}
	blk, err := be.BlockByHash(ctx, header.BlockHash())
	if err != nil {
		return fmt.Errorf("block %d: %w", op.Block, err)
	}
	for i, tx := range blk.Txs {
		if tx.TxHash().String() != op.Txid {
			continue
		}
		p, err := spv.ProveTx(&wire.MsgBlock{Header: blk.Header, Transactions: blk.Txs}, i)
		if err == nil {
			err = p.VerifyTx(&header, tx)
		}
		if err != nil {
			return fmt.Errorf("%s %s in block %d: %w", op.Opcode, op.Txid, op.Block, err)
		}
		return nil
	}
	return fmt.Errorf("%s %s is not a transaction of block %d of Bitcoin's best chain", op.Opcode, op.Txid, op.Block)
}

// resolveName follows name's lookup path to its verified profile: from the
// node's record, or with trust set from the record verifiedName proves
// (lookup.FromRecord), so that no step takes the node's word.
func resolveName(cmd *cobra.Command, g globalFlags, trust *trustFlags, name string) (*lookup.Result, error) {
	if err := validLookupName(name); err != nil {
		return nil, err
	}
	node, err := openReadNode(cmd, g)
	if err != nil {
		return nil, err
	}
	if !trust.set() {
		return lookup.Resolve(cmd.Context(), node, g.httpClient(0), name)
	}
	rec, err := verifiedName(cmd, g, node, trust, name)
	if err != nil {
		return nil, err
	}
	if rec.Status != "registered" {
		return nil, fmt.Errorf("%s is %s as of the anchor's block (proved)", name, rec.Status)
	}
	return lookup.FromRecord(cmd.Context(), node, g.httpClient(0), name, rec.Address, rec.ZonefileHash)
}

// webappTrustFlags say where the browser pages (the sign-in page, the
// notes app) get the consensus hash they prove name records against:
// --trust and --trust-nodes, for the pages rather than this process.
type webappTrustFlags struct {
	anchor string
	nodes  []string
}

func addWebappTrustFlags(fs *pflag.FlagSet, f *webappTrustFlags) {
	fs.StringVar(&f.anchor, "webapp-trust", "", "the browser pages prove each name record they read against this consensus hash, `HASH@HEIGHT`")
	fs.StringSliceVar(&f.nodes, "webapp-trust-nodes", nil, "the browser pages prove each name record they read against the consensus hash these other nodes' REST APIs all give a few blocks below their tips (`URL,...`; any disagreement refuses)")
}

// config is the pages' trust on a network whose BNS starts at block first
// (nil: the pages take the node's word).
func (f *webappTrustFlags) config(first int64) (*webapp.Trust, error) {
	switch {
	case f.anchor != "" && len(f.nodes) > 0:
		return nil, errors.New("give --webapp-trust or --webapp-trust-nodes, not both")
	case f.anchor != "":
		if _, err := snv.ParseAnchor(f.anchor); err != nil {
			return nil, fmt.Errorf("--webapp-trust: %w", err)
		}
	case len(f.nodes) == 0:
		return nil, nil
	}
	if err := checkNodeURLs("--webapp-trust-nodes", f.nodes); err != nil {
		return nil, err
	}
	return &webapp.Trust{Anchor: f.anchor, Nodes: f.nodes, FirstBlock: first}, nil
}

// checkNodeURLs checks, before anything starts, that each of a flag's
// URLs can be a node's REST API (apiclient.New's rule).
func checkNodeURLs(flag string, urls []string) error {
	for _, u := range urls {
		if _, err := apiclient.New(u, nil); err != nil {
			return fmt.Errorf("%s: %w", flag, err)
		}
	}
	return nil
}
