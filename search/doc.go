// Package search is the node's name search (GET /v1/search): prefix and
// substring matches over the names and subdomains the node knows: the
// exact name first, then the names the query begins in name order, then
// the others that contain it in the order they were indexed.
//
// # The index
//
// Index is in memory: every name once, in one byte arena; every name's id
// in name order, for prefixes (a sorted list and a short one of the names
// added since it was last merged in); and a posting list of ids per
// trigram, for substrings of three characters or more: the lists of the
// query's trigrams are intersected and each candidate checked. Shorter
// queries match prefixes only (a substring of one or two letters is in
// most names and helps nobody). Ids are given in order of arrival, so
// posting lists stay sorted by appending. Each group is read in its own
// order and a query stops once it has its page, so a page costs about the
// same whether a million names match or twenty.
//
// Nothing is ever removed: a name that stops being live (revoked, or
// expired past its grace period) is filtered out when a query reads it,
// since expiry comes with the chain's height, not with an operation. A
// reorganisation is the one thing that can take a name back, and the
// Follower answers it by building a new index.
//
// Like namedb's name table, the index holds no pointer per name (names are
// offsets into the arena, the map of ids is keyed by a hash), so that the
// garbage collector has nothing of it to mark at a million names.
//
// # Keeping it current
//
// The Follower feeds it from the name database (the names each new block's
// accepted operations touch, with their expiry and revocation) and the
// subdomain index (subdomains as they are first accepted). Search catches
// the index up before it answers, so a name registered in block N is found
// by any search made once block N is committed.
//
// # What it does not do
//
// It does not search profiles: a profile's name is only trustworthy once
// its signature is checked against the owner, and the node holds zone files,
// not profiles, which live on storage hubs it would have to fetch from
// (docs/api.md, "Search").
package search
