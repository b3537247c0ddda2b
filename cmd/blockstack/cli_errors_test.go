package main

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// runRoot runs the whole command tree in this process, as main does, with
// $HOME in a fresh folder (no wallet, no node database) unless the test
// set it.
func runRoot(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(""))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

// TestChainCommandsFailFast: with no node at --rpc, every command that
// needs the chain fails within 2 s with one line that names the address
// and how to start a devnet (the RPC client alone retries for about 22 s).
func TestChainCommandsFailFast(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	w := identityWallet(t, bin, dir)
	addr := freeAddr(t)
	for _, args := range [][]string{
		{"chain", "tip"},
		{"chain", "mine"},
		{"wallet", "balance", "--wallet", w},
		{"wallet", "send", "--wallet", w, "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx", "10000"},
		{"wallet", "faucet", "--wallet", w},
		{"name", "register", "alice.id", "--wallet", w},
		{"namespace", "create", "id", "--wallet", w, "--lifetime", "1000", "--coeff", "250", "--base", "4",
			"--buckets", "6,5,4,3,2,1,0,0,0,0,0,0,0,0,0,0", "--nonalpha-discount", "10", "--no-vowel-discount", "10"},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			start := time.Now()
			stdout, stderr, code := runBinary(t, bin, "", append([]string{"--rpc", addr}, args...)...)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %v", took)
			}
			failsWith(t, stdout, stderr, code, "no devnet node at "+addr)
			if !strings.Contains(stderr, "blockstack devnet") {
				t.Errorf("does not say how to start a devnet: %s", stderr)
			}
		})
	}
}

// TestMissingArgumentsNamed: every command that takes arguments names the
// missing ones and prints its usage line, instead of cobra's "accepts 1
// arg(s), received 0".
func TestMissingArgumentsNamed(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	var checked int
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		fields := strings.Fields(c.Use)
		if len(fields) < 2 || strings.HasPrefix(fields[1], "[") || strings.HasPrefix(fields[1], "-") {
			return // no required argument
		}
		checked++
		path := strings.Fields(c.CommandPath())[1:]
		t.Run(c.CommandPath(), func(t *testing.T) {
			_, _, err := runRoot(t, path...)
			if err == nil || !strings.Contains(err.Error(), "missing "+fields[1]) ||
				!strings.Contains(err.Error(), "usage: "+c.CommandPath()+" "+fields[1]) {
				t.Errorf("%v", err)
			}
		})
	}
	walk(newRootCmd())
	if checked < 25 {
		t.Errorf("checked only %d commands: the walk is broken", checked)
	}
	if _, _, err := runRoot(t, "wallet", "send", "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx"); err == nil ||
		!strings.Contains(err.Error(), "missing AMOUNT_SATS (usage: blockstack wallet send ADDRESS AMOUNT_SATS") {
		t.Errorf("send without an amount: %v", err)
	}
	if _, _, err := runRoot(t, "whois", "a.id", "b.id"); err == nil || !strings.Contains(err.Error(), `unexpected argument "b.id"`) {
		t.Errorf("whois with two names: %v", err)
	}
}

// TestFlagAndArgumentErrors: what is wrong in the command line is said
// before anything is opened or asked, in one line that says what to do.
func TestFlagAndArgumentErrors(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir) // no wallet there
	for _, tc := range []struct {
		args []string
		want string
	}{
		// --network first, not "create a wallet".
		{[]string{"--network", "bitcoin", "wallet", "show"}, `--network "bitcoin": want devnet, regtest, testnet or mainnet`},
		{[]string{"--network", "bitcoin", "name", "register", "alice.id"}, `--network "bitcoin"`},
		// Durations must be positive.
		{[]string{"name", "register", "alice.id", "--timeout", "-1s"}, "-1s is not a positive duration"},
		{[]string{"namespace", "ready", "id", "--poll-interval", "0s"}, "0s is not a positive duration"},
		{[]string{"wallet", "faucet", "--timeout", "-5m"}, "-5m is not a positive duration"},
		// The faucet pays no output that send would refuse.
		{[]string{"wallet", "faucet", "1"}, "amount 1 sat is below the dust limit 546"},
		{[]string{"wallet", "send", "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx", "545"}, "below the dust limit"},
		{[]string{"wallet", "faucet", "lots"}, `amount "lots" is not a whole number of satoshis`},
		// App origins are checked as apps' are, before the wallet opens.
		{[]string{"keys", "app-key", "notes"}, `"notes" is not an app origin`},
		{[]string{"keys", "app-key", "https://notes.example/"}, "want https://notes.example, with nothing after the host"},
		{[]string{"keys", "app-key", "ftp://notes.example"}, "is not an app origin"},
		{[]string{"gaia", "ls", "--app", "notes.example"}, `--app: "notes.example" is not an app origin`},
		{[]string{"profile", "publish", "alice.id", "--app", "notes"}, `--app: "notes" is not an app origin`},
		// The trust flags are checked together.
		{[]string{"whois", "alice.test", "--trust-bitcoin"}, "--trust-bitcoin checks what --trust or --trust-nodes proves"},
		{[]string{"lookup", "alice.test", "--trust-nodes", "http://127.0.0.1:1", "--trust-bitcoin-from", "00@1"}, "give --trust-bitcoin too"},
		// Other nodes' URLs are checked before the node starts.
		{[]string{"node", "--data-dir", dir + "/n", "--verify-peers", "127.0.0.1:6270"}, `--verify-peers: node URL "127.0.0.1:6270"`},
		{[]string{"node", "--data-dir", dir + "/n", "--webapp-trust-nodes", "ftp://node.example"}, "want http://HOST:PORT"},
		{[]string{"devnet", "--data-dir", dir + "/d", "--webapp-trust", "abc@1"}, "want CONSENSUS_HASH@HEIGHT"},
		// No node database: said so, not "unable to open database file".
		{[]string{"node", "status", "--data-dir", dir}, "no node database at " + dir},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := runRoot(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v, want %q", err, tc.want)
			}
		})
	}
	for _, made := range []string{"/names.db", "/n", "/d"} {
		if _, err := os.Stat(dir + made); err == nil {
			t.Errorf("%s was made by a command that failed on its flags", dir+made)
		}
	}
}

// TestAddressesFromEnvironment: BLOCKSTACK_RPC, BLOCKSTACK_NODE and
// BLOCKSTACK_HUB stand for --rpc, --node and --hub; a flag given wins.
func TestAddressesFromEnvironment(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	envNode, envMsg, _ := failingServer(t, http.StatusInternalServerError)
	flagNode, flagMsg, _ := failingServer(t, http.StatusBadGateway)
	t.Setenv(nodeEnv, envNode)
	if _, _, err := runRoot(t, "whois", "alice.id"); err == nil || !strings.Contains(err.Error(), envMsg) {
		t.Errorf("$%s not used: %v", nodeEnv, err)
	}
	if _, _, err := runRoot(t, "whois", "alice.id", "--node", flagNode); err == nil || !strings.Contains(err.Error(), flagMsg) {
		t.Errorf("--node did not win over $%s: %v", nodeEnv, err)
	}

	envRPC := freeAddr(t)
	t.Setenv(rpcEnv, envRPC)
	if _, _, err := runRoot(t, "chain", "tip"); err == nil || !strings.Contains(err.Error(), "at "+envRPC) {
		t.Errorf("$%s not used: %v", rpcEnv, err)
	}
	flagRPC := freeAddr(t)
	if _, _, err := runRoot(t, "chain", "tip", "--rpc", flagRPC); err == nil || !strings.Contains(err.Error(), "at "+flagRPC) {
		t.Errorf("--rpc did not win over $%s: %v", rpcEnv, err)
	}

	// The hub is asked for hub_info before anything else of gaia's.
	w := t.TempDir() + "/wallet.json"
	if _, _, err := runRoot(t, "wallet", "create", "--wallet", w); err != nil {
		t.Fatal(err)
	}
	envHub := "http://" + freeAddr(t)
	t.Setenv(hubEnv, envHub)
	if _, _, err := runRoot(t, "gaia", "ls", "--wallet", w); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(envHub, "http://")) {
		t.Errorf("$%s not used: %v", hubEnv, err)
	}
	flagHub := "http://" + freeAddr(t)
	if _, _, err := runRoot(t, "gaia", "ls", "--wallet", w, "--hub", flagHub); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(flagHub, "http://")) {
		t.Errorf("--hub did not win over $%s: %v", hubEnv, err)
	}
}
