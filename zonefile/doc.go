// Package zonefile reads and writes the DNS zone files that Blockstack
// names point at. The chain commits only a zone file's hash (hash160 of its
// bytes, HashOf); the bytes travel through Atlas and say where a name's
// profile lives (a URI record) and, for names that host subdomains, carry
// the subdomain operations (TXT records).
//
// It owns
//
//   - the zone file text format as Blockstack uses it: $ORIGIN and $TTL, and
//     the record types A, AAAA, CNAME, MX, NS, PTR, SOA, SPF, SRV, TXT and
//     URI of class IN, with RFC 1035 quoting, escapes, comments and
//     parentheses (Parse), and one canonical, byte-stable way of printing
//     them (File.Format), so that the same File always has the same hash;
//   - the size limit every node enforces (MaxSize, 40,960 bytes) and the
//     zone file hash (Hash, HashOf, ParseHash);
//   - the Blockstack conventions inside a zone file: the profile URI record
//     (NewProfile, File.ProfileURLs), the subdomain TXT records (Subdomain,
//     ParseSubdomain, IsSubdomainRecord) and the registrar's reserved
//     records (File.ResolverURL, ParseMissing).
//
// It must not touch anything else: no I/O, no network, no clock, no chain
// state, no signature checking. Whether a hash was named on chain, where
// zone files are kept (package zonefile/store), whether a subdomain
// operation is accepted (its signature and sequence against the previous
// state) and who owns a name belong to other packages.
//
// The record set is the one the Blockstack v1 parsers (Python
// blockstack_zones, npm zone-file) accept; anything else is an error with a
// line and column, not a silent drop, as v1's Python parser also raised on
// lines it could not read. Two places where the
// npm parser, which apps use, reads text differently from RFC 1035 shape
// the printer: it strips everything after a ';' even inside quotes, and it
// does not decode escapes. The printer therefore escapes ';' inside quoted
// strings (so npm keeps the rest of the line) and needs no other escape for
// the text Blockstack writes (URLs, base64, addresses). testdata/npm pins
// the npm package and holds the fixtures that check both directions.
package zonefile
