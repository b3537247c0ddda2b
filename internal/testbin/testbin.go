// Package testbin finds the external programs that integration tests run
// (btcd, versitygw, node) and the npm packages they load, reports on them,
// and runs those that are servers (Start). It owns the one convention those
// tests share: a missing program skips the test with a loud message, or
// fails it when the environment variable CI is true, so that CI never
// passes by skipping.
package testbin

import (
	"bufio"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// TB is the part of testing.TB that finding and running programs needs:
// a *testing.T or *testing.B is one, and so is the runner of a benchmark
// command (bench/gaia -drivers) that starts the same servers outside go
// test.
type TB interface {
	Helper()
	Cleanup(func())
	Failed() bool
	Logf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
	TempDir() string
}

// Require returns the path of the program name, or ends the test: skipped
// with a loud message, or failed under CI=true. install says how to get it.
func Require(t TB, name, install, what string) string {
	t.Helper()
	bin, err := Find(name)
	if err != nil {
		missing(t, fmt.Sprintf("!!! %s not found (%v); install with %s ; %s are NOT run !!!", name, err, install, what))
	}
	return bin
}

// RequireNpm ends the test, as Require does, unless the npm package pkg is
// installed in dir (by npm ci from dir's lockfile, as .ci/run does).
func RequireNpm(t TB, dir, pkg, what string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg)); err != nil {
		missing(t, fmt.Sprintf("!!! %s not installed; run npm ci --prefix %s ; %s are NOT run !!!", pkg, dir, what))
	}
}

// missing skips the test with msg, or fails it under CI=true.
func missing(t TB, msg string) {
	t.Helper()
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Find looks the program up on PATH, then in $(go env GOPATH)/bin, where
// `go install` puts it.
func Find(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	var tried []string
	for _, gp := range filepath.SplitList(build.Default.GOPATH) {
		p := filepath.Join(gp, "bin", name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("not on PATH nor at %s", strings.Join(tried, ", "))
}

// Tail returns the last n lines of a file (a program's captured output).
func Tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
