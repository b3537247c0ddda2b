package api

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/search"
)

// memZonefiles is a store that holds what the chain names.
type memZonefiles struct {
	named map[string]bool
	files map[string][]byte
}

func (m *memZonefiles) Get(_ context.Context, hash string) ([]byte, error) {
	if zf, ok := m.files[hash]; ok {
		return zf, nil
	}
	return nil, ErrZonefileNotFound
}

func (m *memZonefiles) Put(_ context.Context, data []byte) (string, error) {
	hash := fmt.Sprintf("%x", btcutil.Hash160(data))
	if !m.named[hash] {
		return "", fmt.Errorf("zone file %s is not named on chain", hash)
	}
	m.files[hash] = data
	return hash, nil
}

const zonefileText = "$ORIGIN alice.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://hub.example/alice/profile.json\"\n"

// fixture writes blocks 1–20 with a namespace and names in several states.
func fixture(t testing.TB) (*Server, *memZonefiles) {
	t.Helper()
	ctx := context.Background()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	zhash := fmt.Sprintf("%x", btcutil.Hash160([]byte(zonefileText)))
	zf := &memZonefiles{named: map[string]bool{zhash: true}, files: map[string][]byte{}}
	for h := int64(1); h <= 20; h++ {
		tx, err := db.Begin(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if h == 5 {
			ns := &namedb.NamespaceRecord{NamespaceID: "test", Ready: true, ReadyBlock: 5, RevealBlock: 4, Lifetime: 100,
				Coeff: 250, Base: 4, Buckets: [16]uint8{6, 5, 4, 3, 2, 1}, NonalphaDiscount: 10, NoVowelDiscount: 10, Version: 1}
			must(t, tx.PutNamespace(ns))
			for i, n := range []*namedb.NameRecord{
				{Name: "alice.test", NamespaceID: "test", Address: "mkAlice1111111111111111111111111111", ValueHash: zhash, ExpireBlock: 205, Txid: "aa"},
				{Name: "old.test", NamespaceID: "test", Address: "mkOld111111111111111111111111111111", ExpireBlock: 15, Txid: "bb"},
				{Name: "gone.test", NamespaceID: "test", Address: "mkGone11111111111111111111111111111", ExpireBlock: 10, Txid: "cc"},
				{Name: "frozen.test", NamespaceID: "test", Address: "mkAlice1111111111111111111111111111", Revoked: true, ValueHash: zhash, ExpireBlock: 205, Txid: "dd"},
			} {
				must(t, tx.PutName(n))
				raw, _ := json.Marshal(n)
				must(t, tx.AddHistory(namedb.HistoryEntry{Block: h, Vtxindex: i + 1, Txid: n.Txid, Op: "NAME_REGISTRATION", Subject: n.Name, Accepted: true, Record: raw}))
			}
		}
		commitBlock(t, tx, h)
	}
	r := rules.DevnetRules
	r.GracePeriod = 8
	finder := search.NewFollower(db, nil, nil)
	must(t, finder.Step(context.Background())) // the node's search service builds the index
	return New(Config{DB: db, Zonefiles: zf, Search: finder, Network: &bns.DevNet, Rules: r, FirstBlock: 1}), zf
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// beginNext begins the block after the last in s's database.
func beginNext(t testing.TB, s *Server) (*namedb.Tx, int64) {
	t.Helper()
	last, _, err := s.cfg.DB.LastBlock(context.Background())
	must(t, err)
	tx, err := s.cfg.DB.Begin(context.Background(), last.Height+1)
	must(t, err)
	return tx, last.Height + 1
}

// commitBlock commits tx as the block at h, with made-up hashes: the API
// serves what the database holds.
func commitBlock(t testing.TB, tx *namedb.Tx, h int64) {
	t.Helper()
	must(t, tx.Commit(namedb.Block{Height: h, Hash: fmt.Sprintf("%064x", h), ConsensusHash: fmt.Sprintf("%032x", h), OpsHash: fmt.Sprintf("%064x", 0)}, nil))
}

func do(t *testing.T, s http.Handler, method, path, body string) (int, map[string]any, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	raw := rec.Body.String()
	var m map[string]any
	_ = json.Unmarshal([]byte(raw), &m)
	return rec.Code, m, raw
}

func TestEndpoints(t *testing.T) {
	s, zf := fixture(t)
	zhash := fmt.Sprintf("%x", btcutil.Hash160([]byte(zonefileText)))
	cases := []struct {
		method, path, body string
		status             int
		want               map[string]any // fields that must match
		contains           string
	}{
		{"GET", "/v1/node/ping", "", 200, map[string]any{"status": "alive"}, ""},
		{"GET", "/v1/names/alice.test", "", 200, map[string]any{"status": "registered", "address": "mkAlice1111111111111111111111111111",
			"expire_block": 205.0, "grace_period": false, "zonefile_hash": zhash, "zonefile": nil, "blockchain": "bitcoin", "last_txid": "aa"}, ""},
		{"GET", "/v1/names/old.test", "", 200, map[string]any{"status": "expired", "grace_period": true, "renewal_deadline": 23.0}, ""},
		{"GET", "/v1/names/gone.test", "", 200, map[string]any{"status": "expired", "grace_period": false}, ""},
		{"GET", "/v1/names/frozen.test", "", 200, map[string]any{"status": "revoked", "zonefile": nil}, ""},
		{"GET", "/v1/names/nobody.test", "", 404, map[string]any{"error": "Name not found"}, ""},
		{"GET", "/v1/names/Alice.test", "", 400, nil, "invalid name"},
		{"GET", "/v1/names/a.b.c.d", "", 400, nil, "invalid name"},
		{"GET", "/v1/names/A.b.c", "", 400, nil, "not a subdomain name"},
		{"GET", "/v1/names/a.b.c", "", 404, nil, "keeps no subdomains"},
		{"GET", "/v1/names/alice.test/zonefile", "", 404, map[string]any{"error": "Zone file not found"}, ""},
		{"GET", "/v1/names/alice.test/history", "", 200, nil, `"NAME_REGISTRATION"`},
		{"GET", "/v1/names/alice.test/zonefile/zz", "", 400, nil, "40 lowercase hex"},
		{"GET", "/v1/names?page=0", "", 200, nil, `["alice.test","frozen.test","gone.test","old.test"]`},
		{"GET", "/v1/names?page=-1", "", 400, nil, "Invalid page"},
		{"GET", "/v1/namespaces", "", 200, nil, `["test"]`},
		{"GET", "/v1/namespaces/test", "", 200, map[string]any{"namespace_id": "test", "ready": true}, `"buckets":[6,5,4,3,2,1,0,0,0,0,0,0,0,0,0,0]`},
		{"GET", "/v1/namespaces/nope", "", 404, nil, "Namespace not found"},
		{"GET", "/v1/namespaces/test/names", "", 200, nil, `"alice.test"`},
		{"GET", "/v1/addresses/bitcoin/mkAlice1111111111111111111111111111", "", 200, nil, `{"names":["alice.test","frozen.test"]}`},
		{"GET", "/v1/prices/names/alice.test", "", 200, nil, `{"name_price":{"amount":"40000","satoshis":40000,"units":"BTC"}}`},
		{"GET", "/v1/prices/namespaces/test", "", 200, map[string]any{"satoshis": 40000000.0}, ""},
		{"GET", "/v1/blockchains/bitcoin/consensus", "", 200, map[string]any{"consensus_hash": fmt.Sprintf("%032x", 20)}, ""},
		{"GET", "/v1/blockchains/bitcoin/name_count", "", 200, map[string]any{"names_count": 4.0}, ""},
		{"GET", "/v1/zonefiles/" + zhash, "", 404, nil, "Zone file not found"},
		{"POST", "/v1/zonefile", `{"zonefile": "not on chain"}`, 400, map[string]any{"status": false}, "not named on chain"},
		{"POST", "/v1/zonefile", `{"zonefile": 1}`, 400, nil, "Invalid JSON body"},
		{"POST", "/v1/zonefile", `{"zonefile": "a", "zonefile_b64": "YQ=="}`, 400, nil, "exactly one"},
		{"POST", "/v1/zonefile", `{"zonefile_b64": "%%%"}`, 400, nil, "not base64"},
		{"POST", "/v1/zonefile", `{"zonefile": "` + strings.Repeat("x", maxBody) + `"}`, 413, nil, "larger than"},
		{"GET", "/v1/operations/" + strings.Repeat("ab", 32), "", 404, nil, "No name operation"},
		{"GET", "/v1/operations/xyz", "", 400, nil, "Invalid txid"},
		{"DELETE", "/v1/names/alice.test", "", 404, nil, "no such endpoint"},
		{"GET", "/v1/../etc/passwd", "", 400, nil, "path must be clean"},
		{"GET", "/v1/names/alice.test/", "", 400, nil, "path must be clean"},
		{"GET", "/v1/names/alice.test%2Fzonefile", "", 400, nil, "path must be clean"},
	}
	for _, tc := range cases {
		code, m, raw := do(t, s, tc.method, tc.path, tc.body)
		if code != tc.status {
			t.Errorf("%s %s: status %d, want %d: %s", tc.method, tc.path, code, tc.status, raw)
			continue
		}
		for k, v := range tc.want {
			if fmt.Sprint(m[k]) != fmt.Sprint(v) {
				t.Errorf("%s %s: %s = %v, want %v (%s)", tc.method, tc.path, k, m[k], v, raw)
			}
		}
		if !strings.Contains(raw, tc.contains) {
			t.Errorf("%s %s: body %s lacks %q", tc.method, tc.path, raw, tc.contains)
		}
	}
	if len(zf.files) != 0 {
		t.Fatalf("refused zone files were stored: %v", zf.files)
	}

	// Publishing the named zone file stores it; then it is served.
	body, _ := json.Marshal(map[string]string{"zonefile": zonefileText})
	if code, m, raw := do(t, s, "POST", "/v1/zonefile", string(body)); code != 200 || m["status"] != true {
		t.Fatalf("publish: %d %s", code, raw)
	}
	if _, m, raw := do(t, s, "GET", "/v1/names/alice.test", ""); m["zonefile"] != zonefileText {
		t.Fatalf("name record after publishing: %s", raw)
	}
	if _, m, _ := do(t, s, "GET", "/v1/names/frozen.test", ""); m["zonefile"] != nil {
		t.Fatal("a revoked name resolves to a zone file")
	}
	if code, _, raw := do(t, s, "GET", "/v1/zonefiles/"+zhash, ""); code != 200 || raw != zonefileText {
		t.Fatalf("raw zone file: %d %q", code, raw)
	}
	if code, m, _ := do(t, s, "GET", "/v1/names/alice.test/zonefile/"+zhash, ""); code != 200 || m["zonefile"] != zonefileText {
		t.Fatalf("zone file by hash: %d %v", code, m)
	}
}

// TestGzip: responses of 1 KiB or more are gzipped for clients that ask;
// smaller ones, and any to clients that do not, go as they are.
func TestGzip(t *testing.T) {
	s, _ := fixture(t)
	cases := []struct {
		path, acceptEncoding string
		gzipped              bool
		contains             string
	}{
		{"/v1/openapi.json", "gzip, deflate", true, `"openapi"`},
		{"/v1/openapi.json", "", false, `"openapi"`},
		{"/v1/openapi.json", "gzip;q=0", false, `"openapi"`},
		{"/v1/namespaces/test", "gzip", false, `"namespace_id":"test"`},
	}
	for _, tc := range cases {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Accept-Encoding", tc.acceptEncoding)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if got := rec.Header().Get("Content-Encoding") == "gzip"; rec.Code != 200 || got != tc.gzipped {
			t.Errorf("%s, Accept-Encoding %q: status %d, gzipped %v, want %v", tc.path, tc.acceptEncoding, rec.Code, got, tc.gzipped)
			continue
		}
		var body io.Reader = rec.Body
		if tc.gzipped {
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			body = zr
		}
		raw, err := io.ReadAll(body)
		if err != nil || !strings.Contains(string(raw), tc.contains) {
			t.Errorf("%s, Accept-Encoding %q: body %.200s, %v; want it to contain %s", tc.path, tc.acceptEncoding, raw, err, tc.contains)
		}
	}
}

// TestCORS: a page on another origin may read (GET, HEAD, their
// preflight) but not publish zone files.
func TestCORS(t *testing.T) {
	s, _ := fixture(t)
	serve := func(method, path string, header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Origin", "http://127.0.0.1:16280")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}
	for _, c := range []struct {
		method, path string
		header       map[string]string
		status       int
		allowOrigin  string
	}{
		{"GET", "/v1/names/alice.test", nil, 200, "*"},
		{"GET", "/v1/addresses/bitcoin/mkAlice1111111111111111111111111111", map[string]string{"Accept-Encoding": "gzip"}, 200, "*"},
		{"HEAD", "/v1/namespaces/test", nil, 200, "*"},
		{"GET", "/v1/names/nobody.test", nil, 404, "*"},
		{"OPTIONS", "/v1/names/alice.test", map[string]string{"Access-Control-Request-Method": "GET"}, 204, "*"},
		{"OPTIONS", "/v1/zonefile", map[string]string{"Access-Control-Request-Method": "POST"}, 405, "*"},
		{"POST", "/v1/zonefile", nil, 400, ""},
	} {
		rec := serve(c.method, c.path, c.header)
		if rec.Code != c.status || rec.Header().Get("Access-Control-Allow-Origin") != c.allowOrigin {
			t.Errorf("%s %s: %d, Access-Control-Allow-Origin %q; want %d, %q", c.method, c.path, rec.Code,
				rec.Header().Get("Access-Control-Allow-Origin"), c.status, c.allowOrigin)
		}
	}
	pre := serve("OPTIONS", "/v1/names/alice.test", map[string]string{"Access-Control-Request-Method": "GET"})
	if got := pre.Header().Get("Access-Control-Allow-Methods"); got != "GET, HEAD" || pre.Header().Get("Content-Encoding") != "" {
		t.Errorf("preflight: Allow-Methods %q, headers %v", got, pre.Header())
	}
}

// TestOpenAPIMatchesHandlers: every path the document lists reaches its
// handler (not the catch-all), and every route is in the document.
// BenchmarkLookup is a name look-up through the handler (no network),
// beside /v1/node/ping, which reads nothing: bench/api measures the same
// over loopback on a million names.
//
// With "metrics" in its name, the same look-up on a server with its
// Prometheus metrics on: the difference is what they cost.
func BenchmarkLookup(b *testing.B) {
	s, _ := fixture(b)
	cfg := s.cfg
	cfg.Metrics = prometheus.NewRegistry()
	servers := map[string]*Server{"": s, "metrics": New(cfg)}
	for _, name := range []string{"", "metrics"} {
		s := servers[name]
		for _, path := range []string{"/v1/node/ping", "/v1/names/alice.test"} {
			b.Run(name+path, func(b *testing.B) {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				b.ReportAllocs()
				for b.Loop() {
					rec := httptest.NewRecorder()
					s.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
					}
				}
			})
		}
	}
}

// TestBlockOperations: a block's name operations in transaction order,
// the accepted ones with the subject's record; the rejected ones only when
// asked, with the rule broken.
func TestBlockOperations(t *testing.T) {
	s, _ := fixture(t)
	tx, h := beginNext(t, s)
	must(t, tx.AddHistory(namedb.HistoryEntry{Block: h, Vtxindex: 2, Txid: strings.Repeat("bb", 32), Op: "NAME_UPDATE", Subject: "alice.test",
		Accepted: false, Code: rules.ErrNotOwner, Reason: "not the owner", Record: json.RawMessage(`{"name":"alice.test"}`)}))
	must(t, tx.AddHistory(namedb.HistoryEntry{Block: h, Vtxindex: 1, Txid: strings.Repeat("aa", 32), Op: "NAME_RENEWAL", Subject: "alice.test",
		Accepted: true, Record: json.RawMessage(`{"name":"alice.test","expire_block":900}`)}))
	commitBlock(t, tx, h)

	var ops []apitypes.Operation
	// In this order: the checks after the loop read the last answer.
	for _, c := range []struct {
		path string
		want []string
	}{
		{fmt.Sprintf("/v1/blockchains/bitcoin/operations/%d", h), []string{"NAME_RENEWAL"}},
		{fmt.Sprintf("/v1/blockchains/bitcoin/operations/%d?rejected=1", h), []string{"NAME_RENEWAL", "NAME_UPDATE"}},
	} {
		path, want := c.path, c.want
		status, _, raw := do(t, s, "GET", path, "")
		if err := json.Unmarshal([]byte(raw), &ops); status != http.StatusOK || err != nil {
			t.Fatalf("%s: %d %s", path, status, raw)
		}
		var got []string
		for _, op := range ops {
			got = append(got, op.Opcode)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
	if ops[0].Block != h || string(ops[0].Record) != `{"name":"alice.test","expire_block":900}` || ops[1].Accepted || ops[1].Code != rules.ErrNotOwner {
		t.Errorf("operations: %+v", ops)
	}
	if status, _, _ := do(t, s, "GET", fmt.Sprintf("/v1/blockchains/bitcoin/operations/%d", h+1), ""); status != http.StatusNotFound {
		t.Errorf("a block not indexed: %d, want 404", status)
	}
}

// TestNameProofGone: a block the node no longer proves (more changes
// since than it unwinds for one look-up) is a 410 that says so, and the
// node goes on proving later blocks.
func TestNameProofGone(t *testing.T) {
	s, _ := fixture(t)
	tx, h := beginNext(t, s)
	for i := range 10_001 {
		must(t, tx.PutName(&namedb.NameRecord{Name: fmt.Sprintf("n%d.test", i), NamespaceID: "test", ExpireBlock: -1}))
	}
	commitBlock(t, tx, h)
	status, body, _ := do(t, s, "GET", fmt.Sprintf("/v1/names/alice.test/proof?height=%d", h-1), "")
	if msg, _ := body["error"].(string); status != http.StatusGone || !strings.Contains(msg, "prove a later block") {
		t.Fatalf("a proof over 10,001 changes: %d %v, want 410 saying to prove a later block", status, body)
	}
	if status, _, raw := do(t, s, "GET", "/v1/names/alice.test/proof", ""); status != http.StatusOK {
		t.Fatalf("the last block's proof after a 410: %d %s", status, raw)
	}
}

// TestNameProofWhileApplying: a proof asked for while a block is being
// applied is of the last committed block until the block's changes reach
// the state tree; from then until the block commits, the proof waits for
// it, and if it does not commit in time, is a 503 that says to try again;
// once the block commits, the proof is of the new block.
func TestNameProofWhileApplying(t *testing.T) {
	s, _ := fixture(t)
	tx, h := beginNext(t, s)
	must(t, tx.PutName(&namedb.NameRecord{Name: "alice.test", NamespaceID: "test", Address: "mkNewOwner", ExpireBlock: -1}))
	status, body, raw := do(t, s, "GET", "/v1/names/alice.test/proof", "")
	if rec, _ := body["name_record"].(string); status != http.StatusOK || strings.Contains(rec, "mkNewOwner") {
		t.Fatalf("a proof before the block's changes reach the tree: %d %s, want the last block's", status, raw)
	}
	_, err := tx.StateRoot()
	must(t, err)
	status, body, _ = do(t, s, "GET", "/v1/names/alice.test/proof", "")
	if msg, _ := body["error"].(string); status != http.StatusServiceUnavailable || !strings.Contains(msg, "try again") {
		t.Fatalf("a proof while a block applies: %d %v, want 503 saying to try again", status, body)
	}
	commitBlock(t, tx, h)
	status, body, raw = do(t, s, "GET", "/v1/names/alice.test/proof", "")
	if rec, _ := body["name_record"].(string); status != http.StatusOK || !strings.Contains(rec, "mkNewOwner") {
		t.Fatalf("the proof once the block committed: %d %s", status, raw)
	}
}

// TestStacksNames: /stacks/v1/names/{name} is /v1/names/{name} with the
// owner in its Stacks form, which @stacks/profile 7 compares.
func TestStacksNames(t *testing.T) {
	s, _ := fixture(t)
	tx, h := beginNext(t, s)
	must(t, tx.PutName(&namedb.NameRecord{Name: "carol.test", NamespaceID: "test", Address: "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx", ExpireBlock: -1}))
	commitBlock(t, tx, h)
	_, plain, _ := do(t, s, "GET", "/v1/names/carol.test", "")
	status, stacks, raw := do(t, s, "GET", "/stacks/v1/names/carol.test", "")
	// The c32check npm package's b58ToC32 of the same address, version 22.
	if status != http.StatusOK || stacks["address"] != "SP2YM60ATVPJ6D6P22BE3QDPYGXDS4DXPV0WQ76GS" || plain["address"] != "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx" {
		t.Fatalf("/stacks/v1/names/carol.test: %d %s; /v1: %v", status, raw, plain["address"])
	}
	delete(stacks, "address")
	delete(plain, "address")
	if fmt.Sprint(stacks) != fmt.Sprint(plain) {
		t.Errorf("the records differ beyond the address:\n%v\n%v", stacks, plain)
	}
}
