package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/virtualchain"
)

func newSnapshotCmd(g *globalFlags) *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Export the name database, or bootstrap a node from a verified snapshot",
	}
	cmd.PersistentFlags().StringVar(&dataDir, "data-dir", "", "node state folder (default $HOME/.blockstack/<network>/node)")
	cmd.AddCommand(&cobra.Command{
		Use:   "export FILE",
		Short: "Write a consistent snapshot of the node's name database (works while the node runs)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := namedb.Open(filepath.Join(nodeDataDir(*g, dataDir), "names.db"))
			if err != nil {
				return err
			}
			defer db.Close()
			tip, err := virtualchain.ExportSnapshot(cmd.Context(), db, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "snapshot %s at block %d, consensus hash %s\n", args[0], tip.Height, tip.ConsensusHash)
			return nil
		},
	})
	var trusted virtualchain.Trusted
	var first int64
	var ruleSet string
	imp := &cobra.Command{
		Use:   "import FILE --consensus-hash HASH [--height H]",
		Short: "Verify a snapshot against a consensus hash you trust and install it as the node's database",
		Long: `import checks the snapshot before using it: SQLite's integrity check, the
network and first block, every block's ops hash against its recorded
operations, every consensus hash against its ops hash and skip list, and
the consensus hash you trust at its height. Only then is it installed (by
an atomic rename) as the node's names.db, which must not exist yet. The
node then resumes indexing from the snapshot's last block.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			net, err := g.bnsNetwork()
			if err != nil {
				return err
			}
			if first, err = firstBlock(g.network, first, ruleSet); err != nil {
				return err
			}
			cfg := virtualchain.Config{Network: net, FirstBlock: first}
			dst := filepath.Join(nodeDataDir(*g, dataDir), "names.db")
			if err = mkdirFor(dst); err != nil {
				return err
			}
			last, err := virtualchain.ImportSnapshot(cmd.Context(), args[0], dst, cfg, trusted)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "verified and installed %s: blocks %d to %d, consensus hash %s at the tip\n",
				dst, first, last.Height, last.ConsensusHash)
			return nil
		},
	}
	imp.Flags().StringVar(&trusted.ConsensusHash, "consensus-hash", "", "a consensus hash you trust (required)")
	imp.Flags().Int64Var(&trusted.Height, "height", -1, "the block height of that consensus hash (default: wherever the snapshot has it)")
	imp.Flags().Int64Var(&first, "first-block", -1, "first block the node indexes (default on devnet and regtest: 1; required on testnet and mainnet)")
	imp.Flags().StringVar(&ruleSet, "rule-set", "", "the rules of the node; required on testnet and mainnet (see node --help)")
	imp.MarkFlagRequired("consensus-hash")
	cmd.AddCommand(imp)
	return cmd
}
