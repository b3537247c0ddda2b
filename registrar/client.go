package registrar

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client talks to a registrar's HTTP API.
type Client struct {
	base string
	hc   *http.Client
}

// NewClient returns a client of the registrar at baseURL (nil hc: the
// default client).
func NewClient(baseURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("registrar: %q is not an http(s) URL", baseURL)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimSuffix(baseURL, "/"), hc: hc}, nil
}

// URL is the registrar's base URL.
func (c *Client) URL() string { return c.base }

// Error is an error answer of the registrar. It matches (errors.Is) the
// package's error of its status code.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("registrar: %d: %s", e.Code, e.Message) }

// Is maps the status code back to the error writeError chose it for.
func (e *Error) Is(target error) bool {
	for _, st := range statuses {
		if st.code == e.Code && st.err == target {
			return true
		}
	}
	return false
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("registrar: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("registrar: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("registrar: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Error  string `json:"error"`
			Status any    `json:"status"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		msg := e.Error
		if msg == "" {
			msg = fmt.Sprint(e.Status)
		}
		return &Error{Code: resp.StatusCode, Message: msg}
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("registrar: %s %s: %w", method, path, err)
	}
	return nil
}

// Register sends a signed registration.
func (c *Client) Register(ctx context.Context, req RegisterRequest) (*Accepted, error) {
	var a Accepted
	return &a, c.do(ctx, http.MethodPost, "/register", req, &a)
}

// Submit sends a signed record as an update or a transfer.
func (c *Client) Submit(ctx context.Context, kind Kind, req RecordRequest) (*Accepted, error) {
	var a Accepted
	return &a, c.do(ctx, http.MethodPost, "/"+string(kind), req, &a)
}

// Name reads the registrar's record of fqn; ErrUnknown if it holds none.
func (c *Client) Name(ctx context.Context, fqn string) (*NameRecord, error) {
	var n NameRecord
	return &n, c.do(ctx, http.MethodGet, "/v1/names/"+url.PathEscape(fqn), nil, &n)
}

// Status reads the status of the newest request for name.
func (c *Client) Status(ctx context.Context, name string) (*StatusReply, error) {
	var s StatusReply
	return &s, c.do(ctx, http.MethodGet, "/status/"+url.PathEscape(name), nil, &s)
}
