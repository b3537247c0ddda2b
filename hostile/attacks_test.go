package hostile

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// request is one HTTP request to one of the devnet's services, written on
// the wire by hand, as an attacker would.
type request struct {
	addr, method, path string
	header             map[string]string
	body               string
}

// services are a valid request to each of the devnet's HTTP services; the
// hub's is a store to key's bucket (the attacker's own: it holds no token
// for another's).
func (s *system) services(key *btcec.PrivateKey) map[string]request {
	rpcAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("devnet:devnet"))
	return map[string]request{
		"chain RPC": {s.rpc, "POST", "/", map[string]string{"Authorization": rpcAuth}, `{"jsonrpc":"1.0","id":1,"method":"getblockcount","params":[]}`},
		"API":       {s.api, "POST", "/v1/zonefile", nil, `{"zonefile":"$ORIGIN x.test\n"}`},
		"explorer":  {s.api, "GET", "/search?q=alice", nil, ""},
		"atlas":     {s.atlas, "POST", atlas.Path, nil, `{"method":"getinfo"}`},
		"hub":       {s.hub, "POST", "/store/" + gaiaauth.AddressFromKey(key) + "/flood.txt", map[string]string{"Authorization": s.bearer(key)}, "x"},
		"app":       {s.app, "GET", "/", nil, ""},
	}
}

// newKey is an attacker's key: keys cost nothing.
func newKey() *btcec.PrivateKey {
	key, err := btcec.NewPrivateKey()
	if err != nil {
		panic(err)
	}
	return key
}

// bearer is a valid v1 token for key's bucket on the devnet's hub.
func (s *system) bearer(key *btcec.PrivateKey) string {
	tok, err := gaiaauth.NewV1Token(key, s.hubConn.Info().ChallengeText, gaiaauth.TokenOptions{HubURL: "http://" + s.hub})
	if err != nil {
		panic(err)
	}
	return "bearer " + tok
}

// head writes r's request line and headers, announcing a body of length
// bytes.
func (r request) head(w io.Writer, length int) {
	fmt.Fprintf(w, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", r.method, r.path, r.addr, length)
	for k, v := range r.header {
		fmt.Fprintf(w, "%s: %s\r\n", k, v)
	}
	io.WriteString(w, "\r\n")
}

// stall opens a connection to r's service and sends r's headers and the
// first byte of a body that never comes.
func stall(t *testing.T, r request) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatalf("connecting to %s: %v", r.addr, err)
	}
	r.head(conn, 1000)
	io.WriteString(conn, "{")
	return conn
}

// send makes r as a client on 127.0.0.1 (the attacker's address) and
// returns the status, or 0 and the error if no HTTP answer came: a
// handler that panics or a server that stops answering.
func send(r request, within time.Duration) (int, string, error) {
	conn, err := net.DialTimeout("tcp", r.addr, within)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(within))
	w := bufio.NewWriter(conn)
	r.head(w, len(r.body))
	w.WriteString(r.body)
	if err := w.Flush(); err != nil {
		return 0, "", err
	}
	// The method says whether the answer has a body (a HEAD's has none).
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: r.method})
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body), nil
}

// TestStalledBodies: more requests than any concurrency limit, from one
// address, to every service at once, each stalled after its headers and
// one byte of body, shut no one else out; nor do 2,000 stalled uploads to
// the hub, each from its own bucket, stall another user's stores (which
// take a path lock: before, stalled uploads held theirs).
func TestStalledBodies(t *testing.T) {
	s := devnet(t)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for _, r := range s.services(newKey()) {
		for range 100 {
			conns = append(conns, stall(t, r))
		}
	}
	for i := range 2000 {
		key := newKey()
		conns = append(conns, stall(t, request{s.hub, "POST", fmt.Sprintf("/store/%s/stalled-%d", gaiaauth.AddressFromKey(key), i),
			map[string]string{"Authorization": s.bearer(key)}, ""}))
	}
	s.check(t)
	hc := otherClient()
	tok := s.bearer(s.key)
	for i := range 50 {
		req, _ := http.NewRequest("POST", fmt.Sprintf("http://%s/store/%s/during-stall-%d", s.hub, gaiaauth.AddressFromKey(s.key), i), strings.NewReader("x"))
		req.Header.Set("Authorization", tok)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("another user's store %d while 2,000 uploads stall: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("another user's store %d while 2,000 uploads stall: HTTP %d", i, resp.StatusCode)
		}
	}
}

// TestFloods: 300 valid requests at once to each service, from one
// address, are answered (served, or refused with 429 or 503), and others
// are served meanwhile and after.
func TestFloods(t *testing.T) {
	s := devnet(t)
	for name, r := range s.services(newKey()) {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			statuses := make(chan string, 300)
			for range 300 {
				wg.Go(func() {
					status, body, err := send(r, 30*time.Second)
					switch {
					case err != nil:
						statuses <- fmt.Sprintf("no answer: %v", err)
					case status >= 500 && status != http.StatusServiceUnavailable:
						statuses <- fmt.Sprintf("HTTP %d %s", status, body)
					}
				})
			}
			s.check(t)
			wg.Wait()
			close(statuses)
			for bad := range statuses {
				t.Errorf("a flooding request: %s", bad)
			}
		})
	}
	s.check(t)
}

// rpc is a JSON-RPC request to the devnet's chain.
func (s *system) rpcReq(body string) request {
	r := s.services(s.key)["chain RPC"]
	r.body = body
	return r
}

// TestHostileNumbers: counts, offsets, heights, pages and lengths that are
// huge, negative or not numbers are refused with a 4xx (or a JSON-RPC
// error) at once, and cost the services nothing.
func TestHostileNumbers(t *testing.T) {
	s := devnet(t)
	inv := func(offset, count string) request {
		return request{s.atlas, "POST", atlas.Path, nil, `{"method":"get_zonefile_inventory","params":{"offset":` + offset + `,"count":` + count + `}}`}
	}
	announce := func(offset, count string) request {
		return request{s.atlas, "POST", atlas.Path, nil, `{"method":"announce","peer":"127.0.0.1:1","params":{"ranges":[{"offset":` + offset + `,"count":` + count + `,"inv":""}]}}`}
	}
	get := func(addr, path string) request { return request{addr, "GET", path, nil, ""} }
	huge := "99999999999999999999"
	cases := map[string]request{
		"atlas inventory count 2^40":      inv("0", "1099511627776"),
		"atlas inventory count 2^62":      inv("0", "4611686018427387904"),
		"atlas inventory count -1":        inv("0", "-1"),
		"atlas inventory offset 2^40":     inv("1099511627776", "8"),
		"atlas inventory offset past end": inv("800", "64"),
		"atlas inventory count too big":   inv("0", huge),
		"atlas announce count 2^40":       announce("0", "1099511627776"),
		"atlas announce offset -8":        announce("-8", "8"),
		"API names page -1":               get(s.api, "/v1/names?page=-1"),
		"API names page huge":             get(s.api, "/v1/names?page="+huge),
		"API names page 2^62":             get(s.api, "/v1/names?page=4611686018427387904"),
		"API namespace names page huge":   get(s.api, "/v1/namespaces/test/names?page="+huge),
		"API history page -5":             get(s.api, "/v1/names/alice.test/history?page=-5"),
		"API long name":                   get(s.api, "/v1/names/"+strings.Repeat("a", 60000)+".test"),
		"explorer block -1":               get(s.api, "/block/-1"),
		"explorer block huge":             get(s.api, "/block/"+huge),
		"explorer block 2^62":             get(s.api, "/block/4611686018427387904"),
		"explorer search 60 KB":           get(s.api, "/search?q="+strings.Repeat("x", 60000)),
		"hub list page huge":              {s.hub, "POST", "/list-files/" + gaiaauth.AddressFromKey(s.key), map[string]string{"Authorization": s.bearer(s.key)}, `{"page":"` + huge + `"}`},
		"hub read 5000-char path":         get(s.hub, "/read/"+gaiaauth.AddressFromKey(s.key)+"/"+strings.Repeat("a", 5000)),
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			status, body, err := send(r, bound)
			if err != nil || status >= 500 {
				t.Errorf("HTTP %d %.200s %v; want a 4xx or an answer", status, body, err)
			}
		})
	}
	rpcCases := map[string]string{
		"getblockhash -1":          `[-1]`,
		"getblockhash huge":        `[` + huge + `]`,
		"getblockhash 2^62":        `[4611686018427387904]`,
		"generate 2^40":            `[1099511627776]`,
		"generate -5":              `[-5]`,
		"generatetoaddress 2^40":   `[1099511627776, "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx"]`,
		"faucet -1":                `["mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx", -1]`,
		"faucet 2^62":              `["mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx", 4611686018427387904]`,
		"getblock bad hash":        `["zz"]`,
		"getrawtransaction bad":    `["` + strings.Repeat("f", 64) + `", 7]`,
		"sendrawtransaction bad":   `["zz"]`,
		"sendrawtransaction empty": `["` + strings.Repeat("00", 100000) + `"]`,
	}
	for name, params := range rpcCases {
		t.Run("RPC "+name, func(t *testing.T) {
			method, _, _ := strings.Cut(name, " ")
			status, body, err := send(s.rpcReq(`{"jsonrpc":"1.0","id":1,"method":"`+method+`","params":`+params+`}`), bound)
			var out struct {
				Error *struct{ Message string } `json:"error"`
			}
			if err != nil || status != 200 || json.Unmarshal([]byte(body), &out) != nil || out.Error == nil {
				t.Errorf("HTTP %d %.200s %v; want a JSON-RPC error at once", status, body, err)
			}
		})
	}
	s.check(t)
}

// TestOversizeBodies: bodies past each service's limit, announced or not,
// are refused without being read whole.
func TestOversizeBodies(t *testing.T) {
	s := devnet(t)
	for name, r := range s.services(newKey()) {
		if r.method != "POST" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", r.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(bound))
			r.head(conn, 1<<40) // a terabyte, announced: a JSON string that never ends
			go func() {
				io.WriteString(conn, `{"method":"`)
				io.Copy(conn, io.LimitReader(letters{}, 64<<20))
			}()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				// Some refuse by closing once past their limit.
				if !isClosed(err) {
					t.Fatalf("no answer to a 1 TB body: %v", err)
				}
				return
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			rpcRefused := name == "chain RPC" && resp.StatusCode == 200 && strings.Contains(string(body), "too large")
			if !rpcRefused && (resp.StatusCode < 400 || resp.StatusCode >= 500) {
				t.Errorf("a 1 TB body: HTTP %d %.200s, want a 4xx", resp.StatusCode, body)
			}
		})
	}
	s.check(t)
}

// letters is an endless run of the letter a.
type letters struct{}

func (letters) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func isClosed(err error) bool {
	return err == io.EOF || err == io.ErrUnexpectedEOF || strings.Contains(err.Error(), "reset by peer") ||
		strings.Contains(err.Error(), "broken pipe")
}
