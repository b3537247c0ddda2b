package hostile

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/internal/syncbuf"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// bound is how long any service of the devnet may take to answer a client
// that is not the attacker, during or after an attack.
const bound = 5 * time.Second

// system is one devnet under attack, shared by the tests of a run (they
// run one after another), with what it acknowledged before the attacks.
type system struct {
	cmd  *exec.Cmd
	log  *syncbuf.Buffer
	exit chan error // the process's end

	rpc, api, atlas, hub, app string // host:port of each service

	hubConn *storage.Hub
	key     *btcec.PrivateKey
	files   map[string][]byte // stored on the hub before any attack
	tip     int64             // the chain's height before any attack
}

var (
	sysOnce sync.Once
	sys     *system
	sysErr  error
	tmpDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sys != nil {
		sys.stop()
	}
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// devnet starts the devnet on first use (building the binary from this
// checkout) and checks that it is healthy.
func devnet(t testing.TB) *system {
	t.Helper()
	if testing.Short() {
		t.Skip("the hostile suite runs a devnet")
	}
	sysOnce.Do(func() { sys, sysErr = start() })
	if sysErr != nil {
		t.Fatal(sysErr)
	}
	sys.check(t)
	return sys
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func start() (*system, error) {
	var err error
	if tmpDir, err = os.MkdirTemp("", "hostile"); err != nil {
		return nil, err
	}
	// HOSTILE_BIN attacks another build (an older one, to see the suite
	// catch what it fixed); by default the suite builds this checkout's.
	bin := os.Getenv("HOSTILE_BIN")
	if bin == "" {
		bin = filepath.Join(tmpDir, "blockstack")
		if out, err := exec.Command("go", "build", "-o", bin, "../cmd/blockstack").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	s := &system{log: &syncbuf.Buffer{}, exit: make(chan error, 1), files: map[string][]byte{}}
	for _, a := range []*string{&s.rpc, &s.api, &s.atlas, &s.hub, &s.app} {
		if *a, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	s.cmd = exec.Command(bin, "devnet", "--data-dir", filepath.Join(tmpDir, "devnet"), "--block-interval", "0",
		"--rpc-addr", s.rpc, "--api-addr", s.api, "--atlas-addr", s.atlas, "--hub-addr", s.hub, "--app-addr", s.app)
	s.cmd.Env = append(os.Environ(), "HOME="+tmpDir)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.exit <- s.cmd.Wait() }()
	if !waitfor.Poll(2*time.Minute, func() bool { return s.probeAll() == nil }) {
		err := s.probeAll()
		s.stop()
		return nil, fmt.Errorf("the devnet did not come up: %v\n%s", err, s.logTail())
	}
	if err := s.acknowledge(); err != nil {
		s.stop()
		return nil, fmt.Errorf("storing what the attacks must not lose: %v", err)
	}
	return s, nil
}

// logTail is the end of the devnet's log, where its last words are.
func (s *system) logTail() string {
	l := s.log.String()
	return l[max(0, len(l)-8<<10):]
}

// alive fails the test if the devnet's process has ended.
func (s *system) alive(t testing.TB) {
	t.Helper()
	select {
	case err := <-s.exit:
		s.exit <- err
		t.Fatalf("the devnet died: %v\n%s", err, s.logTail())
	default:
	}
}

func (s *system) stop() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-s.exit:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exit
	}
}

// acknowledge stores files on the hub and mines a block: what every attack
// must leave as it was.
func (s *system) acknowledge() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	key, err := btcec.NewPrivateKey()
	if err != nil {
		return err
	}
	s.key = key
	if s.hubConn, err = storage.Connect(ctx, storage.Config{HubURL: "http://" + s.hub, AppKey: key, HTTPClient: otherClient()}); err != nil {
		return err
	}
	for i := range 3 {
		data := make([]byte, 1000*(i+1))
		rand.Read(data)
		path := fmt.Sprintf("kept/%d.bin", i)
		if _, err := s.hubConn.PutFile(ctx, path, data, storage.PutOptions{}); err != nil {
			return err
		}
		s.files[path] = data
	}
	var hashes []string
	if err := s.rpcCall(otherClient(), "generate", []any{1}, &hashes); err != nil {
		return err
	}
	return s.rpcCall(otherClient(), "getblockcount", nil, &s.tip)
}

// otherClient is a client that is not the attacker: it calls from
// 127.0.0.2, so that per-address limits the attacker (on 127.0.0.1) meets
// do not apply to it, and it waits at most bound for any answer.
func otherClient() *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: bound}
	return &http.Client{Timeout: bound, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// rpcCall makes a JSON-RPC call to the devnet's chain.
func (s *system) rpcCall(hc *http.Client, method string, params []any, result any) error {
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": 1, "method": method, "params": params})
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.rpc+"/", bytes.NewReader(body))
	req.SetBasicAuth("devnet", "devnet")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return fmt.Errorf("%s: HTTP %d: %w", method, resp.StatusCode, err)
	}
	if out.Error != nil {
		return fmt.Errorf("%s: %d %s", method, out.Error.Code, out.Error.Message)
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(out.Result, result)
}

// probeAll asks each service one ordinary question as a client that is
// not the attacker; nil if every one answered it within bound.
func (s *system) probeAll() error {
	hc := otherClient()
	var errs []error
	get := func(what, url string) {
		resp, err := hc.Get(url)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
			return
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			errs = append(errs, fmt.Errorf("%s: HTTP %d", what, resp.StatusCode))
		}
	}
	get("API", "http://"+s.api+"/v1/info")
	get("explorer", "http://"+s.api+"/")
	get("hub", "http://"+s.hub+"/hub_info")
	get("app", "http://"+s.app+"/")
	if err := s.rpcCall(hc, "getblockcount", nil, nil); err != nil {
		errs = append(errs, fmt.Errorf("chain RPC: %w", err))
	}
	resp, err := hc.Post("http://"+s.atlas+atlas.Path, "application/json", strings.NewReader(`{"method":"ping"}`))
	if err != nil {
		errs = append(errs, fmt.Errorf("atlas: %w", err))
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			errs = append(errs, fmt.Errorf("atlas: HTTP %d", resp.StatusCode))
		}
	}
	return errors.Join(errs...)
}

// check fails the test unless the devnet still runs, every service
// answers another client within bound, and what it acknowledged is intact.
func (s *system) check(t testing.TB) {
	t.Helper()
	s.alive(t)
	if err := s.probeAll(); err != nil {
		t.Fatalf("the devnet does not serve others within %s: %v", bound, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	for path, want := range s.files {
		got, _, err := s.hubConn.GetFile(ctx, path, storage.GetOptions{})
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("the hub lost %s: %d bytes, %v", path, len(got), err)
		}
	}
	var tip int64
	if err := s.rpcCall(otherClient(), "getblockcount", nil, &tip); err != nil || tip < s.tip {
		t.Fatalf("the chain's tip went from %d to %d (%v)", s.tip, tip, err)
	}
}
