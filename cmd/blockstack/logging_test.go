package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/chain/devchain"
	"github.com/go-blockstack/go-blockstack/internal/syncbuf"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// serverRun is a server command run in-process by startServer.
type serverRun struct {
	stdout, stderr *syncbuf.Buffer
	cancel         context.CancelFunc
	done           chan error
	stopped        bool
}

// startServer runs blockstack ARGS in-process until stop or the test's
// end; the environment is the test's (t.Setenv).
func startServer(t *testing.T, args ...string) *serverRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &serverRun{stdout: &syncbuf.Buffer{}, stderr: &syncbuf.Buffer{}, cancel: cancel, done: make(chan error, 1)}
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(r.stdout)
	root.SetErr(r.stderr)
	go func() { r.done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// waitOut waits until the command's standard output holds want.
func (r *serverRun) waitOut(t *testing.T, want string) {
	t.Helper()
	waitfor.True(t, 60*time.Second, "output "+want, func() bool {
		select {
		case err := <-r.done:
			r.done <- err
			t.Fatalf("the command stopped: %v\n%s%s", err, r.stdout, r.stderr)
		default:
		}
		return strings.Contains(r.stdout.String(), want)
	})
}

// stop ends the command as Ctrl-C does and returns its log lines.
func (r *serverRun) stop(t *testing.T) []string {
	t.Helper()
	if !r.stopped {
		r.stopped = true
		r.cancel()
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("the command stopped with %v\n%s", err, r.stderr)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("the command runs on 30 s after Ctrl-C:\n%s", r.stderr)
		}
	}
	s := strings.TrimSpace(r.stderr.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

var textLevelRE = regexp.MustCompile(`^time=\S+ level=([A-Z]+) msg=`)

// logLevels parses lines as the log of format and returns the level of
// each, failing on a line that is not a log line of that format.
func parseLog(t *testing.T, format string, lines []string) (levels, msgs []string) {
	t.Helper()
	for _, l := range lines {
		if format == "json" {
			var m struct{ Time, Level, Msg string }
			if err := json.Unmarshal([]byte(l), &m); err != nil || m.Time == "" || m.Level == "" {
				t.Fatalf("not a JSON log line (%v): %s", err, l)
			}
			levels, msgs = append(levels, m.Level), append(msgs, m.Msg)
			continue
		}
		m := textLevelRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("not a text log line: %s", l)
		}
		levels, msgs = append(levels, m[1]), append(msgs, l)
	}
	return levels, msgs
}

func get(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func count(ss []string, want string) int {
	n := 0
	for _, s := range ss {
		if s == want || strings.Contains(s, `msg="`+want+`"`) || strings.Contains(s, "msg="+want+" ") {
			n++
		}
	}
	return n
}

// TestDevnetLogLevels: devnet writes its log (stderr) from --log-level in
// --log-format, each also from $BLOCKSTACK_LOG_LEVEL and
// $BLOCKSTACK_LOG_FORMAT, the flag winning; its banner on stdout is the
// same whatever the log.
func TestDevnetLogLevels(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three devnets")
	}
	for _, tc := range []struct {
		name      string
		env, args []string
		format    string
		minLevel  string // no line below it
		wantMined bool   // "mined block" (INFO) lines
		wantDebug bool   // the API's per-request line
	}{
		{name: "warn", args: []string{"--log-level", "warn"}, format: "text", minLevel: "WARN"},
		{name: "env json debug", env: []string{logFormatEnv, "json", logLevelEnv, "debug"}, format: "json",
			minLevel: "DEBUG", wantMined: true, wantDebug: true},
		{name: "flag beats env", env: []string{logFormatEnv, "json", logLevelEnv, "error"},
			args: []string{"--log-level", "info", "--log-format", "text"}, format: "text", minLevel: "INFO", wantMined: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HOME", t.TempDir())
			for i := 0; i < len(tc.env); i += 2 {
				t.Setenv(tc.env[i], tc.env[i+1])
			}
			api := freeAddr(t)
			r := startServer(t, append([]string{"devnet", "--data-dir", t.TempDir(), "--block-interval", "20ms",
				"--rpc-addr", freeAddr(t), "--api-addr", api, "--hub-addr", freeAddr(t), "--app-addr", freeAddr(t),
				"--atlas-addr", freeAddr(t)}, tc.args...)...)
			r.waitOut(t, "  block interval: 20ms\n")
			if !strings.HasPrefix(r.stdout.String(), "devnet running (Ctrl-C stops it)\n  data dir: ") {
				t.Fatalf("banner:\n%s", r.stdout)
			}
			// Mined blocks, each an INFO line.
			waitfor.True(t, 60*time.Second, "three blocks mined and indexed", func() bool {
				resp, err := http.Get("http://" + api + "/v1/info")
				if err != nil {
					return false
				}
				defer resp.Body.Close()
				var info struct {
					LastBlockProcessed int64 `json:"last_block_processed"`
				}
				return json.NewDecoder(resp.Body).Decode(&info) == nil && info.LastBlockProcessed >= 104
			})
			get(t, "http://"+api+"/v1/node/ping")
			levels, msgs := parseLog(t, tc.format, r.stop(t))
			order := map[string]int{"DEBUG": 0, "INFO": 1, "WARN": 2, "ERROR": 3}
			for i, l := range levels {
				if order[l] < order[tc.minLevel] {
					t.Errorf("a %s line below --log-level %s: %s", l, tc.minLevel, msgs[i])
				}
			}
			if got := count(msgs, "mined block") > 0; got != tc.wantMined {
				t.Errorf("mined block lines: %v, want %v:\n%s", got, tc.wantMined, r.stderr)
			}
			if got := count(msgs, "api") > 0; got != tc.wantDebug {
				t.Errorf("API access lines: %v, want %v:\n%s", got, tc.wantDebug, r.stderr)
			}
		})
	}
}

// TestHubLogLevels: a hub under requests writes no line per request at the
// default level; at --log-level debug it writes one per request (the
// access log); --log-format json makes every line a JSON object.
func TestHubLogLevels(t *testing.T) {
	for _, level := range []string{"", "debug"} {
		t.Run("level="+level, func(t *testing.T) {
			addr := freeAddr(t)
			args := []string{"hub", "--listen", addr, "--data-dir", t.TempDir(), "--log-format", "json"}
			if level != "" {
				args = append(args, "--log-level", level)
			}
			r := startServer(t, args...)
			waitfor.True(t, 30*time.Second, "the hub answers", func() bool {
				resp, err := http.Get("http://" + addr + "/hub_info")
				if err != nil {
					return false
				}
				resp.Body.Close()
				return resp.StatusCode == http.StatusOK
			})
			const n = 50
			for range n {
				get(t, "http://"+addr+"/hub_info")
				get(t, "http://"+addr+"/read/1BitcoinEaterAddressDontSendf59kuE/missing")
			}
			_, msgs := parseLog(t, "json", r.stop(t))
			reqs := count(msgs, "gaia request")
			if level == "" && (reqs != 0 || len(msgs) > 2) {
				t.Fatalf("a hub on the default level under %d requests logged %d lines, %d access lines:\n%s", 2*n, len(msgs), reqs, r.stderr)
			}
			if level == "debug" && reqs < 2*n {
				t.Fatalf("%d access lines at debug for %d requests:\n%s", reqs, 2*n, r.stderr)
			}
			if count(msgs, "gaia hub listening") != 1 {
				t.Fatalf("no INFO line saying where the hub listens:\n%s", r.stderr)
			}
		})
	}
}

// TestNodeAndDNSLogLevels: node and dns take --log-level and --log-format
// (here from the environment for dns): at debug, in JSON, the node's API
// logs its requests and the DNS server a new tip.
func TestNodeAndDNSLogLevels(t *testing.T) {
	dir := t.TempDir()
	c, err := devchain.Open(devchain.Config{DataDir: filepath.Join(dir, "chain"), NoSync: true, CoinbaseMaturity: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rpcSrv := httptest.NewServer(devchain.NewRPCServer(c, "u", "p"))
	defer rpcSrv.Close()
	api := freeAddr(t)
	node := startServer(t, "--rpc", strings.TrimPrefix(rpcSrv.URL, "http://"), "--rpc-user", "u", "--rpc-pass", "p",
		"node", "--data-dir", filepath.Join(dir, "node"), "--api-addr", api, "--atlas-addr", "",
		"--log-level", "debug", "--log-format", "json")
	node.waitOut(t, "API at http://")
	get(t, "http://"+api+"/v1/node/ping")

	t.Setenv(logLevelEnv, "debug")
	t.Setenv(logFormatEnv, "json")
	dns := startServer(t, "--node", "http://"+api, "dns", "--listen", freeAddr(t), "--dns-poll", "20ms")
	dns.waitOut(t, "DNS for BNS names at ")
	if _, err := c.Mine(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	waitfor.True(t, 30*time.Second, "the DNS server sees the new tip", func() bool {
		return strings.Contains(dns.stderr.String(), `"msg":"dns cache dropped"`)
	})
	levels, _ := parseLog(t, "json", dns.stop(t))
	if len(levels) == 0 || levels[len(levels)-1] != "DEBUG" {
		t.Errorf("dns's log at debug:\n%s", dns.stderr)
	}
	levels, msgs := parseLog(t, "json", node.stop(t))
	debug := 0
	for i, l := range levels {
		if l == "DEBUG" && msgs[i] == "api" {
			debug++
		}
	}
	if debug == 0 {
		t.Errorf("the node at --log-level debug logged no API request:\n%s", node.stderr)
	}
}

// TestLogFlagsOnEveryServerCommand: each server command refuses a bad
// --log-level or --log-format, from the flag or from the environment,
// before it starts anything.
func TestLogFlagsOnEveryServerCommand(t *testing.T) {
	for _, cmd := range [][]string{{"node"}, {"devnet"}, {"hub"}, {"registrar", "--domain", "foo.test"}, {"dns"}} {
		for _, tc := range []struct {
			env, flag, want string
		}{
			{flag: "--log-level=loud", want: `invalid argument "loud" for "--log-level" flag: "loud" is not a log level`},
			{flag: "--log-format=xml", want: `invalid argument "xml" for "--log-format" flag: "xml" is not a log format`},
			{env: logLevelEnv, want: `$BLOCKSTACK_LOG_LEVEL (for --log-level): "xml" is not a log level`},
			{env: logFormatEnv, want: `$BLOCKSTACK_LOG_FORMAT (for --log-format): "xml" is not a log format`},
		} {
			t.Run(cmd[0]+tc.flag+tc.env, func(t *testing.T) {
				args := append([]string(nil), cmd...)
				if tc.flag != "" {
					args = append(args, tc.flag)
				} else {
					t.Setenv(tc.env, "xml")
				}
				root := newRootCmd()
				root.SetArgs(args)
				root.SetOut(io.Discard)
				root.SetErr(io.Discard)
				if err := root.Execute(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
					t.Fatalf("blockstack %s: %v, want %s", strings.Join(args, " "), err, tc.want)
				}
			})
		}
	}
}
