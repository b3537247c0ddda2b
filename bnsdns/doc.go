// Package bnsdns is an authoritative DNS server for BNS names: it answers
// ordinary DNS clients (dig, stub resolvers, recursive resolvers pointed at
// it) from the zone files that BNS names carry, so that alice.test resolves
// with no plug-in.
//
// # What it serves
//
// Every BNS namespace is a zone of its own ("test."), or, in suffix mode,
// every name sits under one ordinary DNS domain the operator delegates to
// the server ("alice.test.bns.example."). Inside it:
//
//   - a registered name (alice.test) answers from its current zone file: A,
//     AAAA, CNAME, MX, NS, PTR, SOA, SPF, SRV, TXT and URI, every type that
//     package zonefile reads, with owners relative to $ORIGIN and TTLs from
//     the record, else $TTL, else Config.DefaultTTL;
//   - a subdomain (bob.alice.test) answers from its own zone file, before
//     any record of its parent's zone file at that owner;
//   - a name that does not exist, or is expired or revoked, is NXDOMAIN with
//     the zone's SOA; a name that exists without the type asked is NODATA
//     (no answer, the SOA); wildcards ("*") and empty non-terminals follow
//     RFC 4592 and RFC 8020;
//   - CNAMEs are followed while their targets stay inside what the server
//     answers for (RFC 1034 §4.3.2), at most maxChase links.
//
// The subdomain operations in a parent's zone file (TXT records with
// owner=, seqn= and parts=) are BNS's own bookkeeping and are not served.
// NS records in a zone file are data at their owner, not delegations: the
// server answers for the whole name and holds every zone file itself.
//
// # Where names come from
//
// A Source: the node's name database and zone file store in-process, or a
// node's REST API. The server checks every zone file against the hash the
// Source says the chain (or the subdomain record) names, and serves none
// that does not match.
//
// # Freshness and cost
//
// Answers come from a cache of parsed zones, so a query costs no Source
// read in steady state. The server polls the Source's Tip and drops the
// whole cache when it changes (a new block, a zone file arriving), so new
// names, updates, transfers and expiry show within one block. The cache is
// bounded (Config.MaxEntries), so a flood of random names does not grow
// memory.
//
// # Transport
//
// UDP and TCP on one port (RFC 7766), EDNS0 (RFC 6891) with a UDP payload
// of at most 1232 bytes (the DNS Flag Day 2020 figure), truncation with TC
// set when an answer does not fit.
//
// # DNSSEC
//
// With Config.Key the server signs online, for clients that set the DO
// bit: one ECDSA P-256 key (algorithm 13) for every zone, served as the
// DNSKEY at each apex; an RRSIG after every RRset, cached until the tip
// moves; NXDOMAIN and NODATA proved by NSEC3 "white lies", records made up
// per answer that cover only the hash they deny (denial.go says why that
// scheme). The DS to give a zone's parent or a validating resolver is DS.
//
// It does not do zone transfers (AXFR and IXFR are refused), recursion,
// or dynamic updates.
package bnsdns
