package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNotFound matches (errors.Is) an *Error for a 404 answer: no such name,
// namespace, zone file, or (for Operation) no indexed operation yet.
var ErrNotFound = errors.New("not found")

// ErrUnavailable matches an *Error for a 503 answer: the node cannot do
// this (it keeps no zone files, or has indexed nothing yet).
var ErrUnavailable = errors.New("unavailable")

// Error is a node's error answer: its status and the JSON "error" message.
type Error struct {
	Method, URL string
	Status      int
	Message     string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.URL, e.Status, http.StatusText(e.Status), e.Message)
}

// Is lets callers branch on the kind of answer with errors.Is.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrUnavailable:
		return e.Status == http.StatusServiceUnavailable
	}
	return false
}

// maxResponse bounds what the client reads of one answer: the largest, a
// page of names or a long history, is far below it.
const maxResponse = 16 << 20

// Client reads a node's /v1 API (this package's server, or Blockstack
// Core's for the shapes both serve). It is safe for concurrent use.
type Client struct {
	base *url.URL
	hc   *http.Client
}

// NewClient returns a client of the node at baseURL (scheme and host, e.g.
// http://127.0.0.1:16270). hc nil means a client with a 30 s timeout per
// request; each call's context bounds it further.
func NewClient(baseURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("node URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("node URL %q: want http://HOST:PORT or https://HOST:PORT", baseURL)
	}
	u.Path, u.RawPath = strings.TrimSuffix(u.Path, "/"), ""
	u.RawQuery, u.Fragment = "", ""
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: u, hc: hc}, nil
}

// URL is the node's base URL.
func (c *Client) URL() string { return c.base.String() }

// do sends a request to the path built from segments (each escaped) and
// decodes a 2xx JSON answer into out (nil: discard it).
func (c *Client) do(ctx context.Context, method string, query url.Values, body any, out any, segments ...string) error {
	var b strings.Builder
	b.WriteString(c.base.String())
	for _, s := range segments {
		// Escaped, so that a segment never adds a level or a query.
		b.WriteString("/" + url.PathEscape(s))
	}
	if len(query) > 0 {
		b.WriteString("?" + query.Encode())
	}
	target := b.String()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, target, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, target, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("node at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, target, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return &Error{Method: method, URL: target, Status: resp.StatusCode, Message: msg}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, target, err)
	}
	return nil
}

func (c *Client) get(ctx context.Context, out any, segments ...string) error {
	return c.do(ctx, http.MethodGet, nil, nil, out, segments...)
}

// Info is /v1/info: what the node has indexed and under which rules.
type Info struct {
	ServerVersion string `json:"server_version"`
	Network       string `json:"network"`
	FirstBlock    int64  `json:"first_block"`
	// LastBlockProcessed is the last indexed block; 0 before the first.
	LastBlockProcessed int64 `json:"last_block_processed"`
	// Consensus is that block's consensus hash; "" before the first.
	Consensus string    `json:"consensus"`
	Rules     InfoRules `json:"rules"`
}

// InfoRules are the BNS time and quota constants the node applies.
type InfoRules struct {
	PreorderExpire        int64 `json:"preorder_expire"`
	NamespaceRevealExpire int64 `json:"namespace_reveal_expire"`
	PayToCreatorBlocks    int64 `json:"pay_to_creator_blocks"`
	GracePeriod           int64 `json:"grace_period"`
	ConsensusWindow       int64 `json:"consensus_window"`
	LifetimeMultiplier    int64 `json:"lifetime_multiplier"`
	MaxNamesPerOwner      int   `json:"max_names_per_owner"`
}

// Info reads /v1/info.
func (c *Client) Info(ctx context.Context) (*Info, error) {
	var i Info
	if err := c.get(ctx, &i, "v1", "info"); err != nil {
		return nil, err
	}
	return &i, nil
}

// Name is /v1/names/{name}: a name's record as of the node's last block.
type Name struct {
	// Status is "registered", "revoked" or "expired".
	Status          string `json:"status"`
	Address         string `json:"address"`
	Blockchain      string `json:"blockchain"`
	ExpireBlock     int64  `json:"expire_block"` // -1: never
	GracePeriod     bool   `json:"grace_period"`
	RenewalDeadline int64  `json:"renewal_deadline"`
	LastTxid        string `json:"last_txid"`
	// ZonefileHash is "" when the name has none.
	ZonefileHash string `json:"zonefile_hash"`
	// Zonefile is the zone file, nil when the node does not hold it.
	Zonefile *string `json:"zonefile"`
}

// Name reads a name's record; ErrNotFound if it was never registered.
func (c *Client) Name(ctx context.Context, name string) (*Name, error) {
	var n Name
	if err := c.get(ctx, &n, "v1", "names", name); err != nil {
		return nil, err
	}
	return &n, nil
}

// HistoryEntry is one operation of a name's history.
type HistoryEntry struct {
	Block    int64  `json:"block_number"`
	Vtxindex int    `json:"vtxindex"`
	Txid     string `json:"txid"`
	Opcode   string `json:"opcode"`
	Accepted bool   `json:"accepted"`
	// Reason says why a rejected operation was refused.
	Reason string `json:"reason"`
	// Fields is the whole entry: for an accepted operation, the name's
	// state after it.
	Fields map[string]any `json:"-"`
}

// NameHistory reads a name's operations, oldest first; withRejected adds
// the operations the rules refused (an extension of /v1).
func (c *Client) NameHistory(ctx context.Context, name string, withRejected bool) ([]HistoryEntry, error) {
	var q url.Values
	if withRejected {
		q = url.Values{"rejected": {"1"}}
	}
	var byBlock map[string][]json.RawMessage
	if err := c.do(ctx, http.MethodGet, q, nil, &byBlock, "v1", "names", name, "history"); err != nil {
		return nil, err
	}
	var out []HistoryEntry
	for block, entries := range byBlock {
		height, err := strconv.ParseInt(block, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("history of %s: block %q is not a number", name, block)
		}
		for _, raw := range entries {
			var e HistoryEntry
			if err := json.Unmarshal(raw, &e); err != nil {
				return nil, fmt.Errorf("history of %s: %w", name, err)
			}
			if err := json.Unmarshal(raw, &e.Fields); err != nil {
				return nil, fmt.Errorf("history of %s: %w", name, err)
			}
			e.Block = height
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b HistoryEntry) int {
		return cmp.Or(cmp.Compare(a.Block, b.Block), cmp.Compare(a.Vtxindex, b.Vtxindex))
	})
	return out, nil
}

// NameZonefile reads a name's current zone file; ErrNotFound when it has
// none or the node does not hold it.
func (c *Client) NameZonefile(ctx context.Context, name string) (string, error) {
	var out struct {
		Zonefile string `json:"zonefile"`
	}
	if err := c.get(ctx, &out, "v1", "names", name, "zonefile"); err != nil {
		return "", err
	}
	return out.Zonefile, nil
}

// Namespace is /v1/namespaces/{id}: a revealed namespace.
type Namespace struct {
	NamespaceID      string  `json:"namespace_id"`
	Address          string  `json:"address"`           // the revealer
	RecipientAddress string  `json:"recipient_address"` // the reveal address: imports and READY
	RevealBlock      int64   `json:"reveal_block"`
	ReadyBlock       int64   `json:"ready_block"`
	Ready            bool    `json:"ready"`
	Lifetime         uint32  `json:"lifetime"`
	Coeff            uint8   `json:"coeff"`
	Base             uint8   `json:"base"`
	Buckets          Buckets `json:"buckets"`
	NonalphaDiscount uint8   `json:"nonalpha_discount"`
	NoVowelDiscount  uint8   `json:"no_vowel_discount"`
	Version          uint16  `json:"version"`
	Txid             string  `json:"txid"`
}

// Buckets are a namespace's 16 price exponents. Blockstack Core sent them
// as the string "[6, 5, 4, ...]", this node as a JSON array; both decode.
type Buckets [16]uint8

// UnmarshalJSON accepts an array or a string holding one.
func (b *Buckets) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		data = []byte(s)
	}
	var vs []uint8
	if err := json.Unmarshal(data, &vs); err != nil {
		return fmt.Errorf("buckets: %w", err)
	}
	if len(vs) != len(b) {
		return fmt.Errorf("buckets: %d values, want %d", len(vs), len(b))
	}
	copy(b[:], vs)
	return nil
}

// Namespace reads a namespace; ErrNotFound if it was never revealed.
func (c *Client) Namespace(ctx context.Context, id string) (*Namespace, error) {
	var ns Namespace
	if err := c.get(ctx, &ns, "v1", "namespaces", id); err != nil {
		return nil, err
	}
	return &ns, nil
}

// NamePrice is what registering name costs now, in satoshis.
func (c *Client) NamePrice(ctx context.Context, name string) (int64, error) {
	var out struct {
		NamePrice struct {
			Satoshis int64 `json:"satoshis"`
		} `json:"name_price"`
	}
	if err := c.get(ctx, &out, "v1", "prices", "names", name); err != nil {
		return 0, err
	}
	return out.NamePrice.Satoshis, nil
}

// NamespacePrice is what preordering namespace id costs, in satoshis.
func (c *Client) NamespacePrice(ctx context.Context, id string) (int64, error) {
	var out struct {
		Satoshis int64 `json:"satoshis"`
	}
	if err := c.get(ctx, &out, "v1", "prices", "namespaces", id); err != nil {
		return 0, err
	}
	return out.Satoshis, nil
}

// NamesOwned lists the names an address owns, sorted.
func (c *Client) NamesOwned(ctx context.Context, address string) ([]string, error) {
	var out struct {
		Names []string `json:"names"`
	}
	if err := c.get(ctx, &out, "v1", "addresses", "bitcoin", address); err != nil {
		return nil, err
	}
	return out.Names, nil
}

// Operation is /v1/operations/{txid}: what the rules made of a
// transaction's name operation.
type Operation struct {
	Txid     string `json:"txid"`
	Block    int64  `json:"block_number"`
	Vtxindex int    `json:"vtxindex"`
	Opcode   string `json:"opcode"`
	// Subject is the name, namespace id or preorder hash.
	Subject  string `json:"subject"`
	Accepted bool   `json:"accepted"`
	Reason   string `json:"reason"`
	// Record is the subject's state after an accepted operation.
	Record json.RawMessage `json:"record"`
}

// Operation reads what became of txid; ErrNotFound until a block holding
// it has been indexed.
func (c *Client) Operation(ctx context.Context, txid string) (*Operation, error) {
	var op Operation
	if err := c.get(ctx, &op, "v1", "operations", txid); err != nil {
		return nil, err
	}
	return &op, nil
}

// PutZonefile publishes a zone file (sent as base64, so that the bytes the
// chain's hash covers arrive unchanged) and returns its hash. The node
// refuses zone files whose hash no name operation carries; ErrUnavailable
// when it keeps no zone files.
func (c *Client) PutZonefile(ctx context.Context, data []byte) (string, error) {
	var out struct {
		Hash string `json:"zonefile_hash"`
	}
	body := map[string]string{"zonefile_b64": base64.StdEncoding.EncodeToString(data)}
	if err := c.do(ctx, http.MethodPost, nil, body, &out, "v1", "zonefile"); err != nil {
		return "", err
	}
	return out.Hash, nil
}

// Subdomain is /v1/names/{fqn} for a subdomain ("label.name.namespace"):
// its current record as the node's subdomain index has it.
type Subdomain struct {
	// Status is "registered_subdomain".
	Status       string `json:"status"`
	Address      string `json:"address"`
	Seq          uint64 `json:"seqn"`
	Domain       string `json:"domain"`
	LastTxid     string `json:"last_txid"`
	Block        int64  `json:"block_height"`
	Zonefile     string `json:"zonefile"`
	ZonefileHash string `json:"zonefile_hash"`
}

// Subdomain reads a subdomain's record; ErrNotFound if it has none (or
// the node keeps no subdomains).
func (c *Client) Subdomain(ctx context.Context, fqn string) (*Subdomain, error) {
	var s Subdomain
	if err := c.get(ctx, &s, "v1", "names", fqn); err != nil {
		return nil, err
	}
	return &s, nil
}
