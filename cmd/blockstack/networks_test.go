package main

import (
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/rules"
)

// TestFirstBlock: the local chains start at block 1 unless told; testnet
// and mainnet start only where told, with the rule set named, and mainnet
// not before v1's chain stopped; each refusal says why and what to give.
func TestFirstBlock(t *testing.T) {
	for _, tc := range []struct {
		network string
		first   int64
		ruleSet string
		want    int64
		err     string
	}{
		{"devnet", -1, "", 1, ""},
		{"regtest", 5, "", 5, ""},
		{"mainnet", -1, "", 0, "--rule-set " + rules.RuleSet},
		{"mainnet", 870000, "", 0, "does not reproduce Blockstack v1's names"},
		{"mainnet", -1, rules.RuleSet, 0, "give --first-block N"},
		{"mainnet", 373601, rules.RuleSet, 0, "give 665751 or later"},
		{"mainnet", 665751, rules.RuleSet, 665751, ""},
		{"testnet", -1, rules.RuleSet, 0, "give --first-block N"},
		{"testnet", 1, "v1", 0, "--rule-set " + rules.RuleSet},
		{"testnet", 2000000, rules.RuleSet, 2000000, ""},
	} {
		got, err := firstBlock(tc.network, tc.first, tc.ruleSet)
		if tc.err == "" && (err != nil || got != tc.want) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s --first-block %d --rule-set %q: %d %v, want %d %q", tc.network, tc.first, tc.ruleSet, got, err, tc.want, tc.err)
		}
	}
}

// TestMainnetNodeRefusesWithoutRuleSet: blockstack node --network mainnet
// exits non-zero at once, in one line that says what it would not be.
func TestMainnetNodeRefusesWithoutRuleSet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	stdout, stderr, code := runBinary(t, bin, "", "node", "--network", "mainnet", "--data-dir", t.TempDir())
	failsWith(t, stdout, stderr, code, "does not reproduce Blockstack v1's names")
	help, _, _ := runBinary(t, bin, "", "node", "--help")
	if !strings.Contains(help, "not a replica of v1's names") || !strings.Contains(help, "--rule-set") {
		t.Errorf("node --help does not say what a mainnet node is:\n%s", help)
	}
}
