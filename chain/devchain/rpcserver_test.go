package devchain_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcjson"

	"github.com/go-blockstack/go-blockstack/chain/devchain"
)

// rpcCall posts one JSON-RPC request to the devchain's RPC server at url.
func rpcCall(ctx context.Context, url, method string, params ...any) (json.RawMessage, *btcjson.RPCError, error) {
	body, err := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.SetBasicAuth("u", "p")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Result json.RawMessage   `json:"result"`
		Error  *btcjson.RPCError `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, nil, err
	}
	return out.Result, out.Error, nil
}

func rpcServer(t *testing.T, c *devchain.Chain) *httptest.Server {
	srv := httptest.NewServer(devchain.NewRPCServer(c, "u", "p"))
	t.Cleanup(srv.Close)
	return srv
}

// TestGenerateCapped: generate and generatetoaddress mine at most 1000
// blocks a call and say so; a refused call mines nothing.
func TestGenerateCapped(t *testing.T) {
	ctx := context.Background()
	c := openChain(t, t.TempDir())
	srv := rpcServer(t, c)
	addr := c.FaucetAddress().EncodeAddress()
	cases := []struct {
		method string
		params []any
		mined  int // -1: refused
	}{
		{"generate", []any{3}, 3},
		{"generatetoaddress", []any{2, addr}, 2},
		{"generate", []any{1001}, -1},
		{"generatetoaddress", []any{1001, addr}, -1},
		{"generate", []any{-1}, -1},
	}
	for _, tc := range cases {
		before, _ := c.Tip(ctx)
		res, rerr, err := rpcCall(ctx, srv.URL, tc.method, tc.params...)
		if err != nil {
			t.Fatal(err)
		}
		after, _ := c.Tip(ctx)
		if tc.mined < 0 {
			if rerr == nil || rerr.Code != btcjson.ErrRPCInvalidParameter || !strings.Contains(rerr.Message, "at most 1000 blocks") {
				t.Errorf("%s %v: error %v, want an invalid parameter naming the cap", tc.method, tc.params, rerr)
			}
			if after != before {
				t.Errorf("%s %v: refused but the tip moved from %d to %d", tc.method, tc.params, before.Height, after.Height)
			}
			continue
		}
		var hashes []string
		if rerr != nil || json.Unmarshal(res, &hashes) != nil || len(hashes) != tc.mined || after.Height != before.Height+int64(tc.mined) {
			t.Errorf("%s %v: %s (%v), tip %d → %d; want %d blocks", tc.method, tc.params, res, rerr, before.Height, after.Height, tc.mined)
		}
	}
}

// TestGenerateYieldsAndStopsOnDisconnect: a long generate lets other
// requests in between its blocks, and stops when its client goes away.
func TestGenerateYieldsAndStopsOnDisconnect(t *testing.T) {
	c := openChain(t, t.TempDir())
	srv := rpcServer(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tips, err := c.SubscribeTips(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := <-tips

	reqCtx, disconnect := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, _, err := rpcCall(reqCtx, srv.URL, "generate", 1000)
		done <- err
	}()
	select {
	case tip := <-tips:
		if tip.Height <= start.Height {
			t.Fatalf("tip %d after generate began, want above %d", tip.Height, start.Height)
		}
	case err := <-done:
		t.Fatalf("generate 1000 returned (%v) before any tip was announced", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no block announced within 30 s of generate 1000")
	}
	// Between two blocks the chain lock is free: another request answers.
	res, rerr, err := rpcCall(ctx, srv.URL, "getblockcount")
	if err != nil || rerr != nil {
		t.Fatalf("getblockcount during generate: %v %v", err, rerr)
	}
	var count int64
	if err := json.Unmarshal(res, &count); err != nil || count <= start.Height || count >= start.Height+1000 {
		t.Fatalf("getblockcount during generate: %s, want between %d and %d", res, start.Height, start.Height+1000)
	}
	disconnect()
	<-done
	srv.Close() // waits for the generate handler to return
	end, _ := c.Tip(ctx)
	if end.Height >= start.Height+1000 {
		t.Fatalf("generate mined all 1000 blocks (tip %d) after its client went away", end.Height)
	}
	if _, err := c.Mine(ctx, 1); err != nil {
		t.Fatalf("mining after a stopped generate: %v", err)
	}
}
