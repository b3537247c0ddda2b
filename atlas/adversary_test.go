package atlas_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// adversary wraps a real node's RPC handler and misbehaves in one way,
// answering getinfo and ping honestly so that it passes the new-peer
// checks. It speaks the wire format from scratch, as an attacker would.
type adversary struct {
	kind  int // liar, braggart, sloth or flooder (TestMaliciousPeers)
	next  http.Handler
	slow  time.Duration
	fakes []string
	self  string

	mu    sync.Mutex
	dealt map[string]bool // callers it misbehaved towards
	count int
}

// The envelope, as on the wire.
type wireRequest struct {
	Method string          `json:"method"`
	Peer   string          `json:"peer,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
}

type wireReply struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

func (a *adversary) served() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.count
}

func (a *adversary) dealtWith(caller string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.dealt[caller]
}

func (a *adversary) note(caller string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dealt == nil {
		a.dealt = map[string]bool{}
	}
	a.dealt[caller] = true
	a.count++
}

func (a *adversary) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req wireRequest
	_ = json.Unmarshal(body, &req)
	r.Body = io.NopCloser(bytes.NewReader(body))
	const (
		liar = iota
		braggart
		sloth
		flooder
	)
	switch {
	case req.Method == "getinfo" || req.Method == "ping":
		a.next.ServeHTTP(w, r)
	case a.kind == sloth:
		a.note(req.Peer)
		select {
		case <-time.After(a.slow):
		case <-r.Context().Done():
			return
		}
		a.next.ServeHTTP(w, r)
	case a.kind == flooder && req.Method == "peer_exchange":
		a.note(req.Peer)
		// More than the limit, some malformed, the rest unreachable.
		peers := append([]string{"not an address", "999.1.1.1:1"}, a.fakes...)
		peers = append(peers, a.fakes...)
		writeWire(w, map[string]any{"peers": peers})
	case (a.kind == liar || a.kind == braggart) && req.Method == "get_zonefile_inventory":
		// Claim every file.
		rec := httptest.NewRecorder()
		a.next.ServeHTTP(rec, r)
		var rep wireReply
		var f struct {
			Offset int    `json:"offset"`
			Count  int    `json:"count"`
			Inv    []byte `json:"inv"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &rep) != nil || json.Unmarshal(rep.Result, &f) != nil {
			http.Error(w, "adversary: bad inner reply", http.StatusInternalServerError)
			return
		}
		for i := range f.Inv {
			f.Inv[i] = 0xff
		}
		if r := f.Count % 8; r != 0 {
			f.Inv[len(f.Inv)-1] = 0xff << (8 - r)
		}
		writeWire(w, f)
	case (a.kind == liar || a.kind == braggart) && req.Method == "get_zonefiles":
		a.note(req.Peer)
		var p struct {
			Hashes []string `json:"hashes"`
		}
		_ = json.Unmarshal(req.Params, &p)
		out := map[string][]byte{}
		if a.kind == liar {
			for _, h := range p.Hashes {
				out[h] = []byte("$ORIGIN evil.id\n$TTL 3600\n_http._tcp URI 10 1 \"https://evil.example/" + h + "\"\n")
			}
		}
		writeWire(w, map[string]any{"zonefiles": out})
	default:
		a.next.ServeHTTP(w, r)
	}
}

func writeWire(w http.ResponseWriter, result any) {
	raw, _ := json.Marshal(result)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(wireReply{Result: raw})
}

// fakeAddrs returns loopback addresses where nothing listens.
func fakeAddrs(n int) []string {
	var out []string
	for len(out) < n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			break
		}
		out = append(out, ln.Addr().String())
		ln.Close()
	}
	return out
}

// wireCall sends one request from scratch.
func wireCall(ctx context.Context, addr string, req wireRequest) error {
	body, _ := json.Marshal(req)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/v1/atlas", bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// introduce makes the node at from known to the node at to, as a new node
// does: a peer exchange call giving its address.
func introduce(ctx context.Context, from, to string) {
	_ = wireCall(ctx, to, wireRequest{Method: "peer_exchange", Peer: from})
}

// floodCallers calls the targets' peer exchange over and over, each time
// claiming another loopback address where nothing listens.
func (a *adversary) floodCallers(ctx context.Context, targets []string) {
	for ctx.Err() == nil {
		for _, t := range targets {
			port := 20000 + rand.IntN(40000)
			_ = wireCall(ctx, t, wireRequest{Method: "peer_exchange", Peer: fmt.Sprintf("127.0.0.1:%d", port)})
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
}
