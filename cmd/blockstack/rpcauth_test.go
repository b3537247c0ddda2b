package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/chain/devchain"
)

// TestRPCPasswordSources: the JSON-RPC password may come from a file
// (--rpc-pass-file) and both user and password from bitcoind's cookie
// file (--rpc-cookie, user __cookie__); a wrong one is refused by the node,
// and two sources of one password are refused before anything runs.
func TestRPCPasswordSources(t *testing.T) {
	dir := t.TempDir()
	c, err := devchain.Open(devchain.Config{DataDir: filepath.Join(dir, "chain"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cookieSrv := httptest.NewServer(devchain.NewRPCServer(c, "__cookie__", "5f1c0ffee"))
	defer cookieSrv.Close()
	passSrv := httptest.NewServer(devchain.NewRPCServer(c, "u", "p4ss"))
	defer passSrv.Close()
	cookieRPC, passRPC := strings.TrimPrefix(cookieSrv.URL, "http://"), strings.TrimPrefix(passSrv.URL, "http://")
	cookie := writeFile(t, ".cookie", "__cookie__:5f1c0ffee")
	staleCookie := writeFile(t, ".cookie", "__cookie__:0ld")
	passFile := writeFile(t, "rpc-pass", "p4ss\n")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string // in the error; "" for success
	}{
		{"cookie", nil, []string{"--rpc", cookieRPC, "--rpc-cookie", cookie}, ""},
		{"cookie from the environment", map[string]string{"BLOCKSTACK_RPC_COOKIE": cookie}, []string{"--rpc", cookieRPC}, ""},
		{"stale cookie", nil, []string{"--rpc", cookieRPC, "--rpc-cookie", staleCookie}, "401"},
		{"no cookie", nil, []string{"--rpc", cookieRPC, "--rpc-cookie", filepath.Join(dir, "none")}, "--rpc-cookie: "},
		{"password file", nil, []string{"--rpc", passRPC, "--rpc-user", "u", "--rpc-pass-file", passFile}, ""},
		{"cookie and user", nil, []string{"--rpc", cookieRPC, "--rpc-cookie", cookie, "--rpc-user", "u"}, "--rpc-cookie gives the JSON-RPC user and password: drop --rpc-user"},
		{"password twice", map[string]string{"BLOCKSTACK_RPC_PASS": "x"}, []string{"--rpc", passRPC, "--rpc-pass-file", passFile}, "--rpc-pass and --rpc-pass-file are both set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			stdout, _, err := runRoot(t, append(tc.args, "chain", "tip")...)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("chain tip: %v", err)
			case tc.want == "" && !strings.HasPrefix(stdout, "101 "):
				t.Fatalf("chain tip printed %q", stdout)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("chain tip: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestDevnetRefusesCookie: the devnet serves its own JSON-RPC, so a
// cookie (bitcoind's) is refused before anything starts, not ignored.
func TestDevnetRefusesCookie(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "devnet")
	_, _, err := runRoot(t, "--rpc-cookie", writeFile(t, ".cookie", "__cookie__:x"), "devnet", "--data-dir", dir)
	if err == nil || !strings.Contains(err.Error(), "the devnet serves its own JSON-RPC") {
		t.Fatalf("devnet --rpc-cookie: %v", err)
	}
	if _, serr := os.Stat(dir); serr == nil {
		t.Errorf("the refused devnet made %s", dir)
	}
}
