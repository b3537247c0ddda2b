package main

import "github.com/spf13/cobra"

// subcommands lists every top-level command; each lives in its own file.
func subcommands() []*cobra.Command {
	return []*cobra.Command{
		newDevnetCmd(),
		newWalletCmd(),
		newChainCmd(),
		newNodeCmd(),
		newSnapshotCmd(),
		newHubCmd(),
		newTxCmd(),
		newPriceCmd(),
		newNameCmd(),
		newNamespaceCmd(),
		newWhoisCmd(),
		newLookupCmd(),
		newNamesCmd(),
		newKeysCmd(),
		newGaiaCmd(),
		newProfileCmd(),
		newRegistrarCmd(),
		newSubdomainCmd(),
		newDNSCmd(),
	}
}
