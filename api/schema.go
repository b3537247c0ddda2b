package api

import (
	"maps"
	"slices"
)

// schema is an OpenAPI 3.0 schema object. The routes declare their 200
// answers with the helpers below, by hand, and a test checks every
// endpoint's real answers against them (validate), so the document says
// what the handlers send.
type schema map[string]any

var (
	str     = schema{"type": "string"}
	integer = schema{"type": "integer"}
	boolean = schema{"type": "boolean"}
)

// object is a JSON object with exactly props, all required.
func object(props map[string]schema) schema {
	return schema{"type": "object", "properties": props, "required": slices.Sorted(maps.Keys(props)), "additionalProperties": false}
}

// with is object s plus optional properties.
func (s schema) with(optional map[string]schema) schema {
	props := maps.Clone(s["properties"].(map[string]schema))
	maps.Copy(props, optional)
	out := maps.Clone(s)
	out["properties"] = props
	return out
}

// open is object s that may carry other properties too (records whose
// fields depend on the operation).
func (s schema) open() schema {
	out := maps.Clone(s)
	out["additionalProperties"] = true
	return out
}

// orNull is s or JSON's null.
func orNull(s schema) schema {
	out := maps.Clone(s)
	out["nullable"] = true
	return out
}

func arrayOf(items schema) schema { return schema{"type": "array", "items": items} }

// mapOf is an object whose every property is values.
func mapOf(values schema) schema { return schema{"type": "object", "additionalProperties": values} }

func oneOf(alts ...schema) schema { return schema{"oneOf": alts} }

// The answers' shapes that several routes share.
var (
	nameList     = arrayOf(str)
	priceSchema  = object(map[string]schema{"satoshis": integer, "units": str, "amount": str})
	zonefileJSON = object(map[string]schema{"zonefile": str})
	nameSchema   = oneOf(
		object(map[string]schema{"address": str, "blockchain": str, "expire_block": integer, "grace_period": boolean,
			"last_txid": str, "renewal_deadline": integer, "resolver": orNull(str), "status": str,
			"zonefile": orNull(str), "zonefile_hash": orNull(str), "expiry_estimate": orNull(expirySchema)}),
		object(map[string]schema{"address": str, "blockchain": str, "last_txid": str, "resolver": orNull(str),
			"status": str, "zonefile": str, "zonefile_hash": str, "subdomain": boolean, "domain": str,
			"block_height": integer, "seqn": integer}))
	// A history entry is the operation's record (its fields depend on
	// the operation) with where it happened.
	historySchema = mapOf(arrayOf(object(map[string]schema{"opcode": str, "txid": str, "block_number": integer,
		"accepted": boolean}).with(map[string]schema{"vtxindex": integer, "reason": str, "code": str}).open()))
	namespaceSchema = object(map[string]schema{"namespace_id": str, "address": str, "sender": str,
		"recipient_address": str, "recipient": str, "preorder_hash": str, "preorder_block": integer,
		"reveal_block": integer, "ready_block": integer, "ready": boolean, "lifetime": integer, "coeff": integer,
		"base": integer, "buckets": arrayOf(integer), "nonalpha_discount": integer, "no_vowel_discount": integer,
		"version": integer, "burn": integer, "op": str, "txid": str, "vtxindex": integer, "block_number": integer})
	// expirySchema dates a name's expiry heights, estimated.
	expirySchema = object(map[string]schema{"expire_date": str, "renewal_deadline_date": str, "estimated": boolean,
		"seconds_per_block": integer, "from_blocks": integer, "as_of_block": integer})
	infoSchema = object(map[string]schema{"server_version": str, "server_alive": boolean, "network": str,
		"testnet": boolean, "first_block": integer, "rule_set": str, "last_block_processed": orNull(integer), "consensus": orNull(str),
		"last_block_seen": orNull(integer), "stale": boolean, "stale_after_blocks": integer,
		"rules": object(map[string]schema{"preorder_expire": integer, "namespace_reveal_expire": integer,
			"pay_to_creator_blocks": integer, "grace_period": integer, "consensus_window": integer,
			"lifetime_multiplier": integer, "max_names_per_owner": integer})}).with(map[string]schema{"warning": str})
	countSchema       = object(map[string]schema{"names_count": integer})
	subdomainOpSchema = object(map[string]schema{"accepted": integer, "block_height": integer, "domain": str,
		"fully_qualified_subdomain": str, "missing": str, "owner": str, "parent_zonefile_hash": str,
		"parent_zonefile_index": integer, "resolver": str, "sequence": integer, "signature": str, "txid": str,
		"zonefile_hash": str, "zonefile_offset": integer})
	readySchema    = object(map[string]schema{"status": str, "last_block_processed": integer, "last_block_seen": orNull(integer)})
	snvBlockSchema = object(map[string]schema{"height": integer, "block_hash": str, "consensus_hash": str, "ops_hash": str,
		"state_root": str, "accepted": integer, "operations": arrayOf(str),
		"prior_consensus_hashes": arrayOf(object(map[string]schema{"height": integer, "consensus_hash": str}))})
	nameProofSchema = object(map[string]schema{"block": snvBlockSchema, "name_record": orNull(str), "name_proof": str,
		"namespace_record": orNull(str), "namespace_proof": str})
	operationSchema = object(map[string]schema{"txid": str, "block_number": integer, "vtxindex": integer,
		"opcode": str, "subject": str, "accepted": boolean, "code": str, "reason": str, "record": {}})
)

// errorSchema is every error's answer (a refused zone file also says
// "status": false).
var errorSchema = object(map[string]schema{"error": str}).with(map[string]schema{"status": boolean})
