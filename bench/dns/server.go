package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/go-blockstack/go-blockstack/bnsdns"
)

// serveEnv, set to a number of names, makes the program the bnsdns server
// of the benchmark instead of its driver: a process of its own, as
// blockstack dns is, so that the load generator does not share its Go
// runtime and its memory is measured as NSD's is.
const serveEnv = "BENCH_DNS_SERVE"

// signEnv, set to 1 beside serveEnv, makes the server sign (DNSSEC) with a
// key of its own.
const signEnv = "BENCH_DNS_SIGN"

// serveIfAsked is the server process when serveEnv asks for one: it
// serves until told to stop, then exits.
func serveIfAsked() {
	n := os.Getenv(serveEnv)
	if n == "" {
		return
	}
	names, err := strconv.Atoi(n)
	if err == nil {
		err = serve(names)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dns bench server:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serve is the server process: it serves names on a loopback port it
// prints, with a cache that holds them all, until its standard input
// closes.
func serve(names int) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var key *ecdsa.PrivateKey
	if os.Getenv(signEnv) == "1" {
		var err error
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return err
		}
	}
	s, err := bnsdns.New(bnsdns.Config{Source: source{names}, MaxEntries: names + 1, Poll: time.Hour, Key: key})
	if err != nil {
		return err
	}
	if err := s.Refresh(ctx); err != nil {
		return err
	}
	pc, ln, err := bnsdns.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- s.Run(ctx, pc, ln) }()
	fmt.Println(pc.LocalAddr())
	go func() { // the driver closes our input to stop us
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return <-served
}

// serverProcess is the bnsdns server process the driver started.
type serverProcess struct {
	cmd   *exec.Cmd
	stdin io.Closer
	addr  string
}

// startServer runs this program as the server of names (signing them if
// sign) and reads the address it serves at.
func startServer(names int, sign bool) (*serverProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), serveEnv+"="+strconv.Itoa(names))
	if sign {
		cmd.Env = append(cmd.Env, signEnv+"=1")
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("the bnsdns server process printed no address: %w", err)
	}
	return &serverProcess{cmd: cmd, stdin: stdin, addr: strings.TrimSpace(addr)}, nil
}

// stop closes the server's input and waits for it to end.
func (p *serverProcess) stop() error {
	p.stdin.Close()
	if err := p.cmd.Wait(); err != nil {
		return fmt.Errorf("the bnsdns server process: %w", err)
	}
	return nil
}
