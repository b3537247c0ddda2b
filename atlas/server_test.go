package atlas_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/atlas/atlastest"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// serveNode runs one node's RPC (its loops too, so that it reads the
// chain) over a store holding files[i] for each i in held.
func serveNode(t *testing.T, files [][]byte, held []int, limits atlas.Limits, blacklist ...string) *httptest.Server {
	t.Helper()
	return serveNodeWith(t, files, held, atlas.Config{Limits: limits, Blacklist: blacklist}, nil)
}

// serveNodeWith is serveNode with cfg's Limits, Timing (fast where zero)
// and Blacklist, and the chain view passed through wrap if it is not nil.
func serveNodeWith(t *testing.T, files [][]byte, held []int, cfg atlas.Config, wrap func(atlas.Chain) atlas.Chain) *httptest.Server {
	t.Helper()
	chain := atlastest.NewChain("atlastest")
	chain.Name(atlastest.Hashes(files)...)
	var view atlas.Chain = chain
	if wrap != nil {
		view = wrap(chain)
	}
	st, err := store.Open(t.TempDir(), chain, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, i := range held {
		if _, _, err := st.Put(context.Background(), files[i]); err != nil {
			t.Fatal(err)
		}
	}
	if cfg.Timing == (atlas.Timing{}) {
		cfg.Timing = atlastest.FastTiming()
	}
	cfg.Network, cfg.Chain, cfg.Store = "atlastest", view, st
	n, err := atlas.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Run(ctx)
	}()
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
	})
	// Wait for the first chain read.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if err := atlastest.Wait(ctx2, 5*time.Millisecond, func() bool { return n.Status().Inventory == len(files) }); err != nil {
		t.Fatal("the node did not read its chain")
	}
	return srv
}

// testClient bounds each call, so that a node that stops answering fails
// the test at once instead of at the test binary's timeout.
var testClient = &http.Client{Timeout: 10 * time.Second}

func post(t *testing.T, url, contentEncoding string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if contentEncoding != "" {
		req.Header.Set("Content-Encoding", contentEncoding)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("reply is not JSON: %q", raw)
	}
	return resp.StatusCode, out
}

func rpcBody(method string, params any) []byte {
	b, _ := json.Marshal(map[string]any{"method": method, "params": params})
	return b
}

func hexes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%040x", i)
	}
	return out
}

func addrs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("10.0.0.1:%d", i+1)
	}
	return out
}

func b64s(files ...[]byte) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = base64.StdEncoding.EncodeToString(f)
	}
	return out
}

// TestRPC: each method's answers and every limit, as seen on the wire.
func TestRPC(t *testing.T) {
	files := atlastest.Zonefiles(0, 10)
	// Files 2, 3 and 9 held: offsets and counts are in bits.
	srv := serveNode(t, files, []int{2, 3, 9}, atlas.Limits{}, "127.0.0.1:9")
	url := srv.URL + atlas.Path
	h2 := zonefile.HashOf(files[2]).String()
	big := bytes.Repeat([]byte("x"), zonefile.MaxSize+1)
	for _, tc := range []struct {
		name     string
		method   string // HTTP method, POST if empty
		path     string
		encoding string
		body     []byte
		status   int
		want     string // in the JSON reply
	}{
		{"ping", "", "", "", rpcBody("ping", nil), 200, `"status":"alive"`},
		{"getinfo", "", "", "", rpcBody("getinfo", map[string]any{"height": 5}), 200, `"zonefile_count":10`},
		{"inventory from bit 1", "", "", "", rpcBody("get_zonefile_inventory", map[string]int{"offset": 1, "count": 9}), 200,
			// bits 1..9 of 0011000001: 011000001
			`"count":9,"inv":"YIA="`},
		{"inventory clipped", "", "", "", rpcBody("get_zonefile_inventory", map[string]int{"offset": 8, "count": 100}), 200, `"count":2,"inv":"QA=="`},
		{"inventory past the end", "", "", "", rpcBody("get_zonefile_inventory", map[string]int{"offset": 50, "count": 8}), 200, `"count":0`},
		{"inventory count too big", "", "", "", rpcBody("get_zonefile_inventory", map[string]int{"offset": 0, "count": atlas.MaxInventoryBits + 1}), 400, "count"},
		{"inventory negative offset", "", "", "", rpcBody("get_zonefile_inventory", map[string]int{"offset": -1, "count": 1}), 400, "offset"},
		{"get held and not", "", "", "", rpcBody("get_zonefiles", map[string]any{"hashes": []string{h2, hexes(1)[0]}}), 200,
			`"` + h2 + `":"` + b64s(files[2])[0] + `"`},
		{"get too many", "", "", "", rpcBody("get_zonefiles", map[string]any{"hashes": hexes(101)}), 400, "at most 100"},
		{"get bad hash", "", "", "", rpcBody("get_zonefiles", map[string]any{"hashes": []string{"xyz"}}), 400, "hash"},
		{"put", "", "", "", rpcBody("put_zonefiles", map[string]any{"zonefiles": b64s(files[0], files[2], []byte("unnamed"), big)}), 200,
			`"results":["saved","present","unnamed","invalid"]`},
		{"put too many", "", "", "", rpcBody("put_zonefiles", map[string]any{"zonefiles": b64s(make([][]byte, 101)...)}), 400, "at most 100"},
		{"announce too many ranges", "", "", "", rpcBody("announce", map[string]any{"ranges": make([]map[string]any, 129)}), 400, "at most 128"},
		{"announce too many bits", "", "", "", rpcBody("announce", map[string]any{"ranges": []map[string]any{
			{"offset": 0, "count": atlas.MaxInventoryBits, "inv": make([]byte, atlas.MaxInventoryBits/8)},
			{"offset": 0, "count": 8, "inv": []byte{0}}}}), 400, "bits per announce"},
		{"announce bad padding", "", "", "", rpcBody("announce", map[string]any{"ranges": []map[string]any{{"offset": 0, "count": 1, "inv": []byte{0xff}}}}), 400, "padding"},
		{"put covered too long", "", "", "", rpcBody("put_zonefiles", map[string]any{"zonefiles": []string{}, "covered": addrs(129)}), 400, "at most 128 covered"},
		{"announce bad covered", "", "", "", rpcBody("announce", map[string]any{"ranges": []any{}, "covered": []string{"nope"}}), 400, "covered"},
		{"peer exchange", "", "", "", rpcBody("peer_exchange", nil), 200, `"peers":[]`},
		{"unknown method", "", "", "", rpcBody("get_everything", nil), 400, "unknown method"},
		{"unknown param", "", "", "", rpcBody("ping", map[string]int{"x": 1}), 400, "unknown field"},
		{"not JSON", "", "", "", []byte("<xml/>"), 400, "bad request"},
		{"GET", http.MethodGet, "", "", nil, 405, "POST"},
		{"wrong path", "", "/RPC2", "", rpcBody("ping", nil), 404, "no such endpoint"},
		{"gzip", "", "", "gzip", rpcBody("ping", nil), 415, "Content-Encoding"},
		{"too large", "", "", "", bytes.Repeat([]byte(" "), 2<<20+1), 413, "larger than"},
		{"blacklisted caller", "", "", "", []byte(`{"method":"ping","peer":"127.0.0.1:9"}`), 403, "blacklisted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := url
			if tc.path != "" {
				u = srv.URL + tc.path
			}
			var status int
			var raw []byte
			if tc.method == http.MethodGet {
				resp, err := http.Get(u)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			} else {
				var out map[string]any
				status, out = post(t, u, tc.encoding, tc.body)
				raw, _ = json.Marshal(out)
			}
			if status != tc.status || !strings.Contains(string(raw), tc.want) {
				t.Errorf("HTTP %d %s; want %d and %s", status, raw, tc.status, tc.want)
			}
		})
	}
}

// TestRateLimit: a caller past its burst is refused with 429 while
// another caller is still served.
func TestRateLimit(t *testing.T) {
	srv := serveNode(t, atlastest.Zonefiles(0, 1), nil, atlas.Limits{RatePerPeer: 1, RateBurst: 5})
	url := srv.URL + atlas.Path
	ping := func(peer string) int {
		s, _ := post(t, url, "", []byte(`{"method":"ping","peer":"`+peer+`"}`))
		return s
	}
	for i := range 5 {
		if s := ping("127.0.0.1:1"); s != 200 {
			t.Fatalf("call %d: HTTP %d", i, s)
		}
	}
	if s := ping("127.0.0.1:1"); s != http.StatusTooManyRequests {
		t.Fatalf("6th call in a burst of 5: HTTP %d, want 429", s)
	}
	if s := ping("127.0.0.1:2"); s != 200 {
		t.Fatalf("another caller: HTTP %d", s)
	}
}

// gatedChain holds getinfo's look-up of the consensus hash at height 0
// (which only a caller asks for: the node's own loops ask about its tip)
// until release is closed, telling entered when it starts waiting.
type gatedChain struct {
	atlas.Chain
	entered, release chan struct{}
}

func (g gatedChain) ConsensusAt(ctx context.Context, height int64) (string, error) {
	if height == 0 {
		g.entered <- struct{}{}
		<-g.release
	}
	return g.Chain.ConsensusAt(ctx, height)
}

// TestOverload: past MaxInflight requests being served at once, the node
// answers 503 at once instead of queueing, and serves again once one
// ends.
func TestOverload(t *testing.T) {
	gate := gatedChain{entered: make(chan struct{}), release: make(chan struct{})}
	srv := serveNodeWith(t, atlastest.Zonefiles(0, 1), nil, atlas.Config{Limits: atlas.Limits{MaxInflight: 1}},
		func(c atlas.Chain) atlas.Chain { gate.Chain = c; return gate })
	url := srv.URL + atlas.Path
	held := make(chan int)
	go func() {
		s, _ := post(t, url, "", rpcBody("getinfo", map[string]int64{"height": 0}))
		held <- s
	}()
	<-gate.entered // the getinfo holds the only slot
	if s, out := post(t, url, "", rpcBody("ping", nil)); s != http.StatusServiceUnavailable || out["error"] != "overloaded" {
		t.Fatalf("HTTP %d %v, want 503 overloaded", s, out)
	}
	close(gate.release)
	if s := <-held; s != 200 {
		t.Fatalf("the held getinfo: HTTP %d", s)
	}
	if s, out := post(t, url, "", rpcBody("ping", nil)); s != 200 {
		t.Fatalf("after the slot was freed: HTTP %d %v", s, out)
	}
}

// TestStalledBodies: callers that send headers and then stall hold no
// shared slot: past MaxPerCaller they are refused at once, those let in
// are cut off with 408 after BodyRead, and meanwhile a caller from
// another address is served.
func TestStalledBodies(t *testing.T) {
	timing := atlastest.FastTiming()
	timing.BodyRead = 2 * time.Second
	const perCaller, stalled = 8, 64
	srv := serveNodeWith(t, atlastest.Zonefiles(0, 1), nil,
		atlas.Config{Limits: atlas.Limits{MaxInflight: 4, MaxPerCaller: perCaller}, Timing: timing}, nil)
	type answer struct {
		status int
		err    error
	}
	answers := make(chan answer, stalled)
	for range stalled {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{", atlas.Path)
		go func() {
			conn.SetReadDeadline(time.Now().Add(time.Minute))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				answers <- answer{0, err}
				return
			}
			resp.Body.Close()
			answers <- answer{resp.StatusCode, nil}
		}()
	}
	// Those past the per-caller bound are refused at once, which also
	// shows that the others are inside the handler, reading.
	for range stalled - perCaller {
		if a := <-answers; a.status != http.StatusTooManyRequests {
			t.Fatalf("a stalled caller past the per-caller bound: HTTP %d %v, want 429", a.status, a.err)
		}
	}
	other := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	resp, err := other.Post(srv.URL+atlas.Path, "application/json", bytes.NewReader(rpcBody("ping", nil)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("another caller while %d stall: HTTP %d", perCaller, resp.StatusCode)
	}
	for range perCaller {
		if a := <-answers; a.status != http.StatusRequestTimeout {
			t.Fatalf("a stalled caller: HTTP %d %v, want 408", a.status, a.err)
		}
	}
}

// TestClientBoundsReplies: the exported client refuses a reply larger than
// the method's bound rather than reading it all.
func TestClientBoundsReplies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"result":{"network":"` + strings.Repeat("x", 1<<20) + `"}}`))
	}))
	defer srv.Close()
	_, err := atlas.GetInfo(context.Background(), http.DefaultClient, srv.Listener.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("GetInfo of a 1 MiB reply: %v", err)
	}
}

func TestPutZonefilesClient(t *testing.T) {
	files := atlastest.Zonefiles(0, 2)
	srv := serveNode(t, files, nil, atlas.Limits{})
	addr := srv.Listener.Addr().String()
	res, err := atlas.PutZonefiles(context.Background(), http.DefaultClient, addr, files)
	if err != nil || strings.Join(res, ",") != "saved,saved" {
		t.Fatalf("PutZonefiles: %v %v", res, err)
	}
	info, err := atlas.GetInfo(context.Background(), http.DefaultClient, addr)
	if err != nil || info.Present != 2 || info.Network != "atlastest" {
		t.Fatalf("GetInfo: %+v %v", info, err)
	}
	if _, err := atlas.PutZonefiles(context.Background(), http.DefaultClient, addr, make([][]byte, 101)); err == nil {
		t.Fatal("PutZonefiles of 101 files was not refused before sending")
	}
}

// TestInventoryHostileRanges: a count or offset no node could hold is
// refused with 400 before it sizes anything, and an offset past this
// node's inventory (which an honest peer a few blocks ahead asks for) is
// answered with no bits; the node keeps serving either way.
func TestInventoryHostileRanges(t *testing.T) {
	srv := serveNode(t, atlastest.Zonefiles(0, 2), nil, atlas.Limits{})
	url := srv.URL + atlas.Path
	for _, tc := range []struct {
		offset, count int64
		status        int
		want          string
	}{
		{0, 1 << 40, 400, "count"},
		{0, 1 << 62, 400, "count"},
		{0, -1, 400, "count"},
		{-8, 8, 400, "offset"},
		{1 << 40, 8, 400, "offset"},
		{8, 8, 200, `"count":0`},
		{800, 64, 200, `"count":0`},
		{1, 64, 200, `"count":1`},
	} {
		status, out := post(t, url, "", rpcBody("get_zonefile_inventory", map[string]int64{"offset": tc.offset, "count": tc.count}))
		raw, _ := json.Marshal(out)
		if status != tc.status || !strings.Contains(string(raw), tc.want) {
			t.Errorf("offset %d count %d: HTTP %d %s; want %d and %s", tc.offset, tc.count, status, raw, tc.status, tc.want)
		}
		// The node still answers (a panic under its lock would hang this).
		if s, _ := post(t, url, "", rpcBody("getinfo", nil)); s != 200 {
			t.Fatalf("after offset %d count %d: getinfo HTTP %d", tc.offset, tc.count, s)
		}
	}
}
