package hostile

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// answered fails the test unless r got an HTTP answer (a handler that
// panics, or a server that hangs, gives none) that is not a server error
// (bad input is the client's fault: a 4xx; 503 is a refusal under load).
func answered(t *testing.T, s *system, r request) {
	t.Helper()
	status, body, err := send(r, bound)
	if err != nil || status >= 500 && status != http.StatusServiceUnavailable {
		s.alive(t)
		t.Fatalf("%s %.200q: HTTP %d %.300s %v", r.method, r.path, status, body, err)
	}
}

// fuzzDone checks, once the inputs have run, that the devnet serves others
// and has lost nothing.
func fuzzDone(f *testing.F, s *system) { f.Cleanup(func() { s.check(f) }) }

// FuzzAtlasRPC sends arbitrary bodies to the Atlas RPC, seeded with a
// real request of each method and the requests that once broke it.
func FuzzAtlasRPC(f *testing.F) {
	s := devnet(f)
	fuzzDone(f, s)
	zf := base64.StdEncoding.EncodeToString([]byte("$ORIGIN alice.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com\"\n"))
	for _, seed := range []string{
		`{"method":"ping"}`,
		`{"method":"getinfo","peer":"127.0.0.1:6264","params":{"height":1}}`,
		`{"method":"get_zonefile_inventory","params":{"offset":0,"count":524288}}`,
		`{"method":"get_zonefile_inventory","params":{"offset":0,"count":1099511627776}}`,
		`{"method":"get_zonefile_inventory","params":{"offset":800,"count":64}}`,
		`{"method":"get_zonefiles","params":{"hashes":["0123456789abcdef0123456789abcdef01234567"]}}`,
		`{"method":"put_zonefiles","peer":"127.0.0.1:6264","params":{"zonefiles":["` + zf + `"],"covered":["127.0.0.1:1"]}}`,
		`{"method":"announce","peer":"127.0.0.1:6264","params":{"ranges":[{"offset":0,"count":8,"inv":"gA=="}]}}`,
		`{"method":"peer_exchange","peer":"127.0.0.1:6264"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		answered(t, s, request{s.atlas, "POST", atlas.Path, nil, string(body)})
	})
}

// FuzzAPI sends arbitrary GETs and POSTs to the REST API and the
// explorer (one server), seeded with a real request to each route.
func FuzzAPI(f *testing.F) {
	s := devnet(f)
	fuzzDone(f, s)
	for _, path := range []string{
		"/v1/node/ping", "/v1/info", "/v1/names?page=0", "/v1/names/alice.test", "/v1/names/alice.test/history?rejected=1",
		"/v1/names/alice.test/zonefile", "/v1/names/alice.test/zonefile/0123456789abcdef0123456789abcdef01234567",
		"/v1/namespaces", "/v1/namespaces/test", "/v1/namespaces/test/names?page=1",
		"/v1/addresses/bitcoin/mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx", "/v1/prices/names/alice.test", "/v1/prices/namespaces/test",
		"/v1/blockchains/bitcoin/consensus", "/v1/blockchains/bitcoin/name_count",
		"/v1/zonefiles/0123456789abcdef0123456789abcdef01234567", "/v1/operations/" + strings.Repeat("ab", 32), "/v1/openapi.json",
		"/", "/search?q=alice", "/name/alice.test", "/namespace/test", "/address/mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx", "/block/1",
		"/auth/", "/static/style.css",
	} {
		f.Add("GET", path, "")
	}
	f.Add("POST", "/v1/zonefile", `{"zonefile":"$ORIGIN alice.test\n$TTL 3600\n"}`)
	f.Add("POST", "/v1/zonefile", `{"zonefile_b64":"JE9SSUdJTiBhbGljZS50ZXN0Cg=="}`)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n") || !validMethod(method) {
			t.Skip("not an HTTP request line")
		}
		answered(t, s, request{s.api, method, path, nil, body})
	})
}

// FuzzChainRPC sends arbitrary bodies to the devnet's JSON-RPC, seeded
// with a real call of each method it serves.
func FuzzChainRPC(f *testing.F) {
	s := devnet(f)
	fuzzDone(f, s)
	for _, call := range []string{
		`"getinfo","params":[]`, `"getblockchaininfo","params":[]`, `"getblockcount","params":[]`,
		`"getbestblockhash","params":[]`, `"getblockhash","params":[1]`,
		`"getblock","params":["` + strings.Repeat("0", 64) + `",0]`, `"getblockheader","params":["` + strings.Repeat("0", 64) + `",false]`,
		`"getrawtransaction","params":["` + strings.Repeat("0", 64) + `",0]`, `"sendrawtransaction","params":["0100"]`,
		`"generate","params":[1]`, `"generatetoaddress","params":[1,"mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx"]`,
		`"faucet","params":["mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx",100000]`,
	} {
		f.Add([]byte(`{"jsonrpc":"1.0","id":1,"method":` + call + `}`))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		answered(t, s, s.rpcReq(string(body)))
	})
}

// FuzzHub sends arbitrary requests to the hub with a valid token for the
// attacker's own bucket ("{bucket}" in a path stands for its address),
// seeded with a real request of each kind.
func FuzzHub(f *testing.F) {
	s := devnet(f)
	fuzzDone(f, s)
	key := newKey()
	bucket := gaiaauth.AddressFromKey(key)
	auth := map[string]string{"Authorization": s.bearer(key)}
	for _, seed := range [][3]string{
		{"GET", "/hub_info", ""},
		{"POST", "/store/{bucket}/a/b.txt", "hello"},
		{"POST", "/store/{bucket}/../escape.txt", "x"},
		{"GET", "/read/{bucket}/a/b.txt", ""},
		{"HEAD", "/read/{bucket}/a/b.txt", ""},
		{"POST", "/list-files/{bucket}", `{"page":null}`},
		{"POST", "/list-files/{bucket}", `{"page":"a/b.txt","stat":true}`},
		{"DELETE", "/delete/{bucket}/a/b.txt", ""},
		{"POST", "/revoke-all/{bucket}", `{"oldestValidTimestamp":1}`},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		path = strings.ReplaceAll(path, "{bucket}", bucket)
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n") || !validMethod(method) {
			t.Skip("not an HTTP request line")
		}
		answered(t, s, request{s.hub, method, path, auth, body})
	})
}

func validMethod(m string) bool {
	return m != "" && len(m) < 16 && strings.Trim(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}
