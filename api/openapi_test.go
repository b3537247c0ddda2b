package api

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"

	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/subdomains/subdomainstest"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// TestOpenAPIMatchesHandlers: the served OpenAPI document lists every
// route, each documented operation is served, and the answers of every
// endpoint (successes on the fixture, empty lists, other statuses of a
// name, and errors) have the shapes the document gives them.
func TestOpenAPIMatchesHandlers(t *testing.T) {
	s, _ := fixture(t)
	ctx := context.Background()
	txid := strings.Repeat("ab", 32)
	tx, err := s.cfg.DB.Begin(ctx, 21)
	must(t, err)
	must(t, tx.AddHistory(namedb.HistoryEntry{Block: 21, Vtxindex: 1, Txid: txid, Op: "NAME_UPDATE", Subject: "alice.test",
		Accepted: false, Code: rules.ErrNotOwner, Reason: "not the owner", Record: json.RawMessage(`{"name":"alice.test"}`)}))
	must(t, tx.Commit(namedb.Block{Height: 21, Hash: fmt.Sprintf("%064x", 21), ConsensusHash: fmt.Sprintf("%032x", 21), OpsHash: "00"}, nil))

	sub := []byte("$ORIGIN bob.alice.test\n")
	s.cfg.Subdomains = subdomainstest.Index{"bob.alice.test": {{Name: "bob.alice.test", Parent: "alice.test", Domain: "alice.test",
		Owner: "mkAlice1111111111111111111111111111", ZoneFile: sub, ZoneFileHash: zonefile.HashOf(sub), Block: 6, Index: 3,
		Txid: strings.Repeat("cd", 32), Accepted: true}}}
	// A chain ahead of the node: info says stale, names carry estimates.
	c := &fakeChain{start: time.Unix(1_700_000_000, 0), spacing: 10 * time.Minute}
	c.tip.Store(40)
	s.cfg.Chain, s.clock = c, NewBlockClock(c)

	status, _, raw := do(t, s, "GET", "/v1/openapi.json", "")
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(raw), &doc); status != http.StatusOK || err != nil {
		t.Fatalf("openapi.json: %d, %v", status, err)
	}
	zhash := fmt.Sprintf("%x", btcutil.Hash160([]byte(zonefileText)))
	vars := map[string]string{"{name}": "alice.test", "{id}": "test", "{hash}": zhash, "{txid}": txid,
		"{address}": "mkAlice1111111111111111111111111111", "{height}": "21"}
	// More requests of a documented path: each answer must fit the
	// documented 200 answer or, for another status, the error.
	more := map[string][]string{
		"/v1/names":                         {"/v1/names?page=99"},
		"/v1/names/{name}":                  {"/v1/names/frozen.test", "/v1/names/old.test", "/v1/names/gone.test", "/v1/names/nobody.test", "/v1/names/Bad!", "/v1/names/bob.alice.test"},
		"/v1/names/{name}/history":          {"/v1/names/alice.test/history?rejected=1", "/v1/names/nobody.test/history", "/v1/names/bob.alice.test/history"},
		"/v1/names/{name}/zonefile":         {"/v1/names/frozen.test/zonefile", "/v1/names/bob.alice.test/zonefile"},
		"/v1/addresses/bitcoin/{address}":   {"/v1/addresses/bitcoin/mkNobody11111111111111111111111111", "/v1/addresses/bitcoin/x"},
		"/v1/namespaces/{id}":               {"/v1/namespaces/nope"},
		"/v1/namespaces/{id}/names":         {"/v1/namespaces/test/names?page=5"},
		"/v1/operations/{txid}":             {"/v1/operations/" + strings.Repeat("0", 64)},
		"/v1/prices/names/{name}":           {"/v1/prices/names/a-b_c.test"},
		"/v1/names/{name}/zonefile/{hash}":  {"/v1/names/alice.test/zonefile/" + strings.Repeat("0", 40)},
		"/v1/blockchains/bitcoin/consensus": nil,
		"/v1/blockchains/bitcoin/blocks/{height}": {"/v1/blockchains/bitcoin/blocks/20?operations=0", "/v1/blockchains/bitcoin/blocks/9999",
			"/v1/blockchains/bitcoin/blocks/0", "/v1/blockchains/bitcoin/blocks/x"},
		"/v1/blockchains/bitcoin/operations/{height}": {"/v1/blockchains/bitcoin/operations/21?rejected=1", "/v1/blockchains/bitcoin/operations/20",
			"/v1/blockchains/bitcoin/operations/9999", "/v1/blockchains/bitcoin/operations/x"},
		"/v1/names/{name}/proof": {"/v1/names/nobody.test/proof", "/v1/names/alice.test/proof?height=20",
			"/v1/names/alice.test/proof?height=9999", "/v1/names/Bad!/proof", "/v1/names/alice.test/proof?height=x"},
		"/v1/names/{name}/subdomains":    {"/v1/names/alice.test/subdomains?page=0", "/v1/names/nobody.test/subdomains"},
		"/v1/subdomains":                 {"/v1/subdomains?page=5", "/v1/subdomains?page=x"},
		"/v1/subdomains/{txid}":          {"/v1/subdomains/" + strings.Repeat("cd", 32), "/v1/subdomains/x"},
		"/v1/namespaces/{id}/name_count": {"/v1/namespaces/nope/name_count"},
		"/v1/search":                     {"/v1/search?query=zzz", "/v1/search?query=test&page=1", "/v1/search", "/v1/search?query=a&page=50"},
	}
	// Paths whose first request needs a query to be a 200.
	first := map[string]string{"/v1/search": "?query=ali"}
	// The zone file is published first: the zone file reads need it.
	paths := slices.Sorted(maps.Keys(doc.Paths))
	slices.SortStableFunc(paths, func(a, b string) int {
		_, ap := doc.Paths[a]["post"]
		_, bp := doc.Paths[b]["post"]
		switch {
		case ap && !bp:
			return -1
		case bp && !ap:
			return 1
		}
		return 0
	})
	n := 0
	for _, path := range paths {
		// /readyz is a 200 only for a node that is not behind: for it
		// alone, the chain's tip is the node's last block.
		c.tip.Store(40)
		if path == "/readyz" {
			c.tip.Store(21)
		}
		for method, op := range doc.Paths[path] {
			n++
			concrete := pathVarRE.ReplaceAllStringFunc(path, func(v string) string { return vars[v] }) + first[path]
			body := ""
			if method == "post" {
				b, _ := json.Marshal(map[string]string{"zonefile": zonefileText})
				body = string(b)
			}
			ok, errAnswer := op.Responses["200"], op.Responses["default"].Content["application/json"].Schema
			for i, p := range append([]string{concrete}, more[path]...) {
				status, _, raw := do(t, s, strings.ToUpper(method), p, body)
				if strings.Contains(raw, "no such endpoint") {
					t.Errorf("documented %s %s is not served", method, path)
					continue
				}
				if i == 0 && status != http.StatusOK {
					t.Errorf("%s %s: %d %s, want a 200 to check against the document", method, p, status, raw)
					continue
				}
				want := errAnswer
				if status == http.StatusOK {
					if c, text := ok.Content["text/plain"]; text {
						if c.Schema["type"] != "string" || raw == "" {
							t.Errorf("%s %s: text answer %q, documented %v", method, p, raw, c.Schema)
						}
						continue
					}
					want = ok.Content["application/json"].Schema
				}
				var v any
				if err := json.Unmarshal([]byte(raw), &v); err != nil {
					t.Errorf("%s %s: %d answer is not JSON: %q", method, p, status, raw)
					continue
				}
				if err := validate(want, v, "$"); err != nil {
					t.Errorf("%s %s: %d answer %s does not fit the document: %v", method, p, status, raw, err)
				}
			}
		}
	}
	if n != len(s.routes()) {
		t.Errorf("document lists %d operations, the server has %d routes", n, len(s.routes()))
	}
}

// validate checks v, decoded JSON, against s, an OpenAPI schema as the
// document serves it (the subset schema.go writes).
func validate(s map[string]any, v any, at string) error {
	if alts, ok := s["oneOf"].([]any); ok {
		var errs []string
		for _, a := range alts {
			err := validate(a.(map[string]any), v, at)
			if err == nil {
				return nil
			}
			errs = append(errs, err.Error())
		}
		return fmt.Errorf("%s fits none of oneOf: %s", at, strings.Join(errs, "; "))
	}
	typ, _ := s["type"].(string)
	if v == nil {
		if typ == "" || s["nullable"] == true {
			return nil
		}
		return fmt.Errorf("%s is null, want %s", at, typ)
	}
	switch typ {
	case "":
		return nil
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s = %v, want a string", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s = %v, want a boolean", at, v)
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			return fmt.Errorf("%s = %v, want an integer", at, v)
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s = %v, want an array", at, v)
		}
		for i, e := range a {
			if err := validate(s["items"].(map[string]any), e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s = %v, want an object", at, v)
		}
		req, _ := s["required"].([]any)
		for _, k := range req {
			if _, ok := m[k.(string)]; !ok {
				return fmt.Errorf("%s lacks %q", at, k)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, e := range m {
			sub, declared := props[k].(map[string]any)
			if !declared {
				switch extra := s["additionalProperties"].(type) {
				case bool:
					if !extra {
						return fmt.Errorf("%s has %q, which the document does not list", at, k)
					}
					continue
				case map[string]any:
					sub = extra
				default:
					continue
				}
			}
			if err := validate(sub, e, at+"."+k); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s: the document's type %q is not one the test knows", at, typ)
	}
	return nil
}
