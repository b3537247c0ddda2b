// Package apiclient reads a node's REST API (/v1): this project's server in
// package api, or Blockstack Core's for the shapes both serve. The answers'
// types are package apitypes.
//
// It is a package of its own, importing none of the server, so that a
// program that only looks names up or publishes zone files links no name
// database, SQLite or indexer.
package apiclient

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
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
	// Location is where a redirect (3xx) points. The client follows none
	// by itself: the node redirects only a subdomain it does not know, to
	// a registrar its domain's zone file names, and only Name reads it.
	Location string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.URL, e.Status, http.StatusText(e.Status), e.Message)
	if e.Location != "" && e.Status != http.StatusFound {
		msg += " (redirected to " + e.Location + ": give the node's URL as it is served, e.g. https://)"
	}
	return msg
}

// Is lets callers branch on the kind of answer with errors.Is.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		// A 302 is the node's "not found on chain" for a subdomain whose
		// domain names a registrar.
		return e.Status == http.StatusNotFound || e.Status == http.StatusFound && e.Location != ""
	case ErrUnavailable:
		return e.Status == http.StatusServiceUnavailable
	}
	return false
}

// maxResponse bounds what the client reads of one answer: the largest, a
// page of names or a long history, is far below it.
const maxResponse = 16 << 20

// Client reads a node's /v1 API. It is safe for concurrent use.
type Client struct {
	base *url.URL
	hc   *http.Client
}

// Timeout bounds each request of New's default client.
const Timeout = 30 * time.Second

// New returns a client of the node at baseURL (scheme and host, e.g.
// http://127.0.0.1:16270). hc nil means a client with a Timeout per
// request; each call's context bounds it further. Redirects are not
// followed (whatever hc's CheckRedirect): a node's answer is the node's.
func New(baseURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("node URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("node URL %q: want http://HOST:PORT or https://HOST:PORT", baseURL)
	}
	u.Path, u.RawPath = strings.TrimSuffix(u.Path, "/"), ""
	u.RawQuery, u.Fragment = "", ""
	own := http.Client{Timeout: Timeout}
	if hc != nil {
		own = *hc
	}
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{base: u, hc: &own}, nil
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
	return c.send(ctx, method, b.String(), body, out)
}

// send sends a request to target and decodes a 2xx JSON answer into out
// (nil: discard it); any other answer is an *Error.
func (c *Client) send(ctx context.Context, method, target string, body any, out any) error {
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
		ae := &Error{Method: method, URL: target, Status: resp.StatusCode, Message: msg}
		if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
			ae.Location = resp.Header.Get("Location")
		}
		return ae
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

// Info reads /v1/info.
func (c *Client) Info(ctx context.Context) (*apitypes.Info, error) {
	var i apitypes.Info
	if err := c.get(ctx, &i, "v1", "info"); err != nil {
		return nil, err
	}
	return &i, nil
}

// Name reads a name's record; ErrNotFound if it was never registered. A
// subdomain the node does not know, whose domain names a registrar in its
// _resolver record, is answered by that registrar (the node redirects
// there, and the client follows): Status "pending_subdomain" or
// "submitted_subdomain" while its batch is not on chain.
func (c *Client) Name(ctx context.Context, name string) (*apitypes.Name, error) {
	var n apitypes.Name
	err := c.get(ctx, &n, "v1", "names", name)
	if e := (*Error)(nil); errors.As(err, &e) && e.Status == http.StatusFound && e.Location != "" {
		return c.fromRegistrar(ctx, name, e)
	}
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// fromRegistrar reads name from the registrar the node's redirect e sends
// it to. The redirect's target comes from a zone file, anyone's to write:
// it is followed once, to http(s) only, to a private or loopback address
// only from a node at one (a public node must not make its clients probe
// their own network), and only a pending record is taken from it (what
// is on chain is the node's to say, not the domain's registrar's).
func (c *Client) fromRegistrar(ctx context.Context, name string, e *Error) (*apitypes.Name, error) {
	u, err := c.base.Parse(e.Location)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("%s: the node sends the look-up to %q, not an http(s) URL: not followed", name, e.Location)
	}
	if privateHost(u.Hostname()) && !privateHost(c.base.Hostname()) {
		return nil, fmt.Errorf("%s: the node at %s sends the look-up to %s, a private address: not followed", name, c.base.Host, u.Host)
	}
	var n apitypes.Name
	if err := c.send(ctx, http.MethodGet, u.String(), nil, &n); err != nil {
		return nil, fmt.Errorf("%s: not on chain; its domain's registrar: %w", name, err)
	}
	if !n.Pending() {
		return nil, fmt.Errorf("%s: not on chain, yet the registrar at %s gives its status as %q: only a pending subdomain is taken from a registrar", name, u.Host, n.Status)
	}
	return &n, nil
}

// privateHost reports whether host is a loopback, private, link-local or
// unspecified address, or localhost. A name that resolves to one is not
// caught: only the dialer would see that.
func privateHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified())
}

// NameHistory reads a name's operations, oldest first; withRejected adds
// the operations the rules refused (an extension of /v1).
func (c *Client) NameHistory(ctx context.Context, name string, withRejected bool) ([]apitypes.HistoryEntry, error) {
	var q url.Values
	if withRejected {
		q = url.Values{"rejected": {"1"}}
	}
	var byBlock map[string][]json.RawMessage
	if err := c.do(ctx, http.MethodGet, q, nil, &byBlock, "v1", "names", name, "history"); err != nil {
		return nil, err
	}
	var out []apitypes.HistoryEntry
	for block, entries := range byBlock {
		height, err := strconv.ParseInt(block, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("history of %s: block %q is not a number", name, block)
		}
		for _, raw := range entries {
			var e apitypes.HistoryEntry
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
	slices.SortFunc(out, func(a, b apitypes.HistoryEntry) int {
		return cmp.Or(cmp.Compare(a.Block, b.Block), cmp.Compare(a.Vtxindex, b.Vtxindex))
	})
	return out, nil
}

// NameZonefile reads a name's current zone file; ErrNotFound when it has
// none or the node does not hold it.
func (c *Client) NameZonefile(ctx context.Context, name string) (string, error) {
	return c.NameZonefileByHash(ctx, name, "")
}

// NameZonefileByHash reads one of a name's zone files by its hash ("":
// the current one); ErrNotFound when the name never had it or the node
// does not hold it.
func (c *Client) NameZonefileByHash(ctx context.Context, name, hash string) (string, error) {
	var out struct {
		Zonefile string `json:"zonefile"`
	}
	segs := []string{"v1", "names", name, "zonefile"}
	if hash != "" {
		segs = append(segs, hash)
	}
	if err := c.get(ctx, &out, segs...); err != nil {
		return "", err
	}
	return out.Zonefile, nil
}

// Namespace reads a namespace; ErrNotFound if it was never revealed.
func (c *Client) Namespace(ctx context.Context, id string) (*apitypes.Namespace, error) {
	var ns apitypes.Namespace
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

// Operation reads what became of txid; ErrNotFound until a block holding
// it has been indexed.
func (c *Client) Operation(ctx context.Context, txid string) (*apitypes.Operation, error) {
	var op apitypes.Operation
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

// Subdomain reads a subdomain's record; ErrNotFound if it has none (or
// the node keeps no subdomains).
func (c *Client) Subdomain(ctx context.Context, fqn string) (*apitypes.Subdomain, error) {
	var s apitypes.Subdomain
	if err := c.get(ctx, &s, "v1", "names", fqn); err != nil {
		return nil, err
	}
	return &s, nil
}

// SNVBlock reads what SNV checks of the block at height; withOps false
// leaves its operations out (the steps of a walk need only the hashes).
func (c *Client) SNVBlock(ctx context.Context, height int64, withOps bool) (*apitypes.SNVBlock, error) {
	var b apitypes.SNVBlock
	q := url.Values{}
	if !withOps {
		q.Set("operations", "0")
	}
	if err := c.do(ctx, http.MethodGet, q, nil, &b, "v1", "blockchains", "bitcoin", "blocks", strconv.FormatInt(height, 10)); err != nil {
		return nil, err
	}
	return &b, nil
}

// NameProof reads name's record and its namespace's with their proofs as
// of the block at height (0: the node's last block). A node answers
// ErrNotFound for a block it has not indexed, and 503 while it applies a
// block (try again).
func (c *Client) NameProof(ctx context.Context, name string, height int64) (*apitypes.NameProof, error) {
	var p apitypes.NameProof
	q := url.Values{}
	if height != 0 {
		q.Set("height", strconv.FormatInt(height, 10))
	}
	if err := c.do(ctx, http.MethodGet, q, nil, &p, "v1", "names", name, "proof"); err != nil {
		return nil, err
	}
	return &p, nil
}

// NameSubdomains lists a domain's subdomains, fully qualified, in name
// order (all of them).
func (c *Client) NameSubdomains(ctx context.Context, name string) ([]string, error) {
	var out []string
	if err := c.get(ctx, &out, "v1", "names", name, "subdomains"); err != nil {
		return nil, err
	}
	return out, nil
}

// Subdomains lists page (from 0) of all subdomains, 100 a page.
func (c *Client) Subdomains(ctx context.Context, page int) ([]string, error) {
	var out []string
	if err := c.do(ctx, http.MethodGet, url.Values{"page": {strconv.Itoa(page)}}, nil, &out, "v1", "subdomains"); err != nil {
		return nil, err
	}
	return out, nil
}

// SubdomainsOfTx lists the subdomain records a transaction's zone file
// carried, accepted or not (none for a transaction that carried none).
func (c *Client) SubdomainsOfTx(ctx context.Context, txid string) ([]apitypes.SubdomainOp, error) {
	var out []apitypes.SubdomainOp
	if err := c.get(ctx, &out, "v1", "subdomains", txid); err != nil {
		return nil, err
	}
	return out, nil
}

// SubdomainCount is how many subdomains the node knows.
func (c *Client) SubdomainCount(ctx context.Context) (int64, error) {
	var out apitypes.Count
	err := c.get(ctx, &out, "v1", "blockchains", "bitcoin", "subdomains_count")
	return out.NamesCount, err
}

// NamespaceNameCount is how many names a namespace has; ErrNotFound if it
// was never revealed.
func (c *Client) NamespaceNameCount(ctx context.Context, id string) (int64, error) {
	var out apitypes.Count
	err := c.get(ctx, &out, "v1", "namespaces", id, "name_count")
	return out.NamesCount, err
}
