package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles blockstack once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "blockstack-test-bin")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "blockstack")
		if out, err := exec.Command("go", "build", "-o", built.path, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// built is the binary the tests run, built once for all of them (a build
// per test was most of the package's time); TestMain removes it.
var built struct {
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}

// repoRoot is where README.md and go.mod are, from this package.
const repoRoot = "../.."

// readmeAfter is README.md from the first marker on, or ends the test.
func readmeAfter(t *testing.T, marker string) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), marker)
	if !ok {
		t.Fatalf("README.md has no %q", marker)
	}
	return after
}

// readmeDevnetCommand returns the package and the arguments of the `go run`
// command README.md's quick start gives for running the devnet.
func readmeDevnetCommand(t *testing.T) (pkg string, args []string) {
	t.Helper()
	quick, _, _ := strings.Cut(readmeAfter(t, "## Quick start"), "\n## ")
	for _, line := range strings.Split(quick, "\n") {
		line, _, _ = strings.Cut(line, "#")
		if f := strings.Fields(line); len(f) >= 4 && f[0] == "go" && f[1] == "run" && f[len(f)-1] == "devnet" {
			return f[2], f[3:]
		}
	}
	t.Fatalf("README.md's quick start has no `go run … devnet` command:\n%s", quick)
	return "", nil
}

var (
	minedRE     = regexp.MustCompile(`msg="mined block" height=(\d+)`)
	devnetDirRE = regexp.MustCompile(`^\s*data dir:\s+(\S+)`)
	devnetTipRE = regexp.MustCompile(`^\s*tip:\s+(\d+) `)
)

// devnetRun is what one run of the README's devnet printed.
type devnetRun struct {
	dataDir string
	tip     int // the tip it started on
	mined   int // the height of the first block it mined
}

// runReadmeDevnet runs bin, built from the README's package, with the
// README's arguments, as a new user whose home directory is home; waits for
// its first mined block at the default block interval, and stops it as
// Ctrl-C in a terminal does: SIGINT to its process group. The only flags
// added move its listen addresses to free ports, so that it does not
// collide with a devnet already running on the defaults. (`go run` itself,
// interrupted, exits 1 whatever its program does: the program's own exit
// status is what says it stopped cleanly.)
func runReadmeDevnet(t *testing.T, bin string, readmeArgs []string, home string) devnetRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append(append([]string(nil), readmeArgs...), "--rpc-addr", freeAddr(t), "--api-addr", freeAddr(t),
		"--hub-addr", freeAddr(t), "--app-addr", freeAddr(t), "--atlas-addr", freeAddr(t))
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+home) // a fresh default state folder
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout // the log (mined blocks) and the banner, in order
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	group := -cmd.Process.Pid
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var log []string
	fail := func(format string, args ...any) {
		t.Helper()
		_ = syscall.Kill(group, syscall.SIGKILL)
		for range lines {
		}
		_ = cmd.Wait()
		t.Fatalf(format+"\noutput:\n%s", append(args, strings.Join(log, "\n"))...)
	}

	run := devnetRun{tip: -1, mined: -1}
	for run.mined < 0 {
		select {
		case line, ok := <-lines:
			if !ok {
				fail("devnet exited before mining a block")
			}
			log = append(log, line)
			if m := devnetDirRE.FindStringSubmatch(line); m != nil {
				run.dataDir = m[1]
			}
			if m := devnetTipRE.FindStringSubmatch(line); m != nil {
				run.tip, _ = strconv.Atoi(m[1])
			}
			if m := minedRE.FindStringSubmatch(line); m != nil {
				run.mined, _ = strconv.Atoi(m[1])
			}
		case <-ctx.Done():
			fail("no block mined within %v", 2*time.Minute)
		}
	}

	if err := syscall.Kill(group, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	stopped := time.After(30 * time.Second)
	for drained := false; !drained; {
		select {
		case line, ok := <-lines:
			drained = !ok
			log = append(log, line)
		case <-stopped:
			fail("devnet still running 30 s after Ctrl-C")
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("devnet after Ctrl-C: %v\noutput:\n%s", err, strings.Join(log, "\n"))
	}
	if !strings.Contains(strings.Join(log, "\n"), "devnet stopping") {
		t.Errorf("devnet did not say it was stopping:\n%s", strings.Join(log, "\n"))
	}
	return run
}

// TestDevnetFromReadme: the README's devnet command (the program its
// `go run` builds, with its arguments), run by a new user (nothing in their
// home directory) on its defaults (state folder, 5 s block interval),
// prints where its state is, reaches a mined block, stops cleanly on
// Ctrl-C, and a second run resumes the same chain.
func TestDevnetFromReadme(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the README's devnet")
	}
	pkg, args := readmeDevnetCommand(t)
	bin := filepath.Join(t.TempDir(), "blockstack")
	build := exec.Command("go", "build", "-o", bin, pkg)
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	home := t.TempDir()
	wantDir := filepath.Join(home, ".blockstack", "devnet")

	first := runReadmeDevnet(t, bin, args, home)
	if first.dataDir != wantDir {
		t.Errorf("data dir %q, want the new user's default %q", first.dataDir, wantDir)
	}
	if first.tip != 101 || first.mined != 102 {
		t.Fatalf("fresh devnet started at tip %d and mined height %d, want 101 (pre-mined) and 102", first.tip, first.mined)
	}
	if _, err := os.Stat(filepath.Join(wantDir, "chain", "chain.db")); err != nil {
		t.Fatalf("no chain database in the default state folder: %v", err)
	}

	second := runReadmeDevnet(t, bin, args, home)
	if second.tip < first.mined || second.mined != second.tip+1 {
		t.Fatalf("second run started at tip %d and mined %d; the first had mined %d: state not resumed",
			second.tip, second.mined, first.mined)
	}
}

// TestDevnetHubConfig: devnet runs its hub with the configuration file it
// is given (here a small upload limit), as blockstack hub --config does.
func TestDevnetHubConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hub.json")
	if err := os.WriteFile(cfg, []byte(`{"maxFileUploadSize": 0.5}`), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDevnetWith(t, bin, filepath.Join(dir, "devnet"), "--hub-config", cfg)
	resp, err := http.Get(d.hub + "/hub_info")
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Max float64 `json:"max_file_upload_size_megabytes"`
	}
	err = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if err != nil || info.Max != 0.5 {
		t.Fatalf("hub_info: %+v %v, want a 0.5 MB limit", info, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "devnet", "gaia")); err != nil {
		t.Fatalf("the hub's files are not in the devnet's data dir: %v", err)
	}
}

// TestDevnetFailedStartLeavesNothing: a devnet that cannot start (its RPC
// address is taken) exits non-zero saying why, and removes the state
// folder it made; a folder that was there before stays.
func TestDevnetFailedStartLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, existed := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "devnet")
		if existed {
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		out, err := exec.Command(bin, "devnet", "--data-dir", dir, "--rpc-addr", taken.Addr().String(),
			"--api-addr", "127.0.0.1:0", "--hub-addr", "127.0.0.1:0", "--app-addr", "127.0.0.1:0", "--atlas-addr", "127.0.0.1:0").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "address already in use") {
			t.Fatalf("devnet on a taken address: %v\n%s", err, out)
		}
		_, statErr := os.Stat(dir)
		if existed != (statErr == nil) {
			t.Errorf("folder there before: %v; after the failed start: %v", existed, statErr)
		}
	}
}
