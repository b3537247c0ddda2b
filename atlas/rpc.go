package atlas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// The wire protocol: one HTTP endpoint, POST Path, whose body is a JSON
// request {"method", "peer", "params"} and whose reply is {"result"} with
// status 200 or {"error"} with a 4xx/5xx status. Binary data (inventory
// bits, zone files) is base64, as in Blockstack v1, whose methods and
// limits these follow (docs/atlas.md, "The peer protocol"); unlike v1, inventory
// offsets and counts are in bits.

// Path is where a node serves the Atlas RPC.
const Path = "/v1/atlas"

// ProtocolVersion is what getinfo and ping report; peers must send one.
const ProtocolVersion = "go-blockstack-atlas/1"

const (
	// MaxInventoryBits bounds one inventory request, reply or announced
	// range: 64 KiB of bits, v1's chunk.
	MaxInventoryBits = 524288
	// MaxGetZonefiles bounds the hashes of one get_zonefiles (v1's 100).
	MaxGetZonefiles = 100
	// MaxPutZonefiles bounds the zone files of one put_zonefiles; the
	// request size bound below usually binds first.
	MaxPutZonefiles = 100
	// MaxPeersReply bounds a peer exchange reply (v1's NUM_NEIGHBORS).
	MaxPeersReply = 80
	// MaxAnnounceRanges bounds the ranges of one announce.
	MaxAnnounceRanges = 128
	// MaxCovered bounds the covered list of a put or announce.
	MaxCovered = maxCovered
	// maxOffset bounds inventory offsets: more zone files than the chain
	// could name in decades, and far from int overflow.
	maxOffset = 1 << 31

	// maxRequestBytes bounds a request body: a put_zonefiles batch of
	// maxPutBatch bytes of base64 plus the envelope.
	maxRequestBytes = 2 << 20
	maxPutBatch     = 1536 << 10
	// Reply bounds, checked by the client.
	maxSmallReply = 64 << 10
	maxInvReply   = MaxInventoryBits/8*4/3 + 4<<10
	// 100 zone files of the largest size, in base64, with their keys.
	maxGetReply = MaxGetZonefiles*(zonefile.MaxSize*4/3+64) + 4<<10
)

// RPC method names, Blockstack v1's where v1 has one.
const (
	methodPing      = "ping"
	methodGetInfo   = "getinfo"
	methodInventory = "get_zonefile_inventory"
	methodGet       = "get_zonefiles"
	methodPut       = "put_zonefiles"
	methodAnnounce  = "announce"
	methodExchange  = "peer_exchange"
)

var methods = map[string]bool{methodPing: true, methodGetInfo: true, methodInventory: true, methodGet: true,
	methodPut: true, methodAnnounce: true, methodExchange: true}

// request is the body of every call. Peer is the caller's advertised
// address; the server believes it only when it is on the caller's own IP.
type request struct {
	Method string          `json:"method"`
	Peer   string          `json:"peer,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
}

type reply struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// Info is getinfo's answer: what a node checks before taking a peer.
type Info struct {
	Network string `json:"network"`
	Version string `json:"server_version"`
	// NodeID is random per process, so a node recognises itself behind
	// an address it does not know is its own.
	NodeID    string `json:"node_id"`
	LastBlock int64  `json:"last_block_processed"` // -1: nothing indexed yet
	Consensus string `json:"consensus"`            // at LastBlock
	// AtHeight is the consensus hash at the height the caller asked for,
	// when this node has processed it.
	AtHeight      *BlockID `json:"at_height,omitempty"`
	ZonefileCount int      `json:"zonefile_count"`
	Present       int      `json:"zonefiles_present"`
}

// BlockID names a processed block by height and consensus hash.
type BlockID struct {
	Height    int64  `json:"height"`
	Consensus string `json:"consensus"`
}

type getInfoParams struct {
	Height *int64 `json:"height,omitempty"`
}

type inventoryParams struct {
	Offset int `json:"offset"` // bits
	Count  int `json:"count"`  // bits
}

// fragment is a range of an inventory: bits [Offset, Offset+Count), packed
// from the first bit of Inv. It is get_zonefile_inventory's reply and an
// announce's unit.
type fragment struct {
	Offset int    `json:"offset"`
	Count  int    `json:"count"`
	Inv    []byte `json:"inv"`
}

type getParams struct {
	Hashes []zonefile.Hash `json:"hashes"`
}

type getResult struct {
	Zonefiles map[zonefile.Hash][]byte `json:"zonefiles"`
}

type putParams struct {
	Zonefiles [][]byte `json:"zonefiles"`
	// Covered lists peers the sender's gossip already reaches: the
	// receiver need not pass these files on to them. Clients send none.
	Covered []string `json:"covered,omitempty"`
}

// put_zonefiles results, one per zone file.
const (
	putSaved   = "saved"   // stored, new to this node
	putPresent = "present" // already held
	putUnnamed = "unnamed" // this node's chain does not name its hash
	putInvalid = "invalid" // too large
	putFailed  = "failed"  // this node could not store it
)

type putResult struct {
	Results []string `json:"results"`
}

type announceParams struct {
	Ranges  []fragment `json:"ranges"`
	Covered []string   `json:"covered,omitempty"` // as for put_zonefiles
}

// announceResult is the reply to announce. Push asks the announcer for
// the bytes of what it announced: the receiver pulls only from peers in its
// table that are in good health, the announcer is not one of them, and the
// wave counts the receiver as told, so no one else would tell it.
type announceResult struct {
	Push bool `json:"push,omitempty"`
}

type exchangeResult struct {
	Peers []string `json:"peers"`
}

type pingResult struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// decodeStrict decodes exactly one JSON value with no unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}

// decodeRequest parses and checks a request body.
func decodeRequest(body []byte) (request, error) {
	var req request
	if err := decodeStrict(body, &req); err != nil {
		return req, fmt.Errorf("bad request: %w", err)
	}
	if !methods[req.Method] {
		return req, fmt.Errorf("bad request: unknown method %q", req.Method)
	}
	if req.Peer != "" {
		p, err := canonAddr(req.Peer)
		if err != nil {
			return req, fmt.Errorf("bad request: peer: %w", err)
		}
		req.Peer = p
	}
	return req, nil
}

// decodeParams parses a method's params; none is the same as {}.
func decodeParams(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	if err := decodeStrict(raw, v); err != nil {
		return fmt.Errorf("bad params: %w", err)
	}
	return nil
}

// checkSpan validates an offset and a count from the network; it must
// pass before either sizes anything.
func checkSpan(offset, count int) error {
	switch {
	case offset < 0 || offset > maxOffset:
		return fmt.Errorf("inventory offset %d out of range [0, %d]", offset, maxOffset)
	case count < 0 || count > MaxInventoryBits:
		return fmt.Errorf("inventory count %d out of range [0, %d]", count, MaxInventoryBits)
	}
	return nil
}

// check validates a fragment received from the network.
func (f fragment) check() error {
	if err := checkSpan(f.Offset, f.Count); err != nil {
		return err
	}
	switch {
	case len(f.Inv) != bytesFor(f.Count):
		return fmt.Errorf("inventory of %d bits has %d bytes, want %d", f.Count, len(f.Inv), bytesFor(f.Count))
	case f.Count%8 != 0 && f.Inv[len(f.Inv)-1]&(0xff>>(f.Count%8)) != 0:
		return errors.New("inventory padding bits are set")
	}
	return nil
}

func (p inventoryParams) check() error { return checkSpan(p.Offset, p.Count) }

// checkCovered validates and canonicalises a covered list.
func checkCovered(covered []string) ([]string, error) {
	if len(covered) > MaxCovered {
		return nil, fmt.Errorf("at most %d covered peers, not %d", MaxCovered, len(covered))
	}
	out := make([]string, len(covered))
	for i, a := range covered {
		c, err := canonAddr(a)
		if err != nil {
			return nil, fmt.Errorf("covered: %w", err)
		}
		out[i] = c
	}
	return out, nil
}

// canonAddr checks a host:port and returns its canonical form: lowercase
// host, IPv6 in brackets, "localhost" as 127.0.0.1, port without leading
// zeros. Hosts are IP literals or DNS names.
func canonAddr(s string) (string, error) {
	if len(s) > 300 {
		return "", fmt.Errorf("address of %d characters", len(s))
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", s, err)
	}
	pn, err := strconv.ParseUint(port, 10, 16)
	if err != nil || pn == 0 {
		return "", fmt.Errorf("address %q: port must be 1-65535", s)
	}
	host = strings.ToLower(host)
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return "", fmt.Errorf("address %q: zoned IPv6 addresses are not routable between nodes", s)
		}
		return netip.AddrPortFrom(ip.Unmap(), uint16(pn)).String(), nil
	}
	if !isDNSName(host) {
		return "", fmt.Errorf("address %q: host is neither an IP address nor a DNS name", s)
	}
	return net.JoinHostPort(host, strconv.FormatUint(pn, 10)), nil
}

func isDNSName(h string) bool {
	if len(h) == 0 || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(h, "."), ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// addrIP is the IP of a canonical address, if its host is a literal.
func addrIP(addr string) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr(), true
}
