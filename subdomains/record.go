package subdomains

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// ZonefileRef is one zone file of the chain's inventory with its bytes:
// what the indexer takes in. Name, Block, Index and Txid come from the
// name database's inventory row (namedb.ZonefileHash), Data from the zone
// file store or Atlas.
type ZonefileRef struct {
	// Name is the on-chain name whose operation named this zone file.
	Name string
	// Block is the height of the block holding that operation.
	Block int64
	// Index is the zone file's inventory index (namedb's seq, from 1): it
	// grows in chain order, so it orders zone files by block height, then
	// by position in the block.
	Index int64
	// Txid is the operation's transaction.
	Txid string
	// Hash is the zone file hash the chain names; Data must hash to it.
	Hash zonefile.Hash
	// Data is the zone file.
	Data []byte
}

// RefOf pairs an inventory row of the name database with the zone file's
// bytes.
func RefOf(z namedb.ZonefileHash, data []byte) (ZonefileRef, error) {
	h, err := zonefile.ParseHash(z.Hash)
	if err != nil {
		return ZonefileRef{}, fmt.Errorf("subdomains: inventory %d: %w", z.Seq, err)
	}
	return ZonefileRef{Name: z.Name, Block: z.Block, Index: z.Seq, Txid: z.Txid, Hash: h, Data: data}, nil
}

// Reason says why a record was rejected; "" for an accepted one. The
// codes are stable (stored, and the API shows them); Record.Why says the
// same in words, with the numbers.
type Reason string

// The reasons a record is rejected, one per rule of docs/subdomains.md and v1's
// check_initial_subdomain, check_subdomain_transition and
// decode_zonefile_subdomains.
const (
	Accepted Reason = ""
	// ReasonNotCreated: the first record of a subdomain has seqn ≠ 0.
	ReasonNotCreated Reason = "not-created"
	// ReasonCreatedOutsideParent: a creation (seqn 0) in a zone file other
	// than its parent domain's.
	ReasonCreatedOutsideParent Reason = "created-outside-parent"
	// ReasonSeqnReplay: seqn ≤ the current one.
	ReasonSeqnReplay Reason = "seqn-replay"
	// ReasonSeqnGap: seqn > the current one + 1.
	ReasonSeqnGap Reason = "seqn-gap"
	// ReasonBadSignature: no valid signature by the current owner.
	ReasonBadSignature Reason = "bad-signature"
	// ReasonIndependentTransfer: a record in another name's zone file
	// changes the owner.
	ReasonIndependentTransfer Reason = "independent-transfer"
	// ReasonDuplicate: another record for the same subdomain in the same
	// zone file won (the lowest seqn, the first on a tie); v1 dropped these.
	ReasonDuplicate Reason = "duplicate-in-zonefile"
)

// Record is one subdomain operation as the indexer stores it: the TXT
// record, where the chain put it, and the verdict.
type Record struct {
	// Name is the subdomain's fully-qualified name, "alice.foo.id".
	Name string `json:"name"`
	// Parent is the domain it belongs to, "foo.id".
	Parent string `json:"parent"`
	// Domain is the on-chain name whose zone file carried the record:
	// Parent, or another name for an independent record.
	Domain string `json:"domain"`
	// Owner is the owner address the record sets.
	Owner string `json:"owner"`
	// Seq is the record's sequence number.
	Seq uint64 `json:"seqn"`
	// ZoneFile is the subdomain's own zone file; ZoneFileHash its hash.
	ZoneFile     []byte        `json:"zonefile"`
	ZoneFileHash zonefile.Hash `json:"zonefile_hash"`
	// Sig is the base64 scriptSig, "" if none.
	Sig string `json:"sig,omitempty"`
	// Block, Index and Txid locate the carrying zone file on chain
	// (ZonefileRef); Offset is the record's position among the zone
	// file's subdomain records, from 0.
	Block  int64  `json:"block_height"`
	Index  int64  `json:"zonefile_index"`
	Offset int    `json:"zonefile_offset"`
	Txid   string `json:"txid"`
	// ParentZonefileHash is the carrying zone file's hash.
	ParentZonefileHash zonefile.Hash `json:"parent_zonefile_hash"`
	// Accepted is the verdict; Reason and Why say why not.
	Accepted bool   `json:"accepted"`
	Reason   Reason `json:"reason,omitempty"`
	Why      string `json:"why,omitempty"`

	// signer is who validly signed the record ("" if nobody): computed
	// once, stored, compared by the rules with the previous owner.
	signer addrKey
}

// Independent reports whether the record was carried by another name's
// zone file than its parent's.
func (r *Record) Independent() bool { return r.Domain != r.Parent }

// ErrBadOrigin is returned (wrapped) for a zone file whose $ORIGIN is not
// the name that anchored it: v1 discarded all its subdomain records.
var ErrBadOrigin = errors.New("zone file origin is not its name")

// decode extracts a zone file's subdomain records in file order (v1
// decode_zonefile_subdomains): records that do not parse, are reserved or
// have invalid names are skipped without taking an offset; of several for
// one subdomain, all but the lowest seqn (the first on a tie) are kept as
// ReasonDuplicate. Signatures are not checked here.
//
// A zone file that does not parse or whose $ORIGIN differs from ref.Name
// has no records (and an error saying why: the indexer still records that
// it saw it).
func decode(ref ZonefileRef) ([]*Record, error) {
	f, err := zonefile.Parse(ref.Data)
	if err != nil {
		return nil, fmt.Errorf("subdomains: zone file %d of %s: %w", ref.Index, ref.Name, err)
	}
	if f.Origin != ref.Name {
		return nil, fmt.Errorf("subdomains: zone file %d: $ORIGIN %q, anchored by %q: %w", ref.Index, f.Origin, ref.Name, ErrBadOrigin)
	}
	var out []*Record
	first := map[string]*Record{} // name → the record that wins so far
	for _, rr := range f.Records {
		if !zonefile.IsSubdomainRecord(rr) {
			continue
		}
		sd, err := zonefile.ParseSubdomain(rr)
		if err != nil {
			continue // malformed or reserved: v1 skipped the record
		}
		fqn, parent, ok := qualify(sd.Name, ref.Name)
		if !ok {
			continue
		}
		r := &Record{
			Name: fqn, Parent: parent, Domain: ref.Name, Owner: sd.Owner, Seq: sd.Seq,
			ZoneFile: sd.ZoneFile, ZoneFileHash: zonefile.HashOf(sd.ZoneFile), Sig: sd.Sig,
			Block: ref.Block, Index: ref.Index, Offset: len(out), Txid: ref.Txid, ParentZonefileHash: ref.Hash,
		}
		out = append(out, r)
		if w, ok := first[fqn]; !ok || r.Seq < w.Seq {
			first[fqn] = r
		}
	}
	for _, r := range out {
		if w := first[r.Name]; w != r {
			r.Reason = ReasonDuplicate
			r.Why = fmt.Sprintf("record %d of this zone file for %s wins with seqn %d (the lowest, the first on a tie)", w.Offset, r.Name, w.Seq)
		}
	}
	return out, nil
}

// ErrBadName is wrapped by SplitFQN's error.
var ErrBadName = errors.New("not a subdomain name")

// IsFQN reports whether s has a subdomain's shape, three dot-separated
// parts ("alice.foo.id"), as opposed to an on-chain name's two: callers
// route by it, then SplitFQN checks the parts.
func IsFQN(s string) bool { return strings.Count(s, ".") == 2 }

// SplitFQN checks a subdomain's fully-qualified name, "label.name.namespace",
// and returns its label and parent domain.
func SplitFQN(fqn string) (label, parent string, err error) {
	if !IsFQN(fqn) {
		return "", "", fmt.Errorf("%w: %q (want label.name.namespace)", ErrBadName, fqn)
	}
	if _, parent, ok := qualify(fqn, ""); ok {
		label, _, _ = strings.Cut(fqn, ".")
		return label, parent, nil
	}
	return "", "", fmt.Errorf("%w: %q (the label is one or more of a-z 0-9 - _ +, the parent a valid name)", ErrBadName, fqn)
}

// qualify turns a record name into the subdomain's fully-qualified name
// and parent (v1 parse_subdomain_record and is_address_subdomain): a name
// with exactly two dots is already fully qualified, one without dots is a
// label of the carrying domain, anything else is invalid. The label is
// one or more of [a-z0-9-_+] (v1 set no length limit); the parent must be
// a valid BNS name.
func qualify(name, domain string) (fqn, parent string, ok bool) {
	switch strings.Count(name, ".") {
	case 0:
		fqn = name + "." + domain
	case 2:
		fqn = name
	default:
		return "", "", false
	}
	label, parent, _ := strings.Cut(fqn, ".")
	if label == "" || bns.ValidName(parent) != nil {
		return "", "", false
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '+') {
			return "", "", false
		}
	}
	return fqn, parent, true
}

// parentOf is the parent domain of a fully-qualified name.
func parentOf(fqn string) string {
	_, parent, _ := strings.Cut(fqn, ".")
	return parent
}

// subdomain is the record as zonefile.Subdomain, named as v1 named it in
// the signed text: the label when carried by its parent, the
// fully-qualified name otherwise (pack_subdomain).
func (r *Record) subdomain() zonefile.Subdomain {
	name := r.Name
	if !r.Independent() {
		name, _, _ = strings.Cut(r.Name, ".")
	}
	return zonefile.Subdomain{Name: name, Owner: r.Owner, Seq: r.Seq, ZoneFile: r.ZoneFile, Sig: r.Sig}
}
